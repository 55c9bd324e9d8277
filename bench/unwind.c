/* unwind family: Go's defer, panic and recover — what leaving d frames
 * costs, when nothing goes wrong and when something does.
 *
 * unwind/panic (depth=d, defers=k): a recover point, d nested calls each
 * with k deferred calls, a panic from the deepest one back to the recover
 * point, where one handler takes the value (Go's
 * `defer func() { r = recovered(recover()) }()`). Every deferred call on
 * the way runs, except in setjmp (defers=0 only: the lower bound).
 *   setjmp  longjmp straight to the point (unwind_setjmp.h);
 *   errcode the C idiom: every frame checks the error and returns it, its
 *           __attribute__((cleanup)) defers running on the way out;
 *   panic   setjmp/longjmp panic over the runtime defer stack
 *           (unwind_panic.h), the handler a deferred call that recovers;
 *   forced  _Unwind_ForcedUnwind running the frames' cleanup handlers
 *           (unwind_forced.h; this file is built with -fexceptions);
 *   cxx     C++ throw/catch, destructors as defers (unwind_cxx.h).
 * unwind/defer (depth=d, defers=k): the path where nothing goes wrong, d
 * nested calls returning normally: plain has no defer (defers=0), the
 * others k deferred calls per frame, so defer's cost when nothing goes
 * wrong is a row minus plain's row at the same depth (Go: defers=k minus
 * defers=0).
 *   cleanup __attribute__((cleanup)) variables; stack the runtime defer
 *           stack (unwind_defer_stack.h); cxx C++ destructors.
 * Every deferred call is a noinline call that adds 1 to a per-thread
 * counter. Frames are opaque (noipa) and do work after their call, so no
 * frame is folded into its caller or turned into a tail call, and no
 * return value is inferred across frames. State is per thread (a
 * thread_init context): threads share nothing, so a row that does not
 * scale with threads shows a shared lock inside the mechanism (the
 * unwinder's frame lookup).
 * Quick sweep: panic at depth 1 and 16 with one defer per frame, defer
 * rows at depth 1 and 16 with none and one; the rest is --full.
 */
#include <stdlib.h>

#include "bench.h"
#include "unwind_impls.h"

#define UNWIND_VALUE 42

struct unwind_local {
	struct unwind_ctx g;
	uint64_t counter;   /* deferred calls made */
	uint64_t recovered; /* what the panic impl's handler took */
} __attribute__((aligned(CACHE_LINE)));

static int unwind_thread_init(void *shared, int tid, void **local,
			      struct err *e)
{
	struct unwind_local *l = aligned_alloc(CACHE_LINE, sizeof(*l));
	(void)shared;
	(void)tid;
	if (!l || unwind_ctx_init(&l->g) != 0) {
		free(l);
		return err_set(e, "unwind: out of memory");
	}
	l->counter = l->recovered = 0;
	*local = l;
	return 0;
}

static void unwind_thread_fini(void *shared, void *local)
{
	struct unwind_local *l = local;
	(void)shared;
	unwind_ctx_destroy(&l->g);
	free(l);
}

/* Frames kept opaque to their callers (no inlining, no interprocedural
 * noreturn or return-value inference), so every frame stays a call. */
#if defined(__clang__)
#define UNWIND_OPAQUE __attribute__((noinline))
#else
#define UNWIND_OPAQUE __attribute__((noipa))
#endif

/* The recover handler: what the deferred call at the recover point does
 * with the value. */
static UNWIND_OPAQUE uint64_t unwind_recovered(unwind_value value)
{
	keep((uint64_t)value);
	return (uint64_t)value;
}

/* A deferred call, as a cleanup handler. */
static UNWIND_OPAQUE void unwind_deferred(uint64_t **counter)
{
	(**counter)++;
}

/* k scope-exit defers in one frame (k = 0, 1, 4). */
#define UNWIND_GUARDS_0(c)
#define UNWIND_GUARDS_1(c)                                                     \
	UNWIND_DEFER(unwind_deferred) uint64_t *d0_ = (c);                     \
	keep_ptr(d0_);
