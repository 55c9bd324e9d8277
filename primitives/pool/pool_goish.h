/* Go's sync.Pool in C: a per-thread cache in front of a shared overflow,
 * and a victim generation so that an idle pool gives its memory back.
 * After Go's src/sync/pool.go (per-P private slot and shared chain, the
 * victim cache of Go 1.13), with the per-P chain replaced by a small
 * array per thread and batches moved under one lock, as tcmalloc's
 * per-thread caches and transfer cache do.
 *
 * Invariants.
 * - A handle's cache (obj[0..n-1], a LIFO stack, n <= POOL_GOISH_CACHE) is
 *   read and written by its own thread only: get and put on a hit touch no
 *   shared memory and no atomic, so at any thread count the steady state
 *   is a few loads and stores on the thread's own line (Go's private slot
 *   plus procPin, without the pin).
 * - When the cache is full, put moves its POOL_GOISH_BATCH oldest objects
 *   to the overflow as one batch; when it is empty, get takes one batch
 *   back (from the overflow, else from the victim), else mallocs (Go's
 *   New). The lock is taken once per batch, never per object, and is held
 *   for a pointer swap: a batch is a chain linked through word 0 of its
 *   objects, the batches a list through word 1 of each chain's head.
 * - Each object is in exactly one place: one handle's cache, one batch, or
 *   with one holder. Moving between them happens under the lock or inside
 *   one thread, so the lock's release/acquire orders a put on one thread
 *   before the get of the same object on another.
 * - age (Go's poolCleanup, run at each GC) frees the victim list and makes
 *   the overflow the new victim: an object not reused over two ages is
 *   freed, so an idle pool drains. Unlike Go, age does not reach into the
 *   threads' caches (they are not its to touch); each holds at most
 *   POOL_GOISH_CACHE objects and gives them back when detached.
 * - Steady state (as many puts as gets per thread, or a thread pair
 *   trading batches through the overflow) allocates nothing: 0 allocs/op.
 *
 * Orderings. A cache hit has no atomic and needs none: the cache is one
 * thread's, and so is every object in it. An object crosses threads only
 * inside a batch, and a batch only through the mutex: flush writes the
 * links while the objects are still private, then links the batch in a
 * critical section; refill unlinks it in one and walks the links after.
 * mutex_futex_unlock's release (x86 lock xadd / mov, AArch64 ldaddl /
 * stlr) to mutex_futex_lock's acquire (lock cmpxchg / xchg, casa / swpa)
 * makes every access of a holder, links and contents, reads and writes,
 * happen before any access of the next holder, on another thread: no
 * store->load pair, no fence. age frees only batches it detached under the
 * lock, so the frees follow every earlier holder's accesses the same way.
 * The counters are relaxed: statistics, read after the threads are joined.
 */
#ifndef CONTEND_POOL_GOISH_H
#define CONTEND_POOL_GOISH_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "mutex_futex.h"
#include "pool.h"

#define POOL_GOISH_BATCH 16
#define POOL_GOISH_CACHE (2 * POOL_GOISH_BATCH)

struct pool_goish {
	_Alignas(CACHE_LINE) struct mutex_futex lock;
	void *overflow; /* batches put back, newest first */
	void *victim;	/* the overflow as of the last age */
	size_t size;
	/* relaxed counters: statistics only, read when the threads are done */
	_Atomic uint64_t news, frees;
};

struct pool_goish_local {
	_Alignas(CACHE_LINE) unsigned n;
	void *obj[POOL_GOISH_CACHE];
};

/* The links a held object carries while in a batch. */
static inline void **pool_goish_next(void *obj)
{
	return (void **)obj;
}

static inline void **pool_goish_next_batch(void *obj)
{
	return (void **)obj + 1;
}

static inline int pool_goish_init(struct pool_goish *p, size_t size)
{
	p->overflow = NULL;
	p->victim = NULL;
	p->size = size < POOL_LINK_BYTES ? POOL_LINK_BYTES : size;
	atomic_init(&p->news, 0);
	atomic_init(&p->frees, 0);
	return mutex_futex_init(&p->lock);
}

