/* Pool family: Go's sync.Pool in C, and what it is up against.
 *
 * Contract. An implementation IMPL provides, in pool_IMPL.h:
 *   struct pool_IMPL;          the pool, shared by every thread
 *   struct pool_IMPL_local;    one thread's handle (Go's P): aligned to a
 *                              cache line, used by its thread only
 *   int  pool_IMPL_init(struct pool_IMPL *p, size_t size);
 *                              objects of size bytes; 0, or -1 (errno)
 *   void pool_IMPL_destroy(struct pool_IMPL *p);
 *                              frees every object the pool holds; every
 *                              handle must be detached first
 *   int  pool_IMPL_attach(struct pool_IMPL *p, struct pool_IMPL_local *l);
 *   void pool_IMPL_detach(struct pool_IMPL *p, struct pool_IMPL_local *l);
 *                              what the handle caches goes back to the pool
 *   void *pool_IMPL_get(struct pool_IMPL *p, struct pool_IMPL_local *l);
 *                              static inline; a reused object or a new one
 *                              (malloc: Go's New), NULL when out of memory
 *   void pool_IMPL_put(struct pool_IMPL *p, struct pool_IMPL_local *l,
 *                      void *obj);  static inline
 *   void pool_IMPL_age(struct pool_IMPL *p);
 *                              one garbage-collection cycle's worth of
 *                              ageing (Go's poolCleanup): any thread, any
 *                              time
 *   void pool_IMPL_stats(struct pool_IMPL *p, struct pool_stats *s);
 *
 * The promise. An object is handed out by get to one holder at a time:
 * between a get that returns it and the put that gives it back, no other
 * get returns it. put may be called by any thread, not only the one that
 * got the object (objects cross threads: pool/churn). A put happens before
 * the get that hands the object out again, so the next holder sees what
 * the last one wrote; the pool itself may overwrite the first
 * POOL_LINK_BYTES of an object while it holds it (intrusive links), so, as
 * with Go's Pool, a user must not rely on an object's contents.
 *
 * Implementations: goish (Go's design: a per-thread cache, a shared
 * overflow and a victim generation), freelist (one locked free list),
 * malloc (no pool: malloc and free, glibc's per-thread tcache doing the
 * caching), and mimalloc and jemalloc (allocator references, built where
 * they are installed, used without replacing the suite's malloc); these
 * three rows share their counting (pool_allocator.h).
 */
#ifndef CONTEND_POOL_H
#define CONTEND_POOL_H

#include <stdint.h>

/* what two threads write sits in lines of its own (CACHE_LINE) */
#include "cacheline.h"

/* the bytes of a held object the pool may use for its links */
#define POOL_LINK_BYTES (2 * sizeof(void *))

struct pool_stats {
	uint64_t news;	/* objects obtained from malloc */
	uint64_t frees; /* objects given back to free */
};

#endif