#define UNWIND_GUARDS_4(c)                                                     \
	UNWIND_DEFER(unwind_deferred) uint64_t *d0_ = (c);                     \
	UNWIND_DEFER(unwind_deferred) uint64_t *d1_ = (c);                     \
	UNWIND_DEFER(unwind_deferred) uint64_t *d2_ = (c);                     \
	UNWIND_DEFER(unwind_deferred) uint64_t *d3_ = (c);                     \
	keep_ptr(d0_);                                                         \
	keep_ptr(d1_);                                                         \
	keep_ptr(d2_);                                                         \
	keep_ptr(d3_);

#define UNWIND_LOCAL(t)	 ((struct unwind_local *)(t)->local)
#define UNWIND_DEPTH(t)	 ((int)(t)->bench->arg)
#define UNWIND_DEFERS(t) ((int)(t)->bench->arg2)

/* ---- setjmp: a bare longjmp, nothing runs on the way ---- */

static UNWIND_OPAQUE void unwind_setjmp_throw(struct unwind_setjmp_point *pt)
{
	unwind_setjmp_panic(pt, UNWIND_VALUE);
}

static UNWIND_OPAQUE void unwind_setjmp_descend(struct unwind_setjmp_point *pt,
						int depth)
{
	if (depth <= 1)
		unwind_setjmp_throw(pt);
	else
		unwind_setjmp_descend(pt, depth - 1);
	keep((uint64_t)depth);
}

/* One op: the function that holds the recover point, as Go's function with
 * `defer func() { recover() }()`; nothing it keeps crosses the longjmp. */
static UNWIND_OPAQUE uint64_t unwind_setjmp_once(int depth)
{
	struct unwind_setjmp_point pt;
	if (UNWIND_SETJMP_RECOVER_POINT(&pt) == 0) {
		unwind_setjmp_descend(&pt, depth);
		return 0;
	}
	return unwind_recovered(pt.value);
}

static uint64_t unwind_setjmp_panic_run(void *shared, struct bench_thread *t,
					uint64_t iters)
{
	int depth = UNWIND_DEPTH(t);
	uint64_t sum = 0;
	(void)shared;
	for (uint64_t i = 0; i < iters; i++)
		sum += unwind_setjmp_once(depth);
	keep(sum);
	return iters;
}

/* ---- errcode: every frame returns the error, cleanups run on return ---- */

#define UNWIND_ERRCODE_DESCEND(K)                                              \
	static UNWIND_OPAQUE long unwind_errcode_descend##K(int depth,         \
							    uint64_t *c)       \
	{                                                                      \
		UNWIND_GUARDS_##K(c) long r;                                   \
		if (depth <= 1)                                                \
			return -UNWIND_VALUE;                                  \
		r = unwind_errcode_descend##K(depth - 1, c);                   \
		if (r < 0)                                                     \
			return r;                                              \
		keep((uint64_t)depth);                                         \
		return 0;                                                      \
	}
UNWIND_ERRCODE_DESCEND(0)
UNWIND_ERRCODE_DESCEND(1)
UNWIND_ERRCODE_DESCEND(4)

static uint64_t unwind_errcode_panic_run(void *shared, struct bench_thread *t,
					 uint64_t iters)
{
	struct unwind_local *l = UNWIND_LOCAL(t);
	int depth = UNWIND_DEPTH(t), defers = UNWIND_DEFERS(t);
	uint64_t sum = 0;
	(void)shared;
	for (uint64_t i = 0; i < iters; i++) {
		long r = defers == 0
				 ? unwind_errcode_descend0(depth, &l->counter)
			 : defers == 1
				 ? unwind_errcode_descend1(depth, &l->counter)
				 : unwind_errcode_descend4(depth, &l->counter);
		if (r < 0)
			sum += unwind_recovered(-r);
	}
	keep(sum);
	return iters;
}

/* ---- panic: setjmp/longjmp over the runtime defer stack ---- */

