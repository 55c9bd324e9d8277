/* unwind family: Go's defer, panic and recover — what leaving d frames costs.
 *
 * unwind/panic (depth=d): a recover point, d nested calls, a "panic" from the
 * deepest one back to the recover point, where one handler runs (Go's
 * `defer func() { recover() }()`). setjmp: longjmp straight there, skipping
 * the frames; errcode: the C idiom, every frame checks and returns the error.
 * unwind/defer (depth=d): the path where nothing goes wrong, d nested calls
 * each with one deferred call at scope exit (cleanup) or none (plain): what
 * registering a defer costs when it only has to run on return.
 * Frames are noinline and do work after their call, so no frame is folded
 * into its caller or turned into a tail call.
 */
#include <stdlib.h>

#include "bench.h"
#include "unwind_cleanup.h"
#include "unwind_setjmp.h"

struct unwind_shared {
	int depth;
};

static int unwind_setup(const struct bench *b, int nthreads, void **shared,
			struct err *e)
{
	struct unwind_shared *s = malloc(sizeof(*s));
	(void)nthreads;
	if (!s)
		return err_set(e, "unwind: out of memory");
	s->depth = (int)b->arg;
	*shared = s;
	return 0;
}

/* The recover handler: what the deferred call at the recover point does. */
static __attribute__((noinline)) uint64_t unwind_recovered(long value)
{
	keep((uint64_t)value);
	return (uint64_t)value;
}

/* The deepest frame's panic. Kept opaque to the callers (no inlining, no
 * interprocedural noreturn inference), so the frames above stay calls. */
#if defined(__clang__)
#define UNWIND_OPAQUE __attribute__((noinline))
#else
#define UNWIND_OPAQUE __attribute__((noipa))
#endif
static UNWIND_OPAQUE void unwind_setjmp_throw(struct unwind_setjmp_point *pt)
{
	unwind_setjmp_panic(pt, 42);
}

static __attribute__((noinline)) void
unwind_setjmp_descend(struct unwind_setjmp_point *pt, int depth)
{
	if (depth <= 1)
		unwind_setjmp_throw(pt);
	else
		unwind_setjmp_descend(pt, depth - 1);
	keep((uint64_t)depth);
}

/* One op: the function that holds the recover point, as Go's function with
 * `defer func() { recover() }()`; nothing it keeps crosses the longjmp. */
static __attribute__((noinline)) uint64_t unwind_setjmp_once(int depth)
{
	struct unwind_setjmp_point pt;
	if (UNWIND_SETJMP_RECOVER_POINT(&pt) == 0) {
		unwind_setjmp_descend(&pt, depth);
		return 0;
	}
	return unwind_recovered(pt.value);
}

static uint64_t unwind_setjmp_run(void *shared, struct bench_thread *t,
				  uint64_t iters)
{
	const struct unwind_shared *s = shared;
	uint64_t sum = 0;
	(void)t;
	for (uint64_t i = 0; i < iters; i++)
		sum += unwind_setjmp_once(s->depth);
	keep(sum);
	return iters;
}

static __attribute__((noinline)) long unwind_errcode_descend(int depth)
{
	long r;
	if (depth <= 1)
		return -42;
	r = unwind_errcode_descend(depth - 1);
	if (r < 0)
		return r;
	keep((uint64_t)depth);
	return 0;
}

static uint64_t unwind_errcode_run(void *shared, struct bench_thread *t,
				   uint64_t iters)
{
	const struct unwind_shared *s = shared;
	uint64_t sum = 0;
	(void)t;
	for (uint64_t i = 0; i < iters; i++) {
		long r = unwind_errcode_descend(s->depth);
		if (r < 0)
			sum += unwind_recovered(-r);
	}
	keep(sum);
	return iters;
}

static __attribute__((noinline)) void unwind_deferred(uint64_t **counter)
{
	(**counter)++;
}

static __attribute__((noinline)) uint64_t
unwind_cleanup_descend(int depth, uint64_t *counter)
{
	UNWIND_DEFER(unwind_deferred) uint64_t *guard = counter;
	uint64_t r;
	keep_ptr(guard);
	if (depth <= 1)
		return 1;
	r = unwind_cleanup_descend(depth - 1, counter);
	keep(r);
	return r + 1;
}

static __attribute__((noinline)) uint64_t unwind_plain_descend(int depth)
{
	uint64_t r;
	if (depth <= 1)
		return 1;
	r = unwind_plain_descend(depth - 1);
	keep(r);
	return r + 1;
}

static uint64_t unwind_cleanup_run(void *shared, struct bench_thread *t,
				   uint64_t iters)
{
	const struct unwind_shared *s = shared;
	uint64_t sum = 0, deferred = 0;
	(void)t;
	for (uint64_t i = 0; i < iters; i++)
		sum += unwind_cleanup_descend(s->depth, &deferred);
	keep(sum + deferred);
	return iters;
}

static uint64_t unwind_plain_run(void *shared, struct bench_thread *t,
				 uint64_t iters)
{
	const struct unwind_shared *s = shared;
	uint64_t sum = 0;
	(void)t;
	for (uint64_t i = 0; i < iters; i++)
		sum += unwind_plain_descend(s->depth);
	keep(sum);
	return iters;
}

#define UNWIND_BENCH(NAME, IMPL, DEPTH, SUMMARY)                               \
	BENCH_REGISTER(unwind_##IMPL##_d##DEPTH, .name = NAME, .impl = #IMPL,  \
		       .params = "depth=" #DEPTH, .arg = DEPTH,                \
		       .summary = SUMMARY, .setup = unwind_setup,              \
		       .teardown = free, .run = unwind_##IMPL##_run)

#define UNWIND_PANIC_SUMMARY "panic from d frames down, recover at the top"
#define UNWIND_DEFER_SUMMARY "d nested calls returning normally"
UNWIND_BENCH("unwind/panic", setjmp, 1, UNWIND_PANIC_SUMMARY " (longjmp)");
UNWIND_BENCH("unwind/panic", setjmp, 16, UNWIND_PANIC_SUMMARY " (longjmp)");
UNWIND_BENCH("unwind/panic", errcode, 1,
	     UNWIND_PANIC_SUMMARY " (error codes returned by every frame)");
UNWIND_BENCH("unwind/panic", errcode, 16,
	     UNWIND_PANIC_SUMMARY " (error codes returned by every frame)");
UNWIND_BENCH("unwind/defer", cleanup, 1,
	     UNWIND_DEFER_SUMMARY ", one __attribute__((cleanup)) defer each");
UNWIND_BENCH("unwind/defer", cleanup, 16,
	     UNWIND_DEFER_SUMMARY ", one __attribute__((cleanup)) defer each");
UNWIND_BENCH("unwind/defer", plain, 1, UNWIND_DEFER_SUMMARY ", no defer");
UNWIND_BENCH("unwind/defer", plain, 16, UNWIND_DEFER_SUMMARY ", no defer");
