/* No pool: get is malloc, put is free. The baseline every pool must beat,
 * and a strong one: glibc's malloc keeps a per-thread cache (tcache, 7
 * chunks per size class by default) in front of its arenas, so a get/put
 * pair on one thread never takes a lock either. An object freed by another
 * thread than the one that allocated it goes into the freeing thread's
 * tcache, or back to its arena under the arena's lock when that is full.
 *
 * Invariants: the pool holds nothing; each get is one malloc and each put
 * one free, counted in the handle (no shared line in the loop) and added
 * to the pool's totals when the handle detaches, so stats counts detached
 * handles. age has nothing to drain.
 */
#ifndef CONTEND_POOL_MALLOC_H
#define CONTEND_POOL_MALLOC_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>

#include "pool.h"

struct pool_malloc {
	_Alignas(POOL_CACHE_LINE) size_t size;
	_Atomic uint64_t news, frees; /* of detached handles: relaxed */
};

struct pool_malloc_local {
	_Alignas(POOL_CACHE_LINE) uint64_t news, frees;
};

static inline int pool_malloc_init(struct pool_malloc *p, size_t size)
{
	p->size = size < POOL_LINK_BYTES ? POOL_LINK_BYTES : size;
	atomic_init(&p->news, 0);
	atomic_init(&p->frees, 0);
	return 0;
}

static inline void pool_malloc_destroy(struct pool_malloc *p)
{
	(void)p;
}

static inline int pool_malloc_attach(struct pool_malloc *p,
				     struct pool_malloc_local *l)
{
	(void)p;
	l->news = l->frees = 0;
	return 0;
}

static inline void pool_malloc_detach(struct pool_malloc *p,
				      struct pool_malloc_local *l)
{
	atomic_fetch_add_explicit(&p->news, l->news, memory_order_relaxed);
	atomic_fetch_add_explicit(&p->frees, l->frees, memory_order_relaxed);
	l->news = l->frees = 0;
}

static inline void *pool_malloc_get(struct pool_malloc *p,
				    struct pool_malloc_local *l)
{
	l->news++;
	return malloc(p->size);
}

static inline void pool_malloc_put(struct pool_malloc *p,
				   struct pool_malloc_local *l, void *obj)
{
	(void)p;
	l->frees++;
	free(obj);
}

static inline void pool_malloc_age(struct pool_malloc *p)
{
	(void)p;
}

static inline void pool_malloc_stats(struct pool_malloc *p,
				     struct pool_stats *s)
{
	s->news = atomic_load_explicit(&p->news, memory_order_relaxed);
	s->frees = atomic_load_explicit(&p->frees, memory_order_relaxed);
}

#endif