static void unwind_stack_deferred(struct unwind_ctx *g, void *p, long x)
{
	(void)g;
	(void)x;
	(*(uint64_t *)p)++;
}

/* The deferred call at the recover point: Go's
 * `defer func() { if x := recover(); x != nil { r = recovered(x) } }()`. */
static void unwind_stack_recoverer(struct unwind_ctx *g, void *p, long x)
{
	unwind_value v;
	(void)x;
	if (unwind_recover(g, &v))
		*(uint64_t *)p = unwind_recovered(v);
}

static UNWIND_OPAQUE void unwind_panic_throw(struct unwind_ctx *g)
{
	unwind_panic(g, UNWIND_VALUE);
}

static UNWIND_OPAQUE void unwind_panic_descend(struct unwind_ctx *g, int depth,
					       int defers, uint64_t *c)
{
	size_t mark = unwind_defer_mark(g);
	for (int i = 0; i < defers; i++)
		unwind_defer(g, unwind_stack_deferred, c, i);
	if (depth <= 1)
		unwind_panic_throw(g);
	else
		unwind_panic_descend(g, depth - 1, defers, c);
	keep((uint64_t)depth);
	unwind_defer_return(g, mark);
}

static UNWIND_OPAQUE uint64_t unwind_panic_once(struct unwind_local *l,
						int depth, int defers)
{
	struct unwind_frame fr;
	unwind_frame_open(&l->g, &fr);
	if (UNWIND_RECOVER_POINT(&fr) == 0) {
		unwind_defer(&l->g, unwind_stack_recoverer, &l->recovered, 0);
		unwind_panic_descend(&l->g, depth, defers, &l->counter);
	}
	unwind_frame_return(&l->g, &fr);
	return l->recovered;
}

static uint64_t unwind_panic_panic_run(void *shared, struct bench_thread *t,
				       uint64_t iters)
{
	struct unwind_local *l = UNWIND_LOCAL(t);
	int depth = UNWIND_DEPTH(t), defers = UNWIND_DEFERS(t);
	uint64_t sum = 0;
	(void)shared;
	for (uint64_t i = 0; i < iters; i++)
		sum += unwind_panic_once(l, depth, defers);
	keep(sum);
	return iters;
}

/* ---- forced: _Unwind_ForcedUnwind runs the cleanup handlers ---- */

static UNWIND_OPAQUE void unwind_forced_throw(struct unwind_forced_point *pt)
{
	unwind_forced_panic(pt, UNWIND_VALUE);
}

#define UNWIND_FORCED_DESCEND(K)                                               \
	static UNWIND_OPAQUE void unwind_forced_descend##K(                    \
		struct unwind_forced_point *pt, int depth, uint64_t *c)        \
	{                                                                      \
		UNWIND_GUARDS_##K(c) if (depth <= 1) unwind_forced_throw(pt);  \
		else unwind_forced_descend##K(pt, depth - 1, c);               \
		keep((uint64_t)depth);                                         \
	}
UNWIND_FORCED_DESCEND(0)
UNWIND_FORCED_DESCEND(1)
UNWIND_FORCED_DESCEND(4)

struct unwind_forced_args {
	int depth, defers;
	uint64_t *counter;
};

/* The function the recover point calls (Go's body under the deferred
 * recover): the d frames below it. */
static void unwind_forced_body(struct unwind_forced_point *pt, void *arg)
{
	const struct unwind_forced_args *a = arg;
	if (a->defers == 0)
		unwind_forced_descend0(pt, a->depth, a->counter);
	else if (a->defers == 1)
		unwind_forced_descend1(pt, a->depth, a->counter);
	else
		unwind_forced_descend4(pt, a->depth, a->counter);
}

static UNWIND_OPAQUE uint64_t unwind_forced_once(int depth, int defers,
						 uint64_t *c)
{
	struct unwind_forced_args a = {depth, defers, c};
	unwind_value v = 0;
	if (unwind_forced_call(unwind_forced_body, &a, &v))
		return unwind_recovered(v);
	return 0;
}

