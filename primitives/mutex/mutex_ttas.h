/* Test-and-test-and-set spin lock with bounded exponential backoff:
 * T. E. Anderson, "The Performance of Spin Lock Alternatives for
 * Shared-Memory Multiprocessors", IEEE TPDS 1(1), 1990 (and Mellor-Crummey
 * and Scott 1991, section 2.1).
 *
 * Invariants. locked is 1 while some thread owns the lock, 0 otherwise;
 * only an exchange that returns 0 takes it, only the owner stores 0. A
 * waiter polls with plain loads (the line stays shared in its cache, no
 * write traffic) and tries the exchange only when it saw 0; after each
 * failed attempt it pauses for a delay that doubles from MUTEX_TTAS_MIN_NS
 * to MUTEX_TTAS_MAX_NS (about two cache-line transfers to about a futex
 * sleep; in pauses at the measured cost of one, spin.h), so that n waiters
 * released at once do not all write the line together. The lock is not fair: a
 * releasing thread may retake it at once, and a waiter may starve in principle
 * (not in a bounded run). A preempted owner keeps everyone spinning: for
 * dedicated CPUs (a waiter yields after a long spin, see spin.h). */
#ifndef CONTEND_MUTEX_TTAS_H
#define CONTEND_MUTEX_TTAS_H

#include <stdatomic.h>

#include "mutex.h"
#include "spin.h"

#define MUTEX_TTAS_MIN_NS 100
#define MUTEX_TTAS_MAX_NS 24000

struct mutex_ttas {
	_Atomic int locked;
};

static inline int mutex_ttas_init(struct mutex_ttas *m)
{
	atomic_init(&m->locked, 0);
	return 0;
}

static inline void mutex_ttas_destroy(struct mutex_ttas *m)
{
	(void)m;
}

static __attribute__((noinline, unused)) void
mutex_ttas_lock_slow(struct mutex_ttas *m)
{
	uint32_t delay = spin_pauses_ns(MUTEX_TTAS_MIN_NS),
		 max = spin_pauses_ns(MUTEX_TTAS_MAX_NS);
	unsigned spins = 0;
	for (;;) {
		for (uint32_t i = 0; i < delay; i++)
			spin_wait_step(&spins);
		/* spin_backoff_grow's step, written out: through the helper
		 * this file's code compiled differently and contend ab (Zen 5
		 * guest) had mutex/lock and handoff ttas and mcs 2T 1.06x
		 * slower */
		if (delay < max)
			delay = delay * 2 < max ? delay * 2 : max;
		/* relaxed: a test only; the exchange below is the acquire */
		while (atomic_load_explicit(&m->locked, memory_order_relaxed))
			spin_wait_step(&spins);
		/* acquire: as in mutex_ttas_lock */
		if (!atomic_exchange_explicit(&m->locked, 1,
					      memory_order_acquire))
			return;
	}
}

static inline void mutex_ttas_lock(struct mutex_ttas *m)
{
	/* acquire: pairs with the release store in unlock. The first try
	 * goes straight to the exchange: uncontended, one RMW. */
	if (atomic_exchange_explicit(&m->locked, 1, memory_order_acquire))
		mutex_ttas_lock_slow(m);
}

static inline void mutex_ttas_unlock(struct mutex_ttas *m)
{
	/* release: publishes the critical section to the next owner */
	atomic_store_explicit(&m->locked, 0, memory_order_release);
}

#endif
