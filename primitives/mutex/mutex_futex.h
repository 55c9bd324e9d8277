/* Mutex on a Linux futex: the three-state lock of U. Drepper, "Futexes Are
 * Tricky" (2011), section 6, "mutex3", with a short bounded spin before the
 * first sleep.
 *
 * Invariants. state is 0 unlocked, 1 locked with no waiter, 2 locked and
 * maybe waiters (some thread may sleep in FUTEX_WAIT on state). Only the
 * owner leaves 1 or 2 for 0, by unlock. A thread that is about to sleep
 * first makes the state 2, so an unlock that finds 2 knows to wake one
 * sleeper; a woken thread takes the lock as 2 (it cannot know whether others
 * still sleep), which costs at most one spurious FUTEX_WAKE later, never a
 * lost one. Uncontended lock and unlock are one atomic RMW each, and no
 * system call.
 *
 * The spin. A FUTEX_WAIT + FUTEX_WAKE round trip costs tens of microseconds
 * on the VMs this suite runs on (a hypervisor exit for the IPI and the
 * reschedule), while the critical sections of the mutex workloads are tens
 * of nanoseconds. So a thread that finds the lock taken first polls it
 * (read-only, with a pause) for about MUTEX_FUTEX_SPIN_NS: 2.5 µs, long
 * enough to outlast a short critical section and its cache-line transfer
 * (a round trip is 50-530 ns on the machines seen), and short enough that a
 * holder who was preempted costs a waiter a small fraction of what the sleep
 * would. A time, not a poll count: a pause costs 10-140 cycles by CPU model
 * (glibc's adaptive spin is 100 polls, 1-14 µs). The spin ends early when
 * the state is 2: someone already sleeps, so the lock is being held long. */
#ifndef CONTEND_MUTEX_FUTEX_H
#define CONTEND_MUTEX_FUTEX_H

#include <stdatomic.h>
#include <stdint.h>

#include "futex.h"
#include "mutex.h"
#include "spin.h"

#define MUTEX_FUTEX_SPIN_NS 2500

struct mutex_futex {
	_Atomic int state;
};

static inline int mutex_futex_init(struct mutex_futex *m)
{
	atomic_init(&m->state, 0);
	return 0;
}

static inline void mutex_futex_destroy(struct mutex_futex *m)
{
	(void)m;
}

/* Not inlined: the contended path stays out of the caller's hot loop. */
static __attribute__((noinline, unused)) void
mutex_futex_lock_slow(struct mutex_futex *m, int c)
{
	uint32_t polls = spin_pauses_ns(MUTEX_FUTEX_SPIN_NS);
	for (uint32_t i = 0; i < polls && c == 1; i++) {
		spin_pause();
		c = atomic_load_explicit(&m->state, memory_order_relaxed);
		if (c == 0) {
			/* acquire: as in mutex_futex_lock */
			if (atomic_compare_exchange_strong_explicit(
				    &m->state, &c, 1, memory_order_acquire,
				    memory_order_relaxed))
				return;
		}
	}
	/* From here we may sleep, so the state must say "waiters" (2) for the
	 * unlocker to wake us. acquire: taking the lock (exchange returned 0)
	 * must see the previous owner's critical section. */
	c = atomic_exchange_explicit(&m->state, 2, memory_order_acquire);
	while (c != 0) {
		/* returns at once (EAGAIN) if the state is no longer 2 */
		futex_wait((_Atomic uint32_t *)&m->state, 2, NULL);
		c = atomic_exchange_explicit(&m->state, 2,
					     memory_order_acquire);
	}
}

static inline void mutex_futex_lock(struct mutex_futex *m)
{
	int c = 0;
	/* acquire: pairs with the release in unlock, so the previous owner's
	 * writes are visible to this one. */
	if (!atomic_compare_exchange_strong_explicit(&m->state, &c, 1,
						     memory_order_acquire,
						     memory_order_relaxed))
		mutex_futex_lock_slow(m, c);
}

static inline void mutex_futex_unlock(struct mutex_futex *m)
{
	/* release: publishes the critical section to the next owner, who
	 * reads state with acquire (ThreadSanitizer sees this edge too, so
	 * the futex sleep itself needs no annotation). */
	if (atomic_fetch_sub_explicit(&m->state, 1, memory_order_release) !=
	    1) {
		atomic_store_explicit(&m->state, 0, memory_order_release);
		futex_wake((_Atomic uint32_t *)&m->state, 1);
	}
}

#endif
