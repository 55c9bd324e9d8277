/* Every rwmutex implementation, once: the benchmarks (bench/rwmutex.c)
 * and the stress test (tests/test_rwmutex.c) expand this list, so a lock
 * added here is measured and tested with no other line to write.
 *
 * X(name, summary, writer_bounded):
 *   name            the IMPL of rwmutex_IMPL.h (rwmutex.h's contract)
 *   summary         what `contend list` says of it, in its rows'
 *                   parentheses
 *   writer_bounded  1: writer-preferring or fair, so a writer gets in
 *                   while overlapping readers flood the lock (the test
 *                   holds it to that); 0: reader-preferring, where a
 *                   starved writer is the documented behaviour
 */
#ifndef CONTEND_RWMUTEX_IMPLS_H
#define CONTEND_RWMUTEX_IMPLS_H

#include "rwmutex_bravo.h"
#include "rwmutex_ck_brlock.h"
#include "rwmutex_ck_rwlock.h"
#include "rwmutex_goish.h"
#include "rwmutex_pthread.h"
#include "rwmutex_pthread_wpref.h"
#include "rwmutex_slots.h"
#include "rwmutex_spin.h"

#define RWMUTEX_IMPLS(X)                                                       \
	X(pthread, "pthread_rwlock_t, reader-preferring", 0)                   \
	X(pthread_wpref, "pthread_rwlock_t, writer-preferring", 1)             \
	X(goish, "Go's RWMutex design on futexes", 1)                          \
	X(bravo, "BRAVO visible readers over goish", 1)                        \
	X(slots, "reader slots, writer flag, backoff", 1)                      \
	X(spin, "TTAS spin, reader-preferring", 0)                             \
	X(ck_rwlock, "Concurrency Kit ck_rwlock", 1)                           \
	X(ck_brlock, "Concurrency Kit ck_brlock", 1)

#endif
