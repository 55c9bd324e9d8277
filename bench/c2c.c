/* c2c/pingpong: one cache line bounced between two CPUs.
 *
 * Thread 0 writes an odd sequence number, thread 1 answers with the next
 * even one; each op (counted on thread 0) is one round trip = two transfers of
 * the line between the two caches. This is the physical floor of every
 * hand-off in the suite: a channel or lock transfer between the same two CPUs
 * cannot be faster than this row of the same placement. Meaningful only with
 * both threads pinned (the default pair placements); run unpinned it measures
 * the scheduler, and yields_per_op says so: the waits that gave up their
 * CPU (after 50 us) per round trip, 0 where both threads ran throughout.
 */
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "c2c.h"

/* Each thread's counts on a line of its own, away from the timed line:
 * written once per run call, read by c2c_fields after the threads joined. */
struct c2c_counts {
	_Alignas(CACHE_LINE) uint64_t rounds, yields;
};

struct c2c_shared {
	_Alignas(CACHE_LINE) _Atomic uint64_t line;
	struct c2c_counts count[2];
};

struct c2c_local {
	uint64_t seq; /* both threads advance it in step across samples */
};

static int c2c_setup(const struct bench *b, int nthreads, void **shared,
		     struct err *e)
{
	struct c2c_shared *s;
	(void)b;
	(void)nthreads;
	s = aligned_alloc(CACHE_LINE, sizeof(*s));
	if (!s)
		return err_set(e, "c2c: out of memory");
	memset(s, 0, sizeof(*s));
	atomic_init(&s->line, 0);
	*shared = s;
	return 0;
}

static int c2c_thread_init(void *shared, int tid, void **local, struct err *e)
{
	(void)shared;
	(void)tid;
	*local = calloc(1, sizeof(struct c2c_local));
	return *local ? 0 : err_set(e, "c2c: out of memory");
}

static void c2c_thread_fini(void *shared, void *local)
{
	(void)shared;
	free(local);
}

static uint64_t c2c_run(void *shared, struct bench_thread *t, uint64_t iters)
{
	struct c2c_shared *s = shared;
	struct c2c_local *l = t->local;
	uint64_t seq = l->seq, yields = 0;
	for (uint64_t i = 0; i < iters; i++, seq += 2)
		yields += c2c_round(&s->line, t->tid, seq);
	l->seq = seq;
	s->count[t->tid].rounds += iters;
	s->count[t->tid].yields += yields;
	return t->tid == 0 ? iters : 0;
}

static int c2c_fields(void *shared, struct bench_field *out, int max)
{
	struct c2c_shared *s = shared;
	if (max < 1 || !s->count[0].rounds)
		return 0;
	out[0] = (struct bench_field){
		"yields_per_op",
		(double)(s->count[0].yields + s->count[1].yields) /
			(double)s->count[0].rounds};
	return 1;
}

BENCH_REGISTER(c2c_pingpong, .name = "c2c/pingpong", .impl = "line",
	       .params = "", .flags = BENCH_PAIR,
	       .summary = "one cache line round trip between two CPUs (the "
			  "floor of every hand-off)",
	       .setup = c2c_setup, .teardown = free,
	       .thread_init = c2c_thread_init, .thread_fini = c2c_thread_fini,
	       .fields = c2c_fields, .run = c2c_run);
