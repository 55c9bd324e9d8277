/* RWMutex as Go's sync.RWMutex (src/sync/rwmutex.go, Go 1.19), with the
 * runtime's semaphores replaced by futex semaphores that spin briefly
 * before sleeping.
 *
 * Invariants (Go's):
 * - reader_count = readers inside or arriving, minus RWMUTEX_GOISH_MAX
 *   while a writer is pending or inside. A reader adds 1; if the result is
 *   negative a writer is pending and the reader sleeps on reader_sem. So
 *   once a writer announced itself, new readers queue behind it: no writer
 *   starvation.
 * - reader_wait = readers that were inside when the writer announced and
 *   have not left yet. Each such reader sees a negative count on its way
 *   out, decrements reader_wait, and the last one posts writer_sem.
 * - w serialises writers, so at most one writer is pending or inside;
 *   readers never touch w.
 * - On unlock the writer adds RWMUTEX_GOISH_MAX back; the result is the
 *   number of readers that queued meanwhile, and it posts reader_sem that
 *   many times before releasing w, so readers queued before the next
 *   writer get in first (no reader starvation either).
 *
 * Semaphores: count + number of sleepers on a futex; post adds to the
 * count and wakes only if someone sleeps; wait spins for the count about
 * RWMUTEX_GOISH_SPIN_NS (in pauses at the measured cost of one, which is
 * 10 to 140 cycles by CPU model), then sleeps. The bound: a futex
 * sleep/wake round trip costs tens of microseconds in these VMs (a wake is
 * a syscall plus an IPI plus the sleeper's reschedule), while a critical
 * section in this suite lasts tens to hundreds of nanoseconds. 5 us is
 * long enough to cover many reader sections or a writer's hand-off,
 * shorter than one futex round trip, so that spinning in vain at most
 * doubles what sleeping at once would have cost (the classic
 * spin-then-block bound: spin at most as long as blocking costs; it is
 * 2-competitive). The writer mutex w is the same construction (a
 * three-state futex mutex, Drepper, "Futexes are tricky", 2011, mutex 2). */
#ifndef CONTEND_RWMUTEX_GOISH_H
#define CONTEND_RWMUTEX_GOISH_H

#include <stdatomic.h>
#include <stdint.h>

#include "rwmutex.h"
#include "rwmutex_wait.h"

#define RWMUTEX_GOISH_MAX     (1 << 30)
#define RWMUTEX_GOISH_SPIN_NS 5000

struct rwmutex_goish_sem {
	_Atomic uint32_t count;
	_Atomic uint32_t sleepers;
};

struct rwmutex_goish {
	_Atomic uint32_t w; /* 0 free, 1 locked, 2 locked with sleepers */
	struct rwmutex_goish_sem writer_sem, reader_sem;
	_Atomic int32_t reader_count, reader_wait;
};

/* All semaphore accesses are seq_cst: post is "add count, then read
 * sleepers", wait is "add sleepers, then read count" (in the kernel's
 * futex check); a Dekker pair, so either the poster sees the sleeper and
 * wakes it or the sleeper sees the count and does not sleep. The acquire
 * half of the successful CAS makes the poster's prior writes visible. */
static inline void rwmutex_goish_sem_post(struct rwmutex_goish_sem *s,
					  uint32_t n)
{
	atomic_fetch_add(&s->count, n);
	if (atomic_load(&s->sleepers) != 0)
		futex_wake(&s->count, n < INT32_MAX ? (int)n : INT32_MAX);
}

static inline int rwmutex_goish_sem_try(struct rwmutex_goish_sem *s)
{
	uint32_t c = atomic_load_explicit(&s->count, memory_order_relaxed);
	while (c != 0)
		if (atomic_compare_exchange_weak(&s->count, &c, c - 1))
			return 1;
	return 0;
}

