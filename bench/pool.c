/* pool family: Go's sync.Pool — what reusing an object costs against
 * allocating it, on one thread and when objects cross threads.
 *
 * pool/getput (size=S): every thread gets an object of S bytes, writes
 * its first word, puts it back. With a per-thread cache (goish) the op
 * touches only the thread's own line at any thread count; the locked free
 * list (freelist) moves its lock and head between cores on every op from
 * two threads on; malloc is glibc's malloc and free (its tcache is a
 * per-thread cache too), mimalloc its mi_malloc and mi_free (built
 * where Debian's libmimalloc-dev is installed; its allocations are counted
 * by the workload, the interposer cannot see them). B/op and allocs/op come
 * from the runner's malloc interposer: a pool in steady state shows 0
 * allocs/op.
 *
 * pool/churn (size=S, 2 threads or more): objects produced on one thread
 * and freed on another. Threads pair up (0 and 1, 2 and 3, ...): the even
 * one gets objects, writes them and hands them through a single-producer
 * single-consumer ring to the odd one, which puts them back; an op is one
 * object produced (and freed on the other thread within the same sample).
 * With an odd thread count the last thread gets and puts its own. The
 * goish pool moves the objects from the consumer's cache to the producer's
 * in batches through its overflow (one lock per POOL_GOISH_BATCH objects
 * on each side), the free list takes its lock per get and per put, and
 * malloc frees into the producer's arena from the consumer's thread.
 *
 * Each implementation of pool_impls.h gets its own copy of the loops
 * (POOL_BENCHES) so its static inline get and put are inlined.
 */
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
/* mi_malloc's and mallocx's allocations, which the runner's interposer
 * cannot see */
#define POOL_MIMALLOC_HOOK(bytes) bench_count_foreign_alloc(bytes)
#define POOL_JEMALLOC_HOOK(bytes) bench_count_foreign_alloc(bytes)
#include "pool_impls.h"
#include "spin.h"

#define POOL_RING 256 /* objects in flight from one thread to the next */

/* Single producer, single consumer: Lamport's ring, each side caching the
 * other's index in its own line; the producer publishes its tail once per
 * POOL_RING_PUBLISH objects (and when it is done), so the index line
 * moves once per batch, not once per object, and what is measured is the
 * objects' journey and the pool, not the ring. */
#define POOL_RING_PUBLISH 16

struct pool_ring {
	_Alignas(CACHE_LINE) _Atomic uint64_t head; /* the consumer's */
	uint64_t tail_seen;			    /* consumer's cache */
	_Alignas(CACHE_LINE) _Atomic uint64_t tail; /* the producer's */
	uint64_t head_seen;			    /* producer's cache */
	uint64_t next;				    /* tail, unpublished */
	_Alignas(CACHE_LINE) void *slot[POOL_RING];
	/* the producer's sample count when it has produced its share */
	_Alignas(CACHE_LINE) _Atomic uint64_t done_seq;
};

static inline void pool_ring_publish(struct pool_ring *r)
{
	/* release: the slots (and the objects' contents) before the index */
	atomic_store_explicit(&r->tail, r->next, memory_order_release);
}

static inline int pool_ring_push(struct pool_ring *r, void *x)
{
	uint64_t t = r->next;
	if (t - r->head_seen == POOL_RING) {
		pool_ring_publish(r);
		/* acquire: the consumer is done reading the slot it freed */
		r->head_seen =
			atomic_load_explicit(&r->head, memory_order_acquire);
		if (t - r->head_seen == POOL_RING)
			return 0;
	}
	r->slot[t % POOL_RING] = x;
	r->next = t + 1;
	if (r->next % POOL_RING_PUBLISH == 0)
		pool_ring_publish(r);
	return 1;
}

static inline void *pool_ring_pop(struct pool_ring *r)
{
	uint64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
	void *x;
	if (h == r->tail_seen) {
		/* acquire: pairs with the producer's release of tail */
		r->tail_seen =
			atomic_load_explicit(&r->tail, memory_order_acquire);
		if (h == r->tail_seen)
			return NULL;
	}
	x = r->slot[h % POOL_RING];
	/* release: the slot is read before the producer may reuse it */
	atomic_store_explicit(&r->head, h + 1, memory_order_release);
	return x;
}

