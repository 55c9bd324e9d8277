/* Test-only schedule points: where a scripted test (tests/test_sched.h)
 * may stop a thread inside a primitive, and stores it may hold back as a
 * store buffer does (x86-TSO lets a store wait there past the thread's
 * later loads until its next fence or locked instruction), so that an
 * interleaving stress meets only by chance happens on every run.
 *
 * Compiled in only with CONTEND_SCHED_POINTS, which only the scripted
 * tests define (they build the primitive's sources themselves, and define
 * the two hooks); everywhere else SCHED_POINT is nothing and SCHED_STORE
 * the plain store, so the benchmarks' code is the same as without them.
 *
 * Points the primitives name: "fence" where a thread runs a full fence,
 * "membarrier" once a membarrier(2) has run one on every thread (a test
 * drains the held stores there), and one per primitive where its
 * reproduction stops a thread. The membarrier(2) calls go through the
 * test too, so that it can make them fail.
 */
#ifndef CONTEND_SCHED_POINT_H
#define CONTEND_SCHED_POINT_H

#ifdef CONTEND_SCHED_POINTS
#include <stdatomic.h>
#include <stdint.h>

/* May block the calling thread until the test moves it on. */
void contend_sched_point(const char *where);
/* 1: the test holds the store back and makes it later itself; 0: store. */
int contend_sched_hold_store(const char *where, _Atomic uint64_t *obj,
			     uint64_t val);
/* Stands in for membarrier(2)'s cmd (asym_fence.c): -1 with errno set to
 * make it fail, else what the real call returns. */
long contend_sched_membarrier(int cmd);

#define SCHED_POINT(where) contend_sched_point(#where)
#define SCHED_STORE(where, obj, val, order)                                    \
	do {                                                                   \
		if (!contend_sched_hold_store(#where, (obj), (val)))           \
			atomic_store_explicit((obj), (val), (order));          \
	} while (0)
#else
#define SCHED_POINT(where) ((void)0)
#define SCHED_STORE(where, obj, val, order)                                    \
	atomic_store_explicit((obj), (val), (order))
#endif

#endif
