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
 * runner's interposer, runners/engine/alloc.c, forwarding to glibc): the
 * suite's allocator stays glibc's, which empty/malloc64 checks on every
 * run (64 B and 1 alloc per op, counted by that interposer). Built only
 * where the interposer is (not under a sanitizer, whose runtime owns
 * malloc).
 * POOL_JEMALLOC_HOOK(bytes), when the includer defines it, is called on
 * each get (the benchmark counts the allocation, which the interposer
 * cannot see).
 *
 * Invariants: the pool holds nothing (what jemalloc caches is its own);
 * each get is one mallocx and each put one dallocx, counted as
 * pool_allocator.h says.
 */
#ifndef CONTEND_POOL_JEMALLOC_H
#define CONTEND_POOL_JEMALLOC_H

#include <stddef.h>

#include "pool_allocator.h"

/* jemalloc's documented non-standard API (jemalloc(3)); declared here
 * rather than through <jemalloc/jemalloc.h>, whose declarations of malloc
 * and free would stand beside libc's. */
void *mallocx(size_t size, int flags);
void dallocx(void *ptr, int flags);

#ifndef POOL_JEMALLOC_HOOK
#define POOL_JEMALLOC_HOOK(bytes) ((void)(bytes))
#endif

struct pool_jemalloc {
	struct pool_allocator a;
};

struct pool_jemalloc_local {
	struct pool_allocator_local n;
};

static inline int pool_jemalloc_init(struct pool_jemalloc *p, size_t size)
{
	pool_allocator_init(&p->a, size);
	return 0;
}

POOL_ALLOCATOR_COMMON(jemalloc)

static inline void *pool_jemalloc_get(struct pool_jemalloc *p,
				      struct pool_jemalloc_local *l)
{
	l->n.news++;
	POOL_JEMALLOC_HOOK(p->a.size);
	return mallocx(p->a.size, 0);
}

static inline void pool_jemalloc_put(struct pool_jemalloc *p,
				     struct pool_jemalloc_local *l, void *obj)
{
	(void)p;
	l->n.frees++;
	dallocx(obj, 0);
}

#endif
