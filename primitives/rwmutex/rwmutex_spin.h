/* RWMutex as a test-and-test-and-set spin lock on one word: bit 0 is the
 * writer, the rest counts readers (in units of 2). Nobody ever sleeps.
 *
 * Invariants: word == WRITER (no readers) while a writer holds the lock;
 * word == 2*readers otherwise. A reader enters with a CAS that adds 2 only
 * from a word without WRITER; a writer enters with a CAS 0 -> WRITER. Both
 * spin on plain loads (the "test" before the test-and-set) so waiters share
 * the line instead of bouncing it with failed CASes, with a pause in each
 * round. Reader-preferring: a writer needs the count to reach 0, so a
 * stream of overlapping readers starves it (rwmutex/writer-wait shows it).
 * Source: Mellor-Crummey & Scott, "Scalable reader-writer synchronization
 * for shared-memory multiprocessors", PPoPP 1991 (the centralized
 * reader-preference lock), with TTAS spinning (Rudolph & Segall 1984). */
#ifndef CONTEND_RWMUTEX_SPIN_H
#define CONTEND_RWMUTEX_SPIN_H

#include <stdatomic.h>
#include <stdint.h>

#include "rwmutex.h"
#include "rwmutex_wait.h"

#define RWMUTEX_SPIN_WRITER 1u
#define RWMUTEX_SPIN_READER 2u

struct rwmutex_spin {
	_Atomic uint32_t word;
};

static inline int rwmutex_spin_init(struct rwmutex_spin *l)
{
	atomic_init(&l->word, 0);
	return 0;
}

static inline void rwmutex_spin_destroy(struct rwmutex_spin *l)
{
	(void)l;
}

/* Acquire on success: the reader sees every write of the writer whose
 * release-unlock left the word without WRITER. Relaxed on failure and in
 * the test loads: they only decide whether to try again. */
static inline void rwmutex_spin_rlock(struct rwmutex_spin *l)
{
	uint32_t v = atomic_load_explicit(&l->word, memory_order_relaxed);
	for (;;) {
		if (!(v & RWMUTEX_SPIN_WRITER) &&
		    atomic_compare_exchange_weak_explicit(
			    &l->word, &v, v + RWMUTEX_SPIN_READER,
			    memory_order_acquire, memory_order_relaxed))
			return;
		if (v & RWMUTEX_SPIN_WRITER) {
			spin_pause();
			v = atomic_load_explicit(&l->word,
						 memory_order_relaxed);
		}
	}
}

/* Release: the reader's loads are done before a writer can see the count
 * drop (a writer must not write what a reader is still reading). */
static inline void rwmutex_spin_runlock(struct rwmutex_spin *l)
{
	atomic_fetch_sub_explicit(&l->word, RWMUTEX_SPIN_READER,
				  memory_order_release);
}

static inline void rwmutex_spin_lock(struct rwmutex_spin *l)
{
	uint32_t v = 0;
	for (;;) {
		if (atomic_compare_exchange_weak_explicit(
			    &l->word, &v, RWMUTEX_SPIN_WRITER,
			    memory_order_acquire, memory_order_relaxed))
			return;
		do {
			spin_pause();
			v = atomic_load_explicit(&l->word,
						 memory_order_relaxed);
		} while (v != 0);
	}
}

static inline void rwmutex_spin_unlock(struct rwmutex_spin *l)
{
	atomic_store_explicit(&l->word, 0, memory_order_release);
}

#endif
