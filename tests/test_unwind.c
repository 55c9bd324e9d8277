/* The unwind family keeps Go's promises (unwind_family.h): deferred calls
 * run exactly once, in LIFO order, on normal return and on panic, at every
 * depth; recover returns the panic's value only inside a deferred call run
 * by that panic; a panic inside a deferred call replaces the first, unless
 * recovered inside that call; an unrecovered panic aborts printing the
 * chain (checked in a child process); threads panicking at once do not
 * see each other's panics; 10^5 panics leak nothing (LeakSanitizer in
 * make test-asan); forced unwinding runs the cleanup handlers that
 * longjmp skips. Built with -fexceptions, as the forced variant's users
 * must be. A watchdog alarm turns a hang into a failure. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unwind_impls.h"

#include "test_check.h"

/* Opaque frames: no inlining, and (GCC) no interprocedural noreturn
 * inference, so every frame stays a call. */
#if defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noipa))
#endif

/* Deferred calls append their id here; one log per thread of a test. */
struct log {
	long ids[4096];
	int n;
};

static void logged(struct unwind_ctx *g, void *p, long x)
{
	struct log *l = p;
	(void)g;
	if (l->n < (int)(sizeof(l->ids) / sizeof(l->ids[0])))
		l->ids[l->n] = x;
	l->n++;
}

/* The calls registered in frames 0..depth-1, k each, ids level*8+j, ran
 * each exactly once, newest first. */
static int log_is_lifo(const struct log *l, int depth, int k)
{
	int i = 0;
	if (l->n != depth * k)
		return 0;
	for (int level = depth - 1; level >= 0; level--)
		for (int j = k - 1; j >= 0; j--)
			if (l->ids[i++] != level * 8 + j)
				return 0;
	return 1;
}

static int ctx_idle(const struct unwind_ctx *g)
{
	return g->n == 0 && !g->frame && !g->panic && !g->recoverable;
}

/* ---- the runtime defer stack on a normal return ---- */

static NOINLINE int stack_descend(struct unwind_ctx *g, struct log *l,
				  int level, int depth, int k)
{
	size_t mark = unwind_defer_mark(g);
	int r = 0;
	/* defers registered in a loop, the argument captured each time */
	for (int j = 0; j < k; j++)
		unwind_defer(g, logged, l, level * 8 + j);
	if (level + 1 < depth)
		r = stack_descend(g, l, level + 1, depth, k) + 1;
	unwind_defer_return(g, mark);
	return r;
}

static void test_defer_normal_return(void)
{
	static const int depths[] = {1, 4, 16, 64};
	struct unwind_ctx g;
	struct log l;
	CHECK(unwind_ctx_init(&g) == 0);
	for (size_t d = 0; d < 4; d++)
		for (int k = 0; k <= 4; k++) {
			l.n = 0;
			CHECK(stack_descend(&g, &l, 0, depths[d], k) ==
			      depths[d] - 1);
			CHECK(log_is_lifo(&l, depths[d], k));
			CHECK(ctx_idle(&g));
		}
	unwind_ctx_destroy(&g);
}

/* Arguments are evaluated at the defer, as Go's: a later change to the
 * variable does not reach the call. */
static void test_defer_arguments_captured(void)
{
	struct unwind_ctx g;
	struct log l = {.n = 0};
	long x = 5;
	size_t mark;
	CHECK(unwind_ctx_init(&g) == 0);
	mark = unwind_defer_mark(&g);
	unwind_defer(&g, logged, &l, x);
	x = 6;
	unwind_defer(&g, logged, &l, x);
	unwind_defer_return(&g, mark);
	CHECK(l.n == 2 && l.ids[0] == 6 && l.ids[1] == 5);
	unwind_ctx_destroy(&g);
}

/* ---- panic and recover ---- */

struct outcome {
	int recovered; /* how many recovers returned a value */
	unwind_value value;
	struct log *log;
};

/* Go's `defer func() { if x := recover(); x != nil { ... } }()`. */
static void recoverer(struct unwind_ctx *g, void *p, long x)
{
	struct outcome *o = p;
	unwind_value v;
	if (unwind_recover(g, &v)) {
		o->recovered++;
		o->value = v;
	}
	if (o->log)
		logged(g, o->log, x);
}

static int resumed; /* code after a panicking call ran: must stay 0 */

