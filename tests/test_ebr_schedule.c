/* Issue 19's EBR reproduction, played step by step on the real code
 * (schedule points, test_sched.h): three publishers and a reader whose
 * announcement waits in its store buffer, as x86-TSO allows, until the
 * next full barrier on its CPU. The reader must find the value it holds
 * intact (values are poisoned when freed, and kept until the end so the
 * check is deterministic in every build).
 *
 * The interleaving (T the epoch at the start):
 *   P2, P3  each start a reclaim and stop just after its heavy fence
 *   R       read_begin: reads epoch T, announces T (held), loads X
 *   P1      publishes: unlinks X, tags it T
 *   P2      scans (R's announcement not visible), advances T -> T+1
 *   P3      loads the epoch, scans, advances T+1 -> T+2 when its epoch
 *           load came after its fence (the flaw: the scan then misses R)
 *   P1      reclaims: its membarrier drains R's store; frees X if T+2
 *   R       checks X
 * With the fence after the epoch load, P3's load (T) precedes its fence,
 * its advance fails, and X waits. With the reader's own fence (no
 * membarrier) the announcement drains before the load of X: both orders
 * are safe there, which the second run checks.
 *
 * Then the same reader against membarrier(2) failing after it was
 * registered: the writer's own fence in its place would not drain the
 * reader's announcement, and a lone publisher would free X two reclaims
 * later. Transient failures are tried again, lasting ones fall back to
 * the global command, and when that fails too the process stops. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomic_value_ebr.h"

#include "test_check.h"
#include "test_sched.h"
#include "test_watchdog.h"

#define TAG 0x0ddba11cafef00dull

struct value {
	uint64_t seq, check;
	struct value *next; /* in the graveyard once freed */
};

/* Freed values: poisoned, kept until the script ends. */
static _Atomic(struct value *) graveyard;

static void *value_new(uint64_t seq)
{
	struct value *v = xcalloc(1, sizeof(*v));
	v->seq = seq;
	v->check = seq ^ TAG;
	return v;
}

static void value_free(void *p)
{
	struct value *v = p;
	v->check = 0; /* a reader checking after this fails */
	v->next = atomic_load(&graveyard);
	while (!atomic_compare_exchange_weak(&graveyard, &v->next, v))
		;
}

static int value_ok(const struct value *v)
{
	return v->check == (v->seq ^ TAG);
}

static void graveyard_empty(void)
{
	struct value *v = atomic_exchange(&graveyard, NULL);
	while (v) {
		struct value *next = v->next;
		free(v);
		v = next;
	}
}

static uint64_t next_seq = 1;

struct publish {
	struct atomic_value_ebr *v;
	struct atomic_value_ebr_thread *t;
	uint64_t seq;
};

static void publish_one(void *p)
{
	struct publish *a = p;
	atomic_value_ebr_publish(a->v, a->t, value_new(a->seq));
}

/* Four batches: four reclaims, enough to free X twice over. */
static void publish_many(void *p)
{
	struct publish *a = p;
	for (size_t i = 0; i < 4 * ATOMIC_VALUE_EBR_BATCH; i++)
		atomic_value_ebr_publish(a->v, a->t, value_new(a->seq + i));
}

struct reader {
	struct atomic_value_ebr *v;
	struct atomic_value_ebr_thread *t;
	const struct value *x;
	int ok;
};

static void reader_holds(void *p)
{
	struct reader *r = p;
	r->x = atomic_value_ebr_read_begin(r->v, r->t);
	contend_sched_point("reader_holding");
	r->ok = value_ok(r->x);
	atomic_value_ebr_read_end(r->v, r->t);
}

/* R reads X and parks holding it, its announcement held back as a store
 * buffer would hold it. */
static void reader_start(struct actor *R, struct reader *r,
			 struct atomic_value_ebr *v,
			 struct atomic_value_ebr_thread *t)
{
	*r = (struct reader){v, t, NULL, 0};
	R->fn = reader_holds;
	R->arg = r;
	actor_hold(R, "ebr_announce");
	actor_run(R, "reader_holding");
	CHECK(strcmp(actor_at(R), "reader_holding") == 0);
}

static uint64_t epoch(struct atomic_value_ebr *v)
{
	return atomic_load(&v->epoch);
}

static struct publish publishing(struct atomic_value_ebr *v,
				 struct atomic_value_ebr_thread *t)
{
	return (struct publish){v, t, next_seq++};
}