static inline void rwmutex_goish_sem_wait(struct rwmutex_goish_sem *s)
{
	uint32_t polls = spin_pauses_ns(RWMUTEX_GOISH_SPIN_NS);
	for (uint32_t i = 0; i < polls; i++) {
		if (rwmutex_goish_sem_try(s))
			return;
		spin_pause();
	}
	atomic_fetch_add(&s->sleepers, 1);
	while (!rwmutex_goish_sem_try(s))
		futex_wait(&s->count, 0, NULL);
	atomic_fetch_sub(&s->sleepers, 1);
}

/* The writer mutex: acquire on taking it, release on leaving; the
 * exchange to 2 marks sleepers so that unlock knows to wake one. */
static inline void rwmutex_goish_w_lock(struct rwmutex_goish *l)
{
	uint32_t c = 0;
	if (atomic_compare_exchange_strong_explicit(
		    &l->w, &c, 1, memory_order_acquire, memory_order_relaxed))
		return;
	uint32_t polls = spin_pauses_ns(RWMUTEX_GOISH_SPIN_NS);
	for (uint32_t i = 0; i < polls; i++) {
		spin_pause();
		c = 0;
		if (atomic_load_explicit(&l->w, memory_order_relaxed) == 0 &&
		    atomic_compare_exchange_strong_explicit(
			    &l->w, &c, 1, memory_order_acquire,
			    memory_order_relaxed))
			return;
	}
	while (atomic_exchange_explicit(&l->w, 2, memory_order_acquire) != 0)
		futex_wait(&l->w, 2, NULL);
}

static inline void rwmutex_goish_w_unlock(struct rwmutex_goish *l)
{
	if (atomic_exchange_explicit(&l->w, 0, memory_order_release) == 2)
		futex_wake(&l->w, 1);
}

static inline int rwmutex_goish_init(struct rwmutex_goish *l)
{
	atomic_init(&l->w, 0);
	atomic_init(&l->writer_sem.count, 0);
	atomic_init(&l->writer_sem.sleepers, 0);
	atomic_init(&l->reader_sem.count, 0);
	atomic_init(&l->reader_sem.sleepers, 0);
	atomic_init(&l->reader_count, 0);
	atomic_init(&l->reader_wait, 0);
	return 0;
}

static inline void rwmutex_goish_destroy(struct rwmutex_goish *l)
{
	(void)l;
}

/* reader_count and reader_wait are seq_cst as Go's atomics are: the
 * reader's increment must be ordered with the writer's subtraction in one
 * total order (it is one RMW word, so that holds anyway); acquire on the
 * reader's increment pairs with the release of the writer's add-back in
 * unlock, release on the decrement pairs with the writer's acquire of the
 * subtraction (or of writer_sem). seq_cst gives both without a case
 * analysis; on x86 each is one locked instruction either way. */
static inline void rwmutex_goish_rlock(struct rwmutex_goish *l)
{
	if (atomic_fetch_add(&l->reader_count, 1) + 1 < 0)
		rwmutex_goish_sem_wait(
			&l->reader_sem); /* a writer is pending */
}

static inline void rwmutex_goish_runlock(struct rwmutex_goish *l)
{
	if (atomic_fetch_sub(&l->reader_count, 1) - 1 < 0 &&
	    atomic_fetch_sub(&l->reader_wait, 1) - 1 == 0)
		rwmutex_goish_sem_post(&l->writer_sem, 1); /* last departing */
}

static inline void rwmutex_goish_lock(struct rwmutex_goish *l)
{
	int32_t r;
	rwmutex_goish_w_lock(l);
	/* announce the writer; r = readers inside right now */
	r = atomic_fetch_sub(&l->reader_count, RWMUTEX_GOISH_MAX);
	if (r != 0 && atomic_fetch_add(&l->reader_wait, r) + r != 0)
		rwmutex_goish_sem_wait(&l->writer_sem);
}

static inline void rwmutex_goish_unlock(struct rwmutex_goish *l)
{
	int32_t r = atomic_fetch_add(&l->reader_count, RWMUTEX_GOISH_MAX) +
		    RWMUTEX_GOISH_MAX;
	if (r > 0)
		rwmutex_goish_sem_post(&l->reader_sem, (uint32_t)r);
	rwmutex_goish_w_unlock(l);
}

#endif
