/* Every pool implementation, once: the benchmarks (bench/pool.c) and the
 * stress test (tests/test_pool.c) expand this list, so a pool added here
 * is measured and tested with no other line to write.
 *
 * X(name, summary):
 *   name     the IMPL of pool_IMPL.h (pool.h's contract)
 *   summary  what `contend list` says of it, in its rows' parentheses
 *
 * mimalloc and jemalloc are there only where the build found them
 * (CONTEND_HAVE_MIMALLOC, CONTEND_HAVE_JEMALLOC: meson.build); elsewhere
 * their sub-lists are empty. An includer that counts their allocations
 * defines POOL_MIMALLOC_HOOK and POOL_JEMALLOC_HOOK before this header.
 */
#ifndef CONTEND_POOL_IMPLS_H
#define CONTEND_POOL_IMPLS_H

#include "pool_freelist.h"
#include "pool_goish.h"
#include "pool_malloc.h"

#ifdef CONTEND_HAVE_MIMALLOC
#include "pool_mimalloc.h"
#define POOL_IMPLS_MIMALLOC(X)                                                 \
	X(mimalloc, "mimalloc's mi_malloc and mi_free, dlopen'd")
#else
#define POOL_IMPLS_MIMALLOC(X)
#endif

#ifdef CONTEND_HAVE_JEMALLOC
#include "pool_jemalloc.h"
#define POOL_IMPLS_JEMALLOC(X)                                                 \
	X(jemalloc, "jemalloc's mallocx and dallocx, linked")
#else
#define POOL_IMPLS_JEMALLOC(X)
#endif

#define POOL_IMPLS(X)                                                          \
	X(goish, "Go-style: per-thread cache, shared overflow, victim")        \
	X(freelist, "one free list under one lock")                            \
	X(malloc, "malloc and free, no pool")                                  \
	POOL_IMPLS_MIMALLOC(X)                                                 \
	POOL_IMPLS_JEMALLOC(X)

#endif
