/* What the rows that are an allocator rather than a pool (malloc, mimalloc,
 * jemalloc) share: the object size, and the count of gets (news) and puts
 * (frees). Each handle counts its own, with no shared line in the loop,
 * and adds them to the pool's totals when it detaches, so stats counts
 * detached handles. Such a pool holds nothing: destroy and age have
 * nothing to do.
 */
#ifndef CONTEND_POOL_ALLOCATOR_H
#define CONTEND_POOL_ALLOCATOR_H

#include <stdatomic.h>
#include <stddef.h>

#include "pool.h"

struct pool_allocator {
	_Alignas(CACHE_LINE) size_t size;
	_Atomic uint64_t news, frees; /* of detached handles: relaxed */
};

struct pool_allocator_local {
	_Alignas(CACHE_LINE) uint64_t news, frees;
};

static inline void pool_allocator_init(struct pool_allocator *a, size_t size)
{
	a->size = size < POOL_LINK_BYTES ? POOL_LINK_BYTES : size;
	atomic_init(&a->news, 0);
	atomic_init(&a->frees, 0);
}

static inline void pool_allocator_attach(struct pool_allocator_local *l)
{
	l->news = l->frees = 0;
}

static inline void pool_allocator_detach(struct pool_allocator *a,
					 struct pool_allocator_local *l)
{
	atomic_fetch_add_explicit(&a->news, l->news, memory_order_relaxed);
	atomic_fetch_add_explicit(&a->frees, l->frees, memory_order_relaxed);
	l->news = l->frees = 0;
}

static inline void pool_allocator_stats(struct pool_allocator *a,
					struct pool_stats *s)
{
	s->news = atomic_load_explicit(&a->news, memory_order_relaxed);
	s->frees = atomic_load_explicit(&a->frees, memory_order_relaxed);
}

/* The contract's functions of IMPL that only count, over a struct pool_IMPL
 * with a member `a` and a struct pool_IMPL_local with a member `n`. */
#define POOL_ALLOCATOR_COMMON(IMPL)                                            \
	static inline void pool_##IMPL##_destroy(struct pool_##IMPL *p)        \
	{                                                                      \
		(void)p; /* it holds nothing */                                \
	}                                                                      \
                                                                               \
	static inline int pool_##IMPL##_attach(struct pool_##IMPL *p,          \
					       struct pool_##IMPL##_local *l)  \
	{                                                                      \
		(void)p;                                                       \
		pool_allocator_attach(&l->n);                                  \
		return 0;                                                      \
	}                                                                      \
                                                                               \
	static inline void pool_##IMPL##_detach(struct pool_##IMPL *p,         \
						struct pool_##IMPL##_local *l) \
	{                                                                      \
		pool_allocator_detach(&p->a, &l->n);                           \
	}                                                                      \
                                                                               \
	static inline void pool_##IMPL##_age(struct pool_##IMPL *p)            \
	{                                                                      \
		(void)p; /* nothing to drain */                                \
	}                                                                      \
                                                                               \
	static inline void pool_##IMPL##_stats(struct pool_##IMPL *p,          \
					       struct pool_stats *s)           \
	{                                                                      \
		pool_allocator_stats(&p->a, s);                                \
	}

#endif