/* The panics, called through opaque frames so the frames above stay
 * calls that could return. */
static NOINLINE void panicker(struct unwind_ctx *g, long value)
{
	unwind_panic(g, value);
}

static NOINLINE void setjmp_panicker(struct unwind_setjmp_point *pt, long v)
{
	unwind_setjmp_panic(pt, v);
}

static NOINLINE void forced_panicker(struct unwind_forced_point *pt, long v)
{
	unwind_forced_panic(pt, v);
}

static NOINLINE void panic_descend(struct unwind_ctx *g, struct log *l,
				   int level, int depth, int k, long value)
{
	size_t mark = unwind_defer_mark(g);
	for (int j = 0; j < k; j++)
		unwind_defer(g, logged, l, level * 8 + j);
	if (level + 1 < depth)
		panic_descend(g, l, level + 1, depth, k, value);
	else
		panicker(g, value);
	resumed++;
	unwind_defer_return(g, mark);
}

/* A recover point, its recovering defer (id -1), then d frames down. */
static NOINLINE int panic_at(struct unwind_ctx *g, struct outcome *o,
			     struct log *l, int depth, int k, long value)
{
	struct unwind_frame fr;
	volatile int came_back = 0;
	unwind_frame_open(g, &fr);
	if (UNWIND_RECOVER_POINT(&fr) == 0) {
		unwind_defer(g, recoverer, o, -1);
		panic_descend(g, l, 0, depth, k, value);
	} else {
		came_back = 1;
	}
	unwind_frame_return(g, &fr);
	return came_back;
}

static void test_panic_runs_defers(void)
{
	static const int depths[] = {1, 4, 16, 64};
	struct unwind_ctx g;
	struct log l;
	CHECK(unwind_ctx_init(&g) == 0);
	for (size_t d = 0; d < 4; d++)
		for (int k = 0; k <= 4; k++) {
			struct log top = {.n = 0};
			struct outcome o = {0, 0, &top};
			long value = 100 + depths[d] * 10 + k;
			l.n = 0;
			resumed = 0;
			CHECK(panic_at(&g, &o, &l, depths[d], k, value) == 1);
			CHECK(o.recovered == 1 && o.value == value);
			CHECK(log_is_lifo(&l, depths[d], k));
			CHECK(top.n == 1); /* the recoverer ran once, last */
			CHECK(resumed == 0);
			CHECK(ctx_idle(&g));
		}
	unwind_ctx_destroy(&g);
}

static void recover_probe(struct unwind_ctx *g, void *p, long x)
{
	unwind_value v = 0;
	int *got = p;
	(void)x;
	*got = unwind_recover(g, &v);
}

static void recover_twice(struct unwind_ctx *g, void *p, long x)
{
	unwind_value v = 0;
	int *got = p;
	(void)x;
	got[0] = unwind_recover(g, &v);
	got[1] = unwind_recover(g, &v);
}

static void defer_in_defer_probe(struct unwind_ctx *g, void *p, long x);

static NOINLINE void nested_probe(struct unwind_ctx *g, struct outcome *top,
				  int *inner)
{
	struct unwind_frame fr;
	unwind_frame_open(g, &fr);
	if (UNWIND_RECOVER_POINT(&fr) == 0) {
		unwind_defer(g, recoverer, top, 0);
		unwind_defer(g, defer_in_defer_probe, inner, 0);
		panicker(g, 4);
	}
	unwind_frame_return(g, &fr);
}

/* recover returns nothing outside a deferred call, in a deferred call run
 * by a normal return (even one inside a deferred call that a panic runs),
 * and once the panic is recovered. */