#define POOL_BENCHES(IMPL, SUMMARY)                                            \
	struct pool_##IMPL##_shared {                                          \
		_Alignas(CACHE_LINE) struct pool_##IMPL p;                     \
		struct pool_ring *ring; /* churn: one per thread */            \
		int nthreads;                                                  \
	};                                                                     \
                                                                               \
	struct pool_##IMPL##_tlocal {                                          \
		struct pool_##IMPL##_local l;                                  \
		int tid;                                                       \
		uint64_t seq; /* samples run */                                \
	};                                                                     \
                                                                               \
	static int pool_##IMPL##_setup(const struct bench *b, int nthreads,    \
				       void **shared, struct err *e)           \
	{                                                                      \
		struct pool_##IMPL##_shared *s =                               \
			aligned_alloc(CACHE_LINE, sizeof(*s));                 \
		size_t rings = sizeof(struct pool_ring) * (size_t)nthreads;    \
		if (!s)                                                        \
			return err_set(e, "pool: out of memory");              \
		memset(s, 0, sizeof(*s));                                      \
		s->nthreads = nthreads;                                        \
		s->ring = aligned_alloc(CACHE_LINE, rings);                    \
		if (!s->ring) {                                                \
			free(s);                                               \
			return err_set(e, "pool: out of memory");              \
		}                                                              \
		memset(s->ring, 0, rings);                                     \
		if (pool_##IMPL##_init(&s->p, (size_t)b->arg) != 0) {          \
			free(s->ring);                                         \
			free(s);                                               \
			return err_set(e, "pool " #IMPL ": init failed: %s",   \
				       strerror(errno));                       \
		}                                                              \
		*shared = s;                                                   \
		return 0;                                                      \
	}                                                                      \
                                                                               \
	static void pool_##IMPL##_teardown(void *shared)                       \
	{                                                                      \
		struct pool_##IMPL##_shared *s = shared;                       \
		pool_##IMPL##_destroy(&s->p);                                  \
		free(s->ring);                                                 \
		free(s);                                                       \
	}                                                                      \
                                                                               \
	static int pool_##IMPL##_thread_init(void *shared, int tid,            \
					     void **local, struct err *e)      \
	{                                                                      \
		struct pool_##IMPL##_shared *s = shared;                       \
		struct pool_##IMPL##_tlocal *l =                               \
			aligned_alloc(CACHE_LINE, sizeof(*l));                 \
		if (!l)                                                        \
			return err_set(e, "pool: out of memory");              \
		memset(l, 0, sizeof(*l));                                      \
		l->tid = tid;                                                  \
		if (pool_##IMPL##_attach(&s->p, &l->l) != 0) {                 \
			free(l);                                               \
			return err_set(e, "pool " #IMPL ": attach failed");    \
		}                                                              \
		*local = l;                                                    \
		return 0;                                                      \
	}                                                                      \
                                                                               \
	/* No thread runs samples any more: what was handed to this thread     \
	 * and not yet put back goes back now. */                              \
	static void pool_##IMPL##_thread_fini(void *shared, void *local)       \
	{                                                                      \
		struct pool_##IMPL##_shared *s = shared;                       \
		struct pool_##IMPL##_tlocal *l = local;                        \
		void *o;                                                       \
		while ((o = pool_ring_pop(&s->ring[l->tid])))                  \
			pool_##IMPL##_put(&s->p, &l->l, o);                    \
		pool_##IMPL##_detach(&s->p, &l->l);                            \
		free(l);                                                       \
	}                                                                      \
                                                                               \
	static uint64_t pool_##IMPL##_getput_run(                              \
		void *shared, struct bench_thread *t, uint64_t iters)          \
	{                                                                      \
		struct pool_##IMPL##_shared *s = shared;                       \
		struct pool_##IMPL##_tlocal *l = t->local;                     \
		for (uint64_t i = 0; i < iters; i++) {                         \
			uint64_t *o = pool_##IMPL##_get(&s->p, &l->l);         \
			if (__builtin_expect(!o, 0))                           \
				return i;                                      \
			o[0] = i;                                              \
			keep_ptr(o);                                           \
			pool_##IMPL##_put(&s->p, &l->l, o);                    \
		}                                                              \
		return iters;                                                  \
	}                                                                      \
                                                                               \
	static uint64_t pool_##IMPL##_produce(struct pool_##IMPL##_shared *s,  \
					      struct pool_##IMPL##_tlocal *l,  \
					      struct pool_ring *out,           \
					      uint64_t iters)                  \
	{                                                                      \
		unsigned spins = 0;                                            \
		for (uint64_t i = 0; i < iters; i++) {                         \
			uint64_t *o = pool_##IMPL##_get(&s->p, &l->l);         \
			if (__builtin_expect(!o, 0))                           \
				iters = i;                                     \
			else {                                                 \
				o[0] = i;                                      \
				keep_ptr(o);                                   \
				while (!pool_ring_push(out, o))                \
					spin_wait_step(&spins);                \
			}                                                      \
		}                                                              \
		pool_ring_publish(out);                                        \
		/* release: every object pushed is visible with the count */   \
		atomic_store_explicit(&out->done_seq, l->seq,                  \
				      memory_order_release);                   \
		return iters;                                                  \
	}                                                                      \
                                                                               \
	static void pool_##IMPL##_consume(struct pool_##IMPL##_shared *s,      \
					  struct pool_##IMPL##_tlocal *l,      \
					  struct pool_ring *in)                \
	{                                                                      \
		unsigned spins = 0;                                            \
		for (;;) {                                                     \
			/* acquire: pairs with the producer's release */       \
			int last = atomic_load_explicit(                       \
					   &in->done_seq,                      \
					   memory_order_acquire) == l->seq;    \
			void *x;                                               \
			int got = 0;                                           \
			while ((x = pool_ring_pop(in))) {                      \
				pool_##IMPL##_put(&s->p, &l->l, x);            \
				got = 1;                                       \
			}                                                      \
			if (last)                                              \
				return;                                        \
			if (!got)                                              \
				spin_wait_step(&spins);                        \
		}                                                              \
	}                                                                      \
                                                                               \
	static uint64_t pool_##IMPL##_churn_run(                               \
		void *shared, struct bench_thread *t, uint64_t iters)          \
	{                                                                      \
		struct pool_##IMPL##_shared *s = shared;                       \
		struct pool_##IMPL##_tlocal *l = t->local;                     \
		l->seq++;                                                      \
		if (t->tid % 2 == 1) {                                         \
			pool_##IMPL##_consume(s, l, &s->ring[t->tid]);         \
			return 0;                                              \
		}                                                              \
		if (t->tid + 1 == t->nthreads) /* odd count: the last alone */ \
			return pool_##IMPL##_getput_run(shared, t, iters);     \
		return pool_##IMPL##_produce(s, l, &s->ring[t->tid + 1],       \
					     iters);                           \
	}                                                                      \
                                                                               \
	BENCH_REGISTER(pool_##IMPL##_getput64_bench, .name = "pool/getput",    \
		       .impl = #IMPL, .params = "size=64", .arg = 64,          \
		       .flags = BENCH_TIMED,                                   \
		       .summary = "get an object, write it, put it back "      \
				  "(" SUMMARY ")",                             \
		       .setup = pool_##IMPL##_setup,                           \
		       .teardown = pool_##IMPL##_teardown,                     \
		       .thread_init = pool_##IMPL##_thread_init,               \
		       .thread_fini = pool_##IMPL##_thread_fini,               \
		       .run = pool_##IMPL##_getput_run);                       \
	BENCH_REGISTER(pool_##IMPL##_getput1k_bench, .name = "pool/getput",    \
		       .impl = #IMPL, .params = "size=1024", .arg = 1024,      \
		       .flags = BENCH_FULL | BENCH_TIMED,                      \
		       .summary = "get an object, write it, put it back "      \
				  "(" SUMMARY ")",                             \
		       .setup = pool_##IMPL##_setup,                           \
		       .teardown = pool_##IMPL##_teardown,                     \
		       .thread_init = pool_##IMPL##_thread_init,               \
		       .thread_fini = pool_##IMPL##_thread_fini,               \
		       .run = pool_##IMPL##_getput_run);                       \
	BENCH_REGISTER(pool_##IMPL##_churn_bench, .name = "pool/churn",        \
		       .impl = #IMPL, .params = "size=64", .arg = 64,          \
		       .min_threads = 2,                                       \
		       .summary = "objects got on one thread, put back on "    \
				  "another (" SUMMARY ")",                     \
		       .setup = pool_##IMPL##_setup,                           \
		       .teardown = pool_##IMPL##_teardown,                     \
		       .thread_init = pool_##IMPL##_thread_init,               \
		       .thread_fini = pool_##IMPL##_thread_fini,               \
		       .run = pool_##IMPL##_churn_run);

POOL_IMPLS(POOL_BENCHES)
