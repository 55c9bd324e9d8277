/* Every mutex implementation, once: the benchmarks (bench/mutex.c) and the
 * stress test (tests/test_mutex.c) expand this list, so a lock added here
 * is measured and tested with no other line to write.
 *
 * X(name, summary, fair_spin):
 *   name       the IMPL of mutex_IMPL.h (mutex.h's contract)
 *   summary    what `contend list` says of it, in its rows' parentheses
 *   fair_spin  1: a fair spin lock, which hands the lock to the next
 *              waiter in line even when that waiter is preempted, so the
 *              test runs it with one thread per CPU at most (the convoy
 *              the ticket and MCS headers warn of)
 */
#ifndef CONTEND_MUTEX_IMPLS_H
#define CONTEND_MUTEX_IMPLS_H

#include "mutex_futex.h"
#include "mutex_mcs.h"
#include "mutex_pthread.h"
#include "mutex_pthread_adaptive.h"
#include "mutex_ticket.h"
#include "mutex_ttas.h"

#define MUTEX_IMPLS(X)                                                         \
	X(pthread, "pthread_mutex_t", 0)                                       \
	X(pthread_adaptive, "PTHREAD_MUTEX_ADAPTIVE_NP", 0)                    \
	X(futex, "3-state futex, bounded spin", 0)                             \
	X(ticket, "ticket lock, proportional backoff", 1)                      \
	X(mcs, "MCS queue lock, K42 form", 1)                                  \
	X(ttas, "test-and-test-and-set, exponential backoff", 0)

#endif