static void test_recover_only_in_deferred_call(void)
{
	struct unwind_ctx g;
	struct unwind_frame fr;
	unwind_value v = 0;
	/* static: written by deferred calls between setjmp and longjmp */
	static int normal = -1, twice[2] = {-1, -1}, after = -1;
	size_t mark;
	CHECK(unwind_ctx_init(&g) == 0);
	CHECK(unwind_recover(&g, &v) == 0);
	mark = unwind_defer_mark(&g);
	unwind_defer(&g, recover_probe, &normal, 0);
	unwind_defer_return(&g, mark);
	CHECK(normal == 0);
	unwind_frame_open(&g, &fr);
	if (UNWIND_RECOVER_POINT(&fr) == 0) {
		unwind_defer(&g, recover_probe, &after, 0);
		unwind_defer(&g, recover_twice, twice, 0);
		panicker(&g, 9);
	}
	/* after the recovery the frame's other defer runs as on a normal
	 * return: its recover returns nothing */
	unwind_frame_return(&g, &fr);
	CHECK(twice[0] == 1 && twice[1] == 0);
	CHECK(after == 0);
	CHECK(unwind_recover(&g, &v) == 0);
	CHECK(ctx_idle(&g));
	{
		struct outcome top = {0, 0, NULL};
		int inner = -1;
		nested_probe(&g, &top, &inner);
		CHECK(inner == 0);
		CHECK(top.recovered == 1 && top.value == 4);
		CHECK(ctx_idle(&g));
	}
	unwind_ctx_destroy(&g);
}

/* ---- nested panics ---- */

static NOINLINE void returns_with_probe(struct unwind_ctx *g, int *got)
{
	size_t mark = unwind_defer_mark(g);
	unwind_defer(g, recover_probe, got, 0);
	unwind_defer_return(g, mark);
}

/* A deferred call run by a panic calls a function whose own deferred
 * call (run by its normal return) tries to recover: nothing there. */
static void defer_in_defer_probe(struct unwind_ctx *g, void *p, long x)
{
	(void)x;
	returns_with_probe(g, p);
}

static void panic_in_defer(struct unwind_ctx *g, void *p, long x)
{
	(void)p;
	unwind_panic(g, x);
}

/* A deferred call that opens its own recover point, panics inside it and
 * recovers there, then returns normally. */
static void panic_recovered_in_defer(struct unwind_ctx *g, void *p, long x)
{
	struct outcome *o = p;
	struct unwind_frame fr;
	unwind_frame_open(g, &fr);
	if (UNWIND_RECOVER_POINT(&fr) == 0) {
		unwind_defer(g, recoverer, o, 0);
		panicker(g, x);
	}
	unwind_frame_return(g, &fr);
}

/* Recovers the running panic, then panics again. */
static void recover_then_panic(struct unwind_ctx *g, void *p, long x)
{
	struct outcome *o = p;
	recoverer(g, o, 0);
	unwind_panic(g, x);
}

static NOINLINE void two_panics(struct unwind_ctx *g, unwind_defer_fn *fn,
				void *arg, long second, long first)
{
	size_t mark = unwind_defer_mark(g);
	unwind_defer(g, fn, arg, second);
	panicker(g, first);
	unwind_defer_return(g, mark);
}

static NOINLINE void nested(struct unwind_ctx *g, struct outcome *top,
			    unwind_defer_fn *fn, void *arg, long second,
			    long first)
{
	struct unwind_frame fr;
	unwind_frame_open(g, &fr);
	if (UNWIND_RECOVER_POINT(&fr) == 0) {
		unwind_defer(g, recoverer, top, 0);
		two_panics(g, fn, arg, second, first);
	}
	unwind_frame_return(g, &fr);
}

static void test_nested_panics(void)
{
	struct unwind_ctx g;
	struct outcome top = {0, 0, NULL}, inner = {0, 0, NULL};
	CHECK(unwind_ctx_init(&g) == 0);
	/* a panic in a deferred call replaces the first */
	nested(&g, &top, panic_in_defer, NULL, 2, 1);
	CHECK(top.recovered == 1 && top.value == 2);
	CHECK(ctx_idle(&g));
	/* one recovered inside the deferred call leaves the first running */
	top = (struct outcome){0, 0, NULL};
	nested(&g, &top, panic_recovered_in_defer, &inner, 2, 1);
	CHECK(inner.recovered == 1 && inner.value == 2);
	CHECK(top.recovered == 1 && top.value == 1);
	CHECK(ctx_idle(&g));
	/* recovered, then a new panic from the same deferred call */
	top = (struct outcome){0, 0, NULL};
	inner = (struct outcome){0, 0, NULL};
	nested(&g, &top, recover_then_panic, &inner, 3, 1);
	CHECK(inner.recovered == 1 && inner.value == 1);
	CHECK(top.recovered == 1 && top.value == 3);
	CHECK(ctx_idle(&g));
	unwind_ctx_destroy(&g);
}