/* Plays the interleaving; 1 when the reader found its value intact. */
static int play(int asym)
{
	struct atomic_value_ebr v;
	struct atomic_value_ebr_thread *p1, *p2, *p3, *rt;
	struct publish a2, a3, d1, g1;
	struct reader r;
	struct actor P2 = {.name = "P2"}, P3 = {.name = "P3"},
		     R = {.name = "R"}, P1d = {.name = "P1"},
		     P1g = {.name = "P1"};
	const char *mode = asym ? "membarrier" : "fence";
	uint64_t t0;
	CHECK(atomic_value_ebr_init(&v, value_new(0), sizeof(struct value),
				    value_free) == 0);
	v.asym = asym;
	p1 = atomic_value_ebr_thread_new(&v);
	p2 = atomic_value_ebr_thread_new(&v);
	p3 = atomic_value_ebr_thread_new(&v);
	rt = atomic_value_ebr_thread_new(&v);
	CHECK(p1 && p2 && p3 && rt);
	/* a reclaim runs at every ATOMIC_VALUE_EBR_BATCH-th retire: P2 and
	 * P3 are one short of it, P1 two (its next publish unlinks X) */
	for (size_t i = 0; i + 2 < ATOMIC_VALUE_EBR_BATCH; i++)
		atomic_value_ebr_publish(&v, p1, value_new(next_seq++));
	for (size_t i = 0; i + 1 < ATOMIC_VALUE_EBR_BATCH; i++) {
		atomic_value_ebr_publish(&v, p2, value_new(next_seq++));
		atomic_value_ebr_publish(&v, p3, value_new(next_seq++));
	}
	t0 = epoch(&v);

	a2 = publishing(&v, p2);
	P2.fn = publish_one;
	P2.arg = &a2;
	actor_run(&P2, "ebr_reclaim_fenced");
	a3 = publishing(&v, p3);
	P3.fn = publish_one;
	P3.arg = &a3;
	actor_run(&P3, "ebr_reclaim_fenced");
	CHECK(strcmp(actor_at(&P2), "ebr_reclaim_fenced") == 0);
	CHECK(strcmp(actor_at(&P3), "ebr_reclaim_fenced") == 0);

	reader_start(&R, &r, &v, rt);

	d1 = publishing(&v, p1);
	P1d.fn = publish_one;
	P1d.arg = &d1;
	actor_run(&P1d, NULL); /* unlinks X, tags it t0 */
	CHECK(atomic_load(&v.p) != (void *)r.x);
	actor_finish(&P2);
	actor_finish(&P3);
	printf("ebr %s: epoch %llu -> %llu after P2 and P3\n", mode,
	       (unsigned long long)t0, (unsigned long long)epoch(&v));

	g1 = publishing(&v, p1);
	P1g.fn = publish_one;
	P1g.arg = &g1;
	actor_run(&P1g, NULL); /* reclaims: frees X if two advances passed */
	actor_finish(&R);
	actor_finish(&P1d);
	actor_finish(&P1g);
	printf("ebr %s: epoch %llu at P1's reclaim; the reader's value %s\n",
	       mode, (unsigned long long)epoch(&v),
	       r.ok ? "intact" : "FREED while held");

	atomic_value_ebr_thread_done(&v, rt);
	atomic_value_ebr_thread_done(&v, p1);
	atomic_value_ebr_thread_done(&v, p2);
	atomic_value_ebr_thread_done(&v, p3);
	atomic_value_ebr_destroy(&v);
	graveyard_empty();
	sched_reset();
	return r.ok;
}

/* The reader holds X, its announcement in its store buffer, while one
 * publisher runs four batches with membarrier failing as planned; 1 when
 * X was not freed. */
static int play_failing(const char *what, int private_fails, int global_fails,
			int err)
{
	struct atomic_value_ebr v;
	struct atomic_value_ebr_thread *p1, *rt;
	struct publish a;
	struct reader r;
	struct actor P1 = {.name = "P1"}, R = {.name = "R"};
	CHECK(atomic_value_ebr_init(&v, value_new(0), sizeof(struct value),
				    value_free) == 0);
	v.asym = 1;
	p1 = atomic_value_ebr_thread_new(&v);
	rt = atomic_value_ebr_thread_new(&v);
	CHECK(p1 && rt);
	reader_start(&R, &r, &v, rt);

	sched_membarrier_fail(private_fails, global_fails, err);
	a = publishing(&v, p1);
	P1.fn = publish_many;
	P1.arg = &a;
	actor_finish(&P1);
	actor_finish(&R);
	printf("ebr membarrier %s: %d private and %d global calls, epoch "
	       "%llu; the reader's value %s\n",
	       what, sched_mb.calls[0], sched_mb.calls[1],
	       (unsigned long long)epoch(&v),
	       r.ok ? "intact" : "FREED while held");
	if (private_fails > 0) /* tried again, and no global one needed */
		CHECK(sched_mb.calls[0] > private_fails &&
		      sched_mb.calls[1] == 0);
	else if (err == EPERM) /* registered again, tried once more */
		CHECK(sched_mb.calls[1] > 0 &&
		      sched_mb.calls[0] == 2 * sched_mb.calls[1]);
	else /* tried again, then the global command in its place */
		CHECK(sched_mb.calls[1] > 0 &&
		      sched_mb.calls[0] > sched_mb.calls[1]);
	sched_membarrier_fail(0, 0, 0);
	atomic_value_ebr_thread_done(&v, rt);
	atomic_value_ebr_thread_done(&v, p1);
	atomic_value_ebr_destroy(&v);
	graveyard_empty();
	sched_reset();
	return r.ok;
}

/* With both commands failing, a reclaim stops the process (a child: the
 * fork is safe, every actor was joined). */
static int stops_when_no_barrier_runs(void)
{
	int status;
	pid_t pid = fork();
	if (pid == 0) {
		setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0}); /* no core */
		alarm(10); /* fork dropped the watchdog's alarm */
		sched_membarrier_fail(-1, -1, ENOMEM);
		asym_fence_heavy(1);
		_exit(0); /* went on without a barrier */
	}
	CHECK(pid > 0);
	if (pid <= 0 || waitpid(pid, &status, 0) != pid)
		return 0;
	printf("ebr membarrier failing for good: the reclaim %s\n",
	       WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT
		       ? "stopped the process"
		       : "WENT ON without a barrier");
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	watchdog_arm(60, "ebr schedule: a scripted step never came back");
	if (asym_fence_init()) {
		CHECK(play(1));
		CHECK(play_failing("failing 3 times", 3, 0, ENOMEM));
		if (syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0) &
		    MEMBARRIER_CMD_GLOBAL) {
			CHECK(play_failing("private failing", -1, 0, ENOMEM));
			CHECK(play_failing("unregistered", -1, 0, EPERM));
		}
		CHECK(stops_when_no_barrier_runs());
	} else {
		printf("ebr membarrier: skipped, membarrier(2) unavailable\n");
	}
	CHECK(play(0));
	printf("%d failures\n", fails);
	return fails != 0;
}
