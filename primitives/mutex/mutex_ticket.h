/* Ticket lock with proportional backoff: J. M. Mellor-Crummey and M. L.
 * Scott, "Algorithms for Scalable Synchronization on Shared-Memory
 * Multiprocessors", ACM TOCS 9(1), 1991, section 2.2 (after Reed and
 * Kanodia's sequencers).
 *
 * Invariants. next is the ticket the next arriving thread takes; serving is
 * the ticket of the owner. The lock is free iff serving == next; threads
 * own it strictly in ticket order (FIFO), so none starves. Only the owner
 * writes serving (by unlock), always serving + 1. A waiter whose ticket is
 * k places behind the owner pauses about k times the expected hold time
 * before polling again, so the lock line is not hammered by every waiter on
 * every hand-off; the base delay is a guess at one short critical section
 * plus one transfer of the line (a few hundred cycles). Tickets are 32-bit
 * and wrap: only the difference my - serving matters, and it stays below
 * the number of threads. A thread that is preempted holding the lock, or
 * holding the next ticket, delays everyone behind it: a spinning lock
 * belongs on dedicated CPUs (a waiter yields after a long spin, see
 * spin.h, so that it does not also hold up that thread's CPU). */
#ifndef CONTEND_MUTEX_TICKET_H
#define CONTEND_MUTEX_TICKET_H

#include <stdatomic.h>
#include <stdint.h>

#include "mutex.h"
#include "spin.h"

/* the wait between two polls per waiter ahead of us: about one critical
 * section and its hand-over (in pauses at the measured cost of one) */
#define MUTEX_TICKET_BACKOFF_NS 400

struct mutex_ticket {
	_Atomic uint32_t next;
	_Atomic uint32_t serving;
};

static inline int mutex_ticket_init(struct mutex_ticket *m)
{
	atomic_init(&m->next, 0);
	atomic_init(&m->serving, 0);
	return 0;
}

static inline void mutex_ticket_destroy(struct mutex_ticket *m)
{
	(void)m;
}

/* Not inlined: the wait stays out of the caller's hot loop. */
static __attribute__((noinline, unused)) void
mutex_ticket_lock_slow(struct mutex_ticket *m, uint32_t my, uint32_t cur)
{
	uint32_t backoff = spin_pauses_ns(MUTEX_TICKET_BACKOFF_NS);
	unsigned spins = 0;
	while (cur != my) {
		uint64_t n = (uint64_t)(my - cur) * backoff;
		for (n = n < UINT32_MAX ? n : UINT32_MAX; n; n--)
			spin_wait_step(&spins);
		/* acquire: pairs with the release store in unlock */
		cur = atomic_load_explicit(&m->serving, memory_order_acquire);
	}
}

static inline void mutex_ticket_lock(struct mutex_ticket *m)
{
	/* relaxed: taking a ticket orders nothing; the acquire is the load of
	 * serving that sees our ticket. */
	uint32_t my =
		atomic_fetch_add_explicit(&m->next, 1, memory_order_relaxed);
	/* acquire: pairs with the release store in unlock */
	uint32_t cur = atomic_load_explicit(&m->serving, memory_order_acquire);
	if (cur != my)
		mutex_ticket_lock_slow(m, my, cur);
}

static inline void mutex_ticket_unlock(struct mutex_ticket *m)
{
	/* relaxed load: only the owner writes serving, so it reads its own
	 * last value; release store: publishes the critical section to the
	 * next ticket holder. */
	uint32_t cur = atomic_load_explicit(&m->serving, memory_order_relaxed);
	atomic_store_explicit(&m->serving, cur + 1, memory_order_release);
}

#endif