static uint64_t unwind_forced_panic_run(void *shared, struct bench_thread *t,
					uint64_t iters)
{
	struct unwind_local *l = UNWIND_LOCAL(t);
	int depth = UNWIND_DEPTH(t), defers = UNWIND_DEFERS(t);
	uint64_t sum = 0;
	(void)shared;
	for (uint64_t i = 0; i < iters; i++)
		sum += unwind_forced_once(depth, defers, &l->counter);
	keep(sum);
	return iters;
}

/* ---- the path where nothing goes wrong ---- */

static UNWIND_OPAQUE uint64_t unwind_plain_descend(int depth)
{
	uint64_t r;
	if (depth <= 1)
		return 1;
	r = unwind_plain_descend(depth - 1);
	keep(r);
	return r + 1;
}

static uint64_t unwind_plain_defer_run(void *shared, struct bench_thread *t,
				       uint64_t iters)
{
	int depth = UNWIND_DEPTH(t);
	uint64_t sum = 0;
	(void)shared;
	for (uint64_t i = 0; i < iters; i++)
		sum += unwind_plain_descend(depth);
	keep(sum);
	return iters;
}

#define UNWIND_CLEANUP_DESCEND(K)                                              \
	static UNWIND_OPAQUE uint64_t unwind_cleanup_descend##K(int depth,     \
								uint64_t *c)   \
	{                                                                      \
		UNWIND_GUARDS_##K(c) uint64_t r;                               \
		if (depth <= 1)                                                \
			return 1;                                              \
		r = unwind_cleanup_descend##K(depth - 1, c);                   \
		keep(r);                                                       \
		return r + 1;                                                  \
	}
UNWIND_CLEANUP_DESCEND(1)
UNWIND_CLEANUP_DESCEND(4)

static uint64_t unwind_cleanup_defer_run(void *shared, struct bench_thread *t,
					 uint64_t iters)
{
	struct unwind_local *l = UNWIND_LOCAL(t);
	int depth = UNWIND_DEPTH(t), defers = UNWIND_DEFERS(t);
	uint64_t sum = 0;
	(void)shared;
	if (defers == 1)
		for (uint64_t i = 0; i < iters; i++)
			sum += unwind_cleanup_descend1(depth, &l->counter);
	else
		for (uint64_t i = 0; i < iters; i++)
			sum += unwind_cleanup_descend4(depth, &l->counter);
	keep(sum);
	return iters;
}

static UNWIND_OPAQUE uint64_t unwind_stack_descend(struct unwind_ctx *g,
						   int depth, int defers,
						   uint64_t *c)
{
	size_t mark = unwind_defer_mark(g);
	uint64_t r = 1;
	for (int i = 0; i < defers; i++)
		unwind_defer(g, unwind_stack_deferred, c, i);
	if (depth > 1) {
		r = unwind_stack_descend(g, depth - 1, defers, c);
		keep(r);
		r++;
	}
	unwind_defer_return(g, mark);
	return r;
}

static uint64_t unwind_stack_defer_run(void *shared, struct bench_thread *t,
				       uint64_t iters)
{
	struct unwind_local *l = UNWIND_LOCAL(t);
	int depth = UNWIND_DEPTH(t), defers = UNWIND_DEFERS(t);
	uint64_t sum = 0;
	(void)shared;
	for (uint64_t i = 0; i < iters; i++)
		sum += unwind_stack_descend(&l->g, depth, defers, &l->counter);
	keep(sum);
	return iters;
}

#ifdef CONTEND_HAVE_CXX
static uint64_t unwind_cxx_panic_run(void *shared, struct bench_thread *t,
				     uint64_t iters)
{
	struct unwind_local *l = UNWIND_LOCAL(t);
	int depth = UNWIND_DEPTH(t), defers = UNWIND_DEFERS(t);
	uint64_t sum = 0;
	(void)shared;
	for (uint64_t i = 0; i < iters; i++)
		sum += unwind_recovered((unwind_value)unwind_cxx_panic(
			depth, defers, UNWIND_VALUE, &l->counter));
	keep(sum);
	return iters;
}

