/* No pool: get is malloc, put is free. The baseline every pool must beat,
 * and a strong one: glibc's malloc keeps a per-thread cache (tcache, 7
 * chunks per size class by default) in front of its arenas, so a get/put
 * pair on one thread never takes a lock either. An object freed by another
 * thread than the one that allocated it goes into the freeing thread's
 * tcache, or back to its arena under the arena's lock when that is full.
 *
 * Invariants: the pool holds nothing; each get is one malloc and each put
 * one free, counted as pool_allocator.h says.
 */
#ifndef CONTEND_POOL_MALLOC_H
#define CONTEND_POOL_MALLOC_H

#include <stddef.h>
#include <stdlib.h>

#include "pool_allocator.h"

struct pool_malloc {
	struct pool_allocator a;
};

struct pool_malloc_local {
	struct pool_allocator_local n;
};

static inline int pool_malloc_init(struct pool_malloc *p, size_t size)
{
	pool_allocator_init(&p->a, size);
	return 0;
}

POOL_ALLOCATOR_COMMON(malloc)

static inline void *pool_malloc_get(struct pool_malloc *p,
				    struct pool_malloc_local *l)
{
	l->n.news++;
	return malloc(p->a.size);
}

static inline void pool_malloc_put(struct pool_malloc *p,
				   struct pool_malloc_local *l, void *obj)
{
	(void)p;
	l->n.frees++;
	free(obj);
}

#endif
