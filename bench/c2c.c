/* c2c/pingpong: one cache line bounced between two CPUs.
 *
 * Thread 0 writes an odd sequence number, thread 1 answers with the next
 * even one; each op (counted on thread 0) is one round trip = two transfers of
 * the line between the two caches. This is the physical floor of every
 * hand-off in the suite: a channel or lock transfer between the same two CPUs
 * cannot be faster than this row of the same placement. Meaningful only with
 * both threads pinned (the default pair placements); run unpinned it measures
 * the scheduler.
 */
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "bench.h"
#include "c2c.h"

struct c2c_shared {
	_Alignas(CACHE_LINE) _Atomic uint64_t line;
	char pad[CACHE_LINE - sizeof(uint64_t)];
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
	uint64_t seq = l->seq;
	for (uint64_t i = 0; i < iters; i++, seq += 2)
		c2c_round(&s->line, t->tid, seq);
	l->seq = seq;
	return t->tid == 0 ? iters : 0;
}

BENCH_REGISTER(c2c_pingpong, .name = "c2c/pingpong", .impl = "line",
	       .params = "", .flags = BENCH_PAIR,
	       .summary = "one cache line round trip between two CPUs (the "
			  "floor of every hand-off)",
	       .setup = c2c_setup, .teardown = free,
	       .thread_init = c2c_thread_init, .thread_fini = c2c_thread_fini,
	       .run = c2c_run);