/* Frees a list of batches; returns how many objects. */
static inline uint64_t pool_goish_free_batches(void *b)
{
	uint64_t n = 0;
	while (b) {
		void *nb = *pool_goish_next_batch(b);
		for (void *o = b, *no; o; o = no) {
			no = *pool_goish_next(o);
			free(o);
			n++;
		}
		b = nb;
	}
	return n;
}

/* The thread's oldest k cached objects as one batch on the overflow. */
static __attribute__((noinline, unused)) void
pool_goish_flush(struct pool_goish *p, struct pool_goish_local *l, unsigned k)
{
	void *head = l->obj[0];
	for (unsigned i = 0; i + 1 < k; i++)
		*pool_goish_next(l->obj[i]) = l->obj[i + 1];
	*pool_goish_next(l->obj[k - 1]) = NULL;
	l->n -= k;
	memmove(l->obj, l->obj + k, l->n * sizeof(l->obj[0]));
	mutex_futex_lock(&p->lock);
	*pool_goish_next_batch(head) = p->overflow;
	p->overflow = head;
	mutex_futex_unlock(&p->lock);
}

/* Cache empty: a batch from the overflow or the victim, else a new one. */
static __attribute__((noinline, unused)) void *
pool_goish_refill(struct pool_goish *p, struct pool_goish_local *l)
{
	void *b;
	mutex_futex_lock(&p->lock);
	b = p->overflow;
	if (b) {
		p->overflow = *pool_goish_next_batch(b);
	} else if ((b = p->victim)) {
		p->victim = *pool_goish_next_batch(b);
	}
	mutex_futex_unlock(&p->lock);
	if (!b) {
		atomic_fetch_add_explicit(&p->news, 1, memory_order_relaxed);
		return malloc(p->size);
	}
	/* the rest of the chain into the cache (a batch is at most
	 * POOL_GOISH_BATCH objects, the cache is empty) */
	for (void *o = *pool_goish_next(b); o; o = *pool_goish_next(o))
		l->obj[l->n++] = o;
	return b;
}

static inline void *pool_goish_get(struct pool_goish *p,
				   struct pool_goish_local *l)
{
	if (__builtin_expect(l->n != 0, 1))
		return l->obj[--l->n];
	return pool_goish_refill(p, l);
}

static inline void pool_goish_put(struct pool_goish *p,
				  struct pool_goish_local *l, void *obj)
{
	if (__builtin_expect(l->n == POOL_GOISH_CACHE, 0))
		pool_goish_flush(p, l, POOL_GOISH_BATCH);
	l->obj[l->n++] = obj;
}

static inline int pool_goish_attach(struct pool_goish *p,
				    struct pool_goish_local *l)
{
	(void)p;
	l->n = 0;
	return 0;
}

static inline void pool_goish_detach(struct pool_goish *p,
				     struct pool_goish_local *l)
{
	while (l->n) {
		unsigned k = l->n < POOL_GOISH_BATCH ? l->n : POOL_GOISH_BATCH;
		pool_goish_flush(p, l, k);
	}
}

static inline void pool_goish_age(struct pool_goish *p)
{
	void *old;
	mutex_futex_lock(&p->lock);
	old = p->victim;
	p->victim = p->overflow;
	p->overflow = NULL;
	mutex_futex_unlock(&p->lock);
	atomic_fetch_add_explicit(&p->frees, pool_goish_free_batches(old),
				  memory_order_relaxed);
}

static inline void pool_goish_destroy(struct pool_goish *p)
{
	uint64_t n = pool_goish_free_batches(p->overflow) +
		     pool_goish_free_batches(p->victim);
	p->overflow = p->victim = NULL;
	atomic_fetch_add_explicit(&p->frees, n, memory_order_relaxed);
	mutex_futex_destroy(&p->lock);
}

static inline void pool_goish_stats(struct pool_goish *p, struct pool_stats *s)
{
	s->news = atomic_load_explicit(&p->news, memory_order_relaxed);
	s->frees = atomic_load_explicit(&p->frees, memory_order_relaxed);
}

#endif