/* ---- unrecovered panics, in a child process ---- */

enum unrecovered { ALONE, NESTED, RECOVERED_THEN_NESTED };

static void child_panics(enum unrecovered how)
{
	struct unwind_ctx g;
	struct unwind_frame fr;
	struct outcome o = {0, 0, NULL};
	if (unwind_ctx_init(&g) != 0)
		_exit(3);
	/* a frame to recover into, with nothing there that recovers */
	unwind_frame_open(&g, &fr);
	if (UNWIND_RECOVER_POINT(&fr) != 0)
		_exit(5);
	if (how == ALONE)
		panicker(&g, 7);
	else if (how == NESTED)
		two_panics(&g, panic_in_defer, NULL, 2, 1);
	else
		two_panics(&g, recover_then_panic, &o, 3, 1);
	_exit(4); /* not reached */
}

static void expect_abort(enum unrecovered how, const char *printed)
{
	int fd[2], status = 0;
	char buf[256];
	ssize_t n, got = 0;
	pid_t pid;
	CHECK(pipe(fd) == 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		dup2(fd[1], STDERR_FILENO);
		close(fd[0]);
		close(fd[1]);
		child_panics(how);
	}
	close(fd[1]);
	while (got < (ssize_t)sizeof(buf) - 1 &&
	       (n = read(fd[0], buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	buf[got] = '\0';
	close(fd[0]);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	CHECK(strstr(buf, printed) != NULL);
	if (!strstr(buf, printed))
		printf("  child printed: %s\n", buf);
}

static void test_unrecovered_panic_aborts(void)
{
	expect_abort(ALONE, "panic: 7\n");
	expect_abort(NESTED, "panic: 1\n\tpanic: 2\n");
	expect_abort(RECOVERED_THEN_NESTED,
		     "panic: 1 [recovered]\n\tpanic: 3\n");
}

/* ---- forced unwinding runs the cleanups that longjmp skips ---- */

struct cleanup_arg {
	struct log *log;
	long id;
};

static void cleanup_logged(struct cleanup_arg *a)
{
	a->log->ids[a->log->n++] = a->id;
}

static NOINLINE void setjmp_down(struct unwind_setjmp_point *pt, struct log *l,
				 int level, int depth)
{
	UNWIND_DEFER(cleanup_logged)
	struct cleanup_arg a = {l, (long)level * 8};
	if (level + 1 < depth)
		setjmp_down(pt, l, level + 1, depth);
	else
		setjmp_panicker(pt, 11);
	resumed++;
}

static NOINLINE void forced_down(struct unwind_forced_point *pt, struct log *l,
				 int level, int depth)
{
	UNWIND_DEFER(cleanup_logged)
	struct cleanup_arg a = {l, (long)level * 8};
	if (level + 1 < depth)
		forced_down(pt, l, level + 1, depth);
	else
		forced_panicker(pt, 12);
	resumed++;
}

/* The recover point's own cleanup runs once, at its scope exit, after the
 * frames below it: its id (-1) comes last. */
static NOINLINE long setjmp_at(struct log *l, int depth)
{
	struct unwind_setjmp_point pt;
	UNWIND_DEFER(cleanup_logged) struct cleanup_arg a = {l, -1};
	if (UNWIND_SETJMP_RECOVER_POINT(&pt) == 0) {
		setjmp_down(&pt, l, 0, depth);
		return 0;
	}
	return pt.value;
}

struct forced_args {
	struct log *l;
	int depth;
};

static void forced_body(struct unwind_forced_point *pt, void *arg)
{
	struct forced_args *a = arg;
	forced_down(pt, a->l, 0, a->depth);
}

static NOINLINE long forced_at(struct log *l, int depth)
{
	struct forced_args fa = {l, depth};
	unwind_value v = 0;
	UNWIND_DEFER(cleanup_logged) struct cleanup_arg a = {l, -1};
	if (unwind_forced_call(forced_body, &fa, &v))
		return v;
	return 0;
}

static void test_forced_runs_cleanups_longjmp_skips(void)
{
	static const int depths[] = {1, 4, 16, 64};
	for (size_t d = 0; d < 4; d++) {
		struct log l = {.n = 0};
		resumed = 0;
		CHECK(setjmp_at(&l, depths[d]) == 11);
		CHECK(l.n == 1 && l.ids[0] == -1); /* only the top's */
		l.n = 0;
		CHECK(forced_at(&l, depths[d]) == 12);
		CHECK(l.n == depths[d] + 1);
		if (l.n != depths[d] + 1)
			printf("  depth %d: %d cleanups ran\n", depths[d], l.n);
		/* deepest first, each once */
		for (int i = 0; i < depths[d] && i < l.n; i++)
			CHECK(l.ids[i] == (long)(depths[d] - 1 - i) * 8);
		CHECK(l.n > 0 && l.ids[l.n - 1] == -1);
		CHECK(resumed == 0);
	}
}

#ifdef CONTEND_HAVE_CXX
static void test_cxx(void)
{
	static const int depths[] = {1, 4, 16, 64}, ks[] = {0, 1, 4};
	for (size_t d = 0; d < 4; d++)
		for (size_t k = 0; k < 3; k++) {
			uint64_t c = 0;
			CHECK(unwind_cxx_panic(depths[d], ks[k], 13, &c) == 13);
			CHECK(c == (uint64_t)depths[d] * (uint64_t)ks[k]);
			c = 0;
			CHECK(unwind_cxx_defer(depths[d], ks[k], &c) ==
			      (uint64_t)depths[d]);
			CHECK(c == (uint64_t)depths[d] * (uint64_t)ks[k]);
		}
}
#endif

/* ---- threads panicking at once; 10^5 panics for LeakSanitizer ---- */

#define THREADS 4

struct worker {
	pthread_t th;
	int tid, iters;
	int bad;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct unwind_ctx g;
	struct log *l = malloc(sizeof(*l));
	if (!l || unwind_ctx_init(&g) != 0) {
		free(l);
		w->bad++;
		return NULL;
	}
	for (int i = 0; i < w->iters; i++) {
		static const int ks[] = {0, 1, 4};
		int depth = 1 + i % 16, k = ks[i % 3];
		long value = (long)w->tid * 1000000 + i;
		struct outcome o = {0, 0, NULL};
		struct log fl = {.n = 0};
		l->n = 0;
		panic_at(&g, &o, l, depth, k, value);
		if (o.recovered != 1 || o.value != value ||
		    !log_is_lifo(l, depth, k) || !ctx_idle(&g))
			w->bad++;
		if (i % 4 == 0 && forced_at(&fl, depth) != 12)
			w->bad++;
#ifdef CONTEND_HAVE_CXX
		if (i % 4 == 1) {
			uint64_t c = 0;
			if (unwind_cxx_panic(depth, k, value, &c) !=
				    (uint64_t)value ||
			    c != (uint64_t)depth * (uint64_t)k)
				w->bad++;
		}
#endif
	}
	/* a defer stack that grows: 10^3 calls deferred in a loop */
	{
		struct outcome o = {0, 0, NULL};
		l->n = 0;
		panic_at(&g, &o, l, 1, 0, 1);
		for (int j = 0; j < 1000; j++)
			unwind_defer(&g, logged, l, j);
		unwind_defer_return(&g, 0);
		if (l->n != 1000 || l->ids[0] != 999 || l->ids[999] != 0)
			w->bad++;
	}
	unwind_ctx_destroy(&g);
	free(l);
	return NULL;
}

static void test_threads_do_not_interfere(int iters)
{
	struct worker w[THREADS];
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){.tid = i + 1, .iters = iters, .bad = 0};
		CHECK(pthread_create(&w[i].th, NULL, worker_main, &w[i]) == 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(w[i].th, NULL);
		CHECK(w[i].bad == 0);
	}
}

int main(void)
{
	alarm(240);
	/* fork first, while the process has one thread */
	test_unrecovered_panic_aborts();
	test_defer_normal_return();
	test_defer_arguments_captured();
	test_panic_runs_defers();
	test_recover_only_in_deferred_call();
	test_nested_panics();
	test_forced_runs_cleanups_longjmp_skips();
#ifdef CONTEND_HAVE_CXX
	test_cxx();
#else
	printf("skip: C++ throw/catch (no C++ compiler at build time)\n");
#endif
	/* 4 threads x 25000 = 10^5 panics, a quarter forced, a quarter C++ */
	test_threads_do_not_interfere(25000);
	printf("%d failures\n", fails);
	return fails != 0;
}