static uint64_t unwind_cxx_defer_run(void *shared, struct bench_thread *t,
				     uint64_t iters)
{
	struct unwind_local *l = UNWIND_LOCAL(t);
	int depth = UNWIND_DEPTH(t), defers = UNWIND_DEFERS(t);
	uint64_t sum = 0;
	(void)shared;
	for (uint64_t i = 0; i < iters; i++)
		sum += unwind_cxx_defer(depth, defers, &l->counter);
	keep(sum);
	return iters;
}
#endif

/* ---- registration ---- */

#define UNWIND_BENCH(NAME, KIND, IMPL, RUN, D, K, FLAGS, SUMMARY)              \
	BENCH_REGISTER(unwind_##KIND##_##IMPL##_d##D##_k##K, .name = NAME,     \
		       .impl = #IMPL, .params = "depth=" #D ",defers=" #K,     \
		       .arg = D, .arg2 = K, .flags = FLAGS,                    \
		       .summary = SUMMARY, .thread_init = unwind_thread_init,  \
		       .thread_fini = unwind_thread_fini, .run = RUN)

#define UNWIND_PANIC(IMPL, D, K, FLAGS, HOW)                                   \
	UNWIND_BENCH("unwind/panic", panic, IMPL, unwind_##IMPL##_panic_run,   \
		     D, K, FLAGS,                                              \
		     "panic from d frames of k defers, recover at the "        \
		     "top (" HOW ")");
#define UNWIND_DEFER_ROW(IMPL, D, K, FLAGS, HOW)                               \
	UNWIND_BENCH("unwind/defer", defer, IMPL, unwind_##IMPL##_defer_run,   \
		     D, K, FLAGS,                                              \
		     "d nested calls of k defers returning normally (" HOW     \
		     ")");

/* One impl's rows at depth D, by its defers column (QUICK: 0 at the quick
 * sweep's depths, else BENCH_FULL). A defer row without a defer would be
 * plain's, so K1's defer rows start at one. */
#define UNWIND_PANIC_K0(IMPL, D, QUICK, HOW)                                   \
	UNWIND_PANIC(IMPL, D, 0, BENCH_FULL, HOW)
#define UNWIND_PANIC_K1(IMPL, D, QUICK, HOW)                                   \
	UNWIND_PANIC(IMPL, D, 0, BENCH_FULL, HOW)                              \
	UNWIND_PANIC(IMPL, D, 1, QUICK, HOW)                                   \
	UNWIND_PANIC(IMPL, D, 4, BENCH_FULL, HOW)
#define UNWIND_DEFER_K0(IMPL, D, QUICK, HOW)                                   \
	UNWIND_DEFER_ROW(IMPL, D, 0, QUICK, HOW)
#define UNWIND_DEFER_K1(IMPL, D, QUICK, HOW)                                   \
	UNWIND_DEFER_ROW(IMPL, D, 1, QUICK, HOW)                               \
	UNWIND_DEFER_ROW(IMPL, D, 4, BENCH_FULL, HOW)

#define UNWIND_DEPTHS(ROWS, IMPL, HOW)                                         \
	ROWS(IMPL, 1, 0, HOW)                                                  \
	ROWS(IMPL, 4, BENCH_FULL, HOW)                                         \
	ROWS(IMPL, 16, 0, HOW)                                                 \
	ROWS(IMPL, 64, BENCH_FULL, HOW)

#define UNWIND_PANIC_IMPL(IMPL, HOW, DEFERS)                                   \
	UNWIND_DEPTHS(UNWIND_PANIC_K##DEFERS, IMPL, HOW)
#define UNWIND_DEFER_IMPL(IMPL, HOW, DEFERS)                                   \
	UNWIND_DEPTHS(UNWIND_DEFER_K##DEFERS, IMPL, HOW)

UNWIND_PANIC_IMPLS(UNWIND_PANIC_IMPL)
UNWIND_DEFER_IMPLS(UNWIND_DEFER_IMPL)
