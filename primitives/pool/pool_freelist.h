/* One free list under one lock: the pool a C programmer writes first.
 *
 * Invariants. head is a LIFO list of the objects put back, linked through
 * their word 0; it is read and written only under lock (the 3-state futex
 * mutex of mutex_futex.h), whose release/acquire orders a put on one thread
 * before the get that hands the same object out on another. An object is
 * either on the list or with one holder. Every get and every put takes the
 * lock, so from two threads on every op the lock word and the list head
 * move between cores: the cost the per-thread cache of pool_goish avoids.
 * age does nothing: the list keeps its high-water mark of objects until
 * destroy (what the victim generation of pool_goish fixes).
 */
#ifndef CONTEND_POOL_FREELIST_H
#define CONTEND_POOL_FREELIST_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>

#include "mutex_futex.h"
#include "pool.h"

struct pool_freelist {
	_Alignas(CACHE_LINE) struct mutex_futex lock;
	void *head;
	size_t size;
	_Atomic uint64_t news, frees; /* statistics: relaxed */
};

struct pool_freelist_local {
	_Alignas(CACHE_LINE) int unused;
};

static inline int pool_freelist_init(struct pool_freelist *p, size_t size)
{
	p->head = NULL;
	p->size = size < POOL_LINK_BYTES ? POOL_LINK_BYTES : size;
	atomic_init(&p->news, 0);
	atomic_init(&p->frees, 0);
	return mutex_futex_init(&p->lock);
}

static inline void pool_freelist_destroy(struct pool_freelist *p)
{
	uint64_t n = 0;
	for (void *o = p->head, *next; o; o = next) {
		next = *(void **)o;
		free(o);
		n++;
	}
	p->head = NULL;
	atomic_fetch_add_explicit(&p->frees, n, memory_order_relaxed);
	mutex_futex_destroy(&p->lock);
}

static inline int pool_freelist_attach(struct pool_freelist *p,
				       struct pool_freelist_local *l)
{
	(void)p;
	l->unused = 0;
	return 0;
}

static inline void pool_freelist_detach(struct pool_freelist *p,
					struct pool_freelist_local *l)
{
	(void)p;
	(void)l;
}

static inline void *pool_freelist_get(struct pool_freelist *p,
				      struct pool_freelist_local *l)
{
	void *o;
	(void)l;
	mutex_futex_lock(&p->lock);
	o = p->head;
	if (o)
		p->head = *(void **)o;
	mutex_futex_unlock(&p->lock);
	if (__builtin_expect(o != NULL, 1))
		return o;
	atomic_fetch_add_explicit(&p->news, 1, memory_order_relaxed);
	return malloc(p->size);
}

static inline void pool_freelist_put(struct pool_freelist *p,
				     struct pool_freelist_local *l, void *obj)
{
	(void)l;
	mutex_futex_lock(&p->lock);
	*(void **)obj = p->head;
	p->head = obj;
	mutex_futex_unlock(&p->lock);
}

static inline void pool_freelist_age(struct pool_freelist *p)
{
	(void)p;
}

static inline void pool_freelist_stats(struct pool_freelist *p,
				       struct pool_stats *s)
{
	s->news = atomic_load_explicit(&p->news, memory_order_relaxed);
	s->frees = atomic_load_explicit(&p->frees, memory_order_relaxed);
}

#endif
