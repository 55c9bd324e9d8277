/* MCS queue lock: J. M. Mellor-Crummey and M. L. Scott, "Algorithms for
 * Scalable Synchronization on Shared-Memory Multiprocessors", ACM TOCS
 * 9(1), 1991, section 2.4; in the form that needs no queue node from the
 * caller, due to IBM's K42 (Auslander et al., US patent 6,965,961, 2005;
 * M. L. Scott, "Shared-Memory Synchronization", 2013, section 4.3.2, "K42
 * MCS lock"). It keeps this family's lock(m)/unlock(m) contract: a waiter's
 * queue node lives on its own stack only while it waits, and the lock
 * itself is the owner's node once the lock is taken.
 *
 * Invariants. The waiters form a FIFO queue of nodes; q.tail points at the
 * last node of it: NULL when the lock is free, &q (the lock's own node) when
 * it is held with nobody waiting, else the last waiter's node. q.next is the
 * owner's successor (the first waiter), or NULL while none has linked itself
 * yet. A waiter's node has tail = MUTEX_MCS_WAITING(m) until its predecessor
 * hands it the lock by storing NULL there, and each waiter spins only on its
 * own node (one line per waiter, no global polling: this is what makes MCS
 * scale). On taking the lock a waiter moves its successor link into q.next
 * and, if it was the last, swings q.tail from its node back to &q; after
 * that nobody touches its node, so it may leave lock() and drop the node.
 * FIFO: no starvation. A preempted owner or waiter delays every thread
 * behind it: a spinning lock belongs on dedicated CPUs (a waiter yields
 * after a long spin, see spin.h).
 *
 * Memory orders, once for all. Every RMW of q.tail that enqueues or swings
 * back is acq_rel: a thread that finds node X as tail will store into X's
 * next field, so X's initialisation (and the owner's reset of q.next before
 * swinging back to &q) must happen before that store. A link store into
 * prev->next is release and every load of a next field is acquire, so the
 * thread that follows the link sees the node initialised. The hand-off
 * store into the successor's tail is release and the waiter's spin load is
 * acquire: that pair, or the free-lock CAS (acquire) against unlock's CAS
 * back to NULL (release), gives lock/unlock their acquire/release
 * semantics (and ThreadSanitizer its happens-before edge). */
#ifndef CONTEND_MUTEX_MCS_H
#define CONTEND_MUTEX_MCS_H

#include <stdatomic.h>
#include <stddef.h>

#include "mutex.h"
#include "spin.h"

struct mutex_mcs_node {
	_Atomic(struct mutex_mcs_node *) tail; /* see the invariants */
	_Atomic(struct mutex_mcs_node *) next;
};

struct mutex_mcs {
	struct mutex_mcs_node q;
};

/* A waiter's tail while it waits: any non-NULL pointer would do; the
 * lock's own node is one that no other meaning uses in a waiter's node. */
#define MUTEX_MCS_WAITING(m) (&(m)->q)

static inline int mutex_mcs_init(struct mutex_mcs *m)
{
	atomic_init(&m->q.tail, NULL);
	atomic_init(&m->q.next, NULL);
	return 0;
}

static inline void mutex_mcs_destroy(struct mutex_mcs *m)
{
	(void)m;
}

static __attribute__((noinline, unused)) void
mutex_mcs_lock_slow(struct mutex_mcs *m, struct mutex_mcs_node *prev)
{
	struct mutex_mcs_node n, *succ, *self;
	unsigned spins = 0;
	for (;;) {
		if (!prev) {
			/* freed meanwhile: take it as in mutex_mcs_lock */
			if (atomic_compare_exchange_weak_explicit(
				    &m->q.tail, &prev, &m->q,
				    memory_order_acquire, memory_order_relaxed))
				return;
			continue;
		}
		atomic_store_explicit(&n.tail, MUTEX_MCS_WAITING(m),
				      memory_order_relaxed);
		atomic_store_explicit(&n.next, NULL, memory_order_relaxed);
		if (atomic_compare_exchange_weak_explicit(&m->q.tail, &prev, &n,
							  memory_order_acq_rel,
							  memory_order_relaxed))
			break;
	}
	atomic_store_explicit(&prev->next, &n, memory_order_release);
	while (atomic_load_explicit(&n.tail, memory_order_acquire))
		spin_wait_step(&spins);
	/* We own the lock. q.next: only this thread writes it until q.tail
	 * points at &q again (nobody can link behind q before that). */
	succ = atomic_load_explicit(&n.next, memory_order_acquire);
	if (!succ) {
		atomic_store_explicit(&m->q.next, NULL, memory_order_relaxed);
		self = &n;
		if (atomic_compare_exchange_strong_explicit(
			    &m->q.tail, &self, &m->q, memory_order_acq_rel,
			    memory_order_relaxed))
			return;
		/* a successor enqueued behind n: wait for its link */
		while (!(succ = atomic_load_explicit(&n.next,
						     memory_order_acquire)))
			spin_wait_step(&spins);
	}
	atomic_store_explicit(&m->q.next, succ, memory_order_relaxed);
}

static inline void mutex_mcs_lock(struct mutex_mcs *m)
{
	struct mutex_mcs_node *prev = NULL;
	/* acquire: pairs with the release CAS in unlock that freed it */
	if (!atomic_compare_exchange_strong_explicit(&m->q.tail, &prev, &m->q,
						     memory_order_acquire,
						     memory_order_relaxed))
		mutex_mcs_lock_slow(m, prev);
}

/* A waiter swung q.tail from &q to its node but has not linked itself
 * into q.next yet: wait for the link (a few instructions away). */
static __attribute__((noinline, unused)) struct mutex_mcs_node *
mutex_mcs_wait_next(struct mutex_mcs *m)
{
	struct mutex_mcs_node *succ;
	unsigned spins = 0;
	while (!(succ = atomic_load_explicit(&m->q.next, memory_order_acquire)))
		spin_wait_step(&spins);
	return succ;
}

static inline void mutex_mcs_unlock(struct mutex_mcs *m)
{
	struct mutex_mcs_node *succ =
		atomic_load_explicit(&m->q.next, memory_order_acquire);
	if (!succ) {
		struct mutex_mcs_node *self = &m->q;
		/* release: publishes the critical section to the next thread
		 * that takes the free lock */
		if (atomic_compare_exchange_strong_explicit(
			    &m->q.tail, &self, NULL, memory_order_release,
			    memory_order_relaxed))
			return;
		succ = mutex_mcs_wait_next(m);
	}
	atomic_store_explicit(&succ->tail, NULL, memory_order_release);
}

#endif
