/* mimalloc as an allocator reference: get is mi_malloc, put is mi_free.
 * D. Leijen, B. Zorn, L. de Moura, "Mimalloc: Free List Sharding in
 * Action", APLAS 2019: per-thread heaps of pages, each page with its own
 * free list, a local one for the owner and a separate one (atomic pushes)
 * for frees from other threads, so a remote free never takes a lock.
 *
 * A separate variant, never interposed: Debian's libmimalloc.so.2 also
 * exports malloc and free, so linking it would replace the allocator of
 * the whole suite (and of every other row). Instead init opens it with
 * dlopen(RTLD_LOCAL), which keeps its symbols out of the global scope, and
 * calls mi_malloc and mi_free through the addresses dlsym returns: one
 * indirect call per op, as a call of glibc's malloc through the PLT is.
 * The library is never closed: its thread-exit destructors must outlive
 * every thread that used it. POOL_MIMALLOC_HOOK(bytes), when the includer
 * defines it, is called on each get (the benchmark counts the allocation,
 * which the runner's malloc interposer cannot see).
 *
 * Invariants: the pool holds nothing (what mimalloc caches is its own);
 * each get is one mi_malloc and each put one mi_free, counted as
 * pool_allocator.h says.
 */
#ifndef CONTEND_POOL_MIMALLOC_H
#define CONTEND_POOL_MIMALLOC_H

#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "pool_allocator.h"

#define POOL_MIMALLOC_SONAME "libmimalloc.so.2"

#ifndef POOL_MIMALLOC_HOOK
#define POOL_MIMALLOC_HOOK(bytes) ((void)(bytes))
#endif

struct pool_mimalloc {
	struct pool_allocator a;
	void *(*mi_malloc)(size_t);
	void (*mi_free)(void *);
};

struct pool_mimalloc_local {
	struct pool_allocator_local n;
};

/* 0, or -1 with errno ENOENT when the library or its symbols are not
 * there. */
static inline int pool_mimalloc_init(struct pool_mimalloc *p, size_t size)
{
	void *lib = dlopen(POOL_MIMALLOC_SONAME, RTLD_NOW | RTLD_LOCAL);
	void *m = lib ? dlsym(lib, "mi_malloc") : NULL;
	void *f = lib ? dlsym(lib, "mi_free") : NULL;
	if (!m || !f) {
		errno = ENOENT;
		return -1;
	}
	/* POSIX's way from dlsym's object pointer to a function pointer */
	memcpy(&p->mi_malloc, &m, sizeof(m));
	memcpy(&p->mi_free, &f, sizeof(f));
	pool_allocator_init(&p->a, size);
	return 0;
}

/* What dlopen's message says when init failed (for the caller's error). */
static inline const char *pool_mimalloc_why(void)
{
	const char *e = dlerror();
	return e ? e : "mi_malloc or mi_free missing";
}

/* destroy leaves the library loaded: see the header */
POOL_ALLOCATOR_COMMON(mimalloc)

static inline void *pool_mimalloc_get(struct pool_mimalloc *p,
				      struct pool_mimalloc_local *l)
{
	l->n.news++;
	POOL_MIMALLOC_HOOK(p->a.size);
	return p->mi_malloc(p->a.size);
}

static inline void pool_mimalloc_put(struct pool_mimalloc *p,
				     struct pool_mimalloc_local *l, void *obj)
{
	l->n.frees++;
	p->mi_free(obj);
}

#endif
