/* jemalloc as an allocator reference: get is mallocx, put is dallocx.
 * J. Evans, "A Scalable Concurrent malloc(3) Implementation for FreeBSD",
 * BSDCan 2006: size classes in per-thread caches (tcache) over a few
 * arenas, threads assigned round-robin, so a get and its put on one thread
 * are a pop and a push on that thread's cache.
 *
 * A separate variant, never interposed: Debian's libjemalloc.so.2 cannot
 * be opened with dlopen (its thread-local storage is initial-exec: "cannot
 * allocate memory in static TLS block"), so the contend executable links
 * it, and calls only its non-standard entry points mallocx and dallocx.
 * Its malloc and free, exported too, lose to the executable's own (the
 * runner's interposer, runners/alloc.c, forwarding to glibc): the suite's
 * allocator stays glibc's, which empty/malloc64 checks on every run (64 B
 * and 1 alloc per op, counted by that interposer). Built only where the
 * interposer is (not under a sanitizer, whose runtime owns malloc).
 * POOL_JEMALLOC_HOOK(bytes), when the includer defines it, is called on
 * each get (the benchmark counts the allocation, which the interposer
 * cannot see).
 *
 * Invariants: the pool holds nothing (what jemalloc caches is its own);
 * each get is one mallocx and each put one dallocx, counted in the handle
 * and added to the pool's totals when it detaches.
 */
#ifndef CONTEND_POOL_JEMALLOC_H
#define CONTEND_POOL_JEMALLOC_H

#include <stdatomic.h>
#include <stddef.h>

#include "pool.h"

/* jemalloc's documented non-standard API (jemalloc(3)); declared here
 * rather than through <jemalloc/jemalloc.h>, whose declarations of malloc
 * and free would stand beside libc's. */
void *mallocx(size_t size, int flags);
void dallocx(void *ptr, int flags);

#ifndef POOL_JEMALLOC_HOOK
#define POOL_JEMALLOC_HOOK(bytes) ((void)(bytes))
#endif

struct pool_jemalloc {
	_Alignas(POOL_CACHE_LINE) size_t size;
	_Atomic uint64_t news, frees; /* of detached handles: relaxed */
};

struct pool_jemalloc_local {
	_Alignas(POOL_CACHE_LINE) uint64_t news, frees;
};

static inline int pool_jemalloc_init(struct pool_jemalloc *p, size_t size)
{
	p->size = size < POOL_LINK_BYTES ? POOL_LINK_BYTES : size;
	atomic_init(&p->news, 0);
	atomic_init(&p->frees, 0);
	return 0;
}

static inline void pool_jemalloc_destroy(struct pool_jemalloc *p)
{
	(void)p;
}

static inline int pool_jemalloc_attach(struct pool_jemalloc *p,
				       struct pool_jemalloc_local *l)
{
	(void)p;
	l->news = l->frees = 0;
	return 0;
}

static inline void pool_jemalloc_detach(struct pool_jemalloc *p,
					struct pool_jemalloc_local *l)
{
	atomic_fetch_add_explicit(&p->news, l->news, memory_order_relaxed);
	atomic_fetch_add_explicit(&p->frees, l->frees, memory_order_relaxed);
	l->news = l->frees = 0;
}

static inline void *pool_jemalloc_get(struct pool_jemalloc *p,
				      struct pool_jemalloc_local *l)
{
	l->news++;
	POOL_JEMALLOC_HOOK(p->size);
	return mallocx(p->size, 0);
}

static inline void pool_jemalloc_put(struct pool_jemalloc *p,
				     struct pool_jemalloc_local *l, void *obj)
{
	(void)p;
	l->frees++;
	dallocx(obj, 0);
}

static inline void pool_jemalloc_age(struct pool_jemalloc *p)
{
	(void)p;
}

static inline void pool_jemalloc_stats(struct pool_jemalloc *p,
				       struct pool_stats *s)
{
	s->news = atomic_load_explicit(&p->news, memory_order_relaxed);
	s->frees = atomic_load_explicit(&p->frees, memory_order_relaxed);
}

#endif
