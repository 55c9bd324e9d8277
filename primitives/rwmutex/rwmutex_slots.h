/* RWMutex with one reader slot per thread (a distributed reader indicator,
 * as in the "big reader" locks of Linux brlock and ck_brlock), a writer
 * flag beside a summary of the slots in use, and bounded exponential
 * backoff on every wait (Anderson, "The Performance of Spin Lock
 * Alternatives for Shared-Memory Multiprocessors", IEEE TPDS 1990).
 *
 * Why it exists beside bravo and ck_brlock: on a machine where a cache-line
 * transfer costs hundreds of ns, what a mixed read/write workload pays is
 * the number of transfers per op, not the instructions. Reads here write
 * only the reader's own line and read the writer line, which stays shared
 * in every cache until a writer comes: no transfer. A writer scans only
 * the slots the summary says are taken (two threads: two loads, where
 * ck_brlock walks its whole table). And a waiter re-reads the line it
 * waits on only after a delay that doubles each time it finds it taken,
 * so while one thread does a run of writes the other does not pull the
 * lock's lines back after each of them: the run costs one transfer of each
 * line, not two per write (throughput over fairness, as TTAS backoff).
 *
 * Invariants:
 * - a slot word is 0 (free), or its owner's token (the thread pointer,
 *   aligned, so bit 0 is free) with bit 0 set while that owner reads.
 *   Only the owner writes a slot it owns; a slot is claimed once (0 ->
 *   token by CAS) and never released before destroy, so a thread's slot
 *   always lies before the first free one on its probe path;
 * - bit i of `used` is set (before the owner first reads) once slot i is
 *   claimed, and never cleared;
 * - writer is 1 while a writer holds or is acquiring the lock; only a CAS
 *   0 -> 1 sets it, only that writer clears it;
 * - a reader is inside only if its store of bit 0 precedes, in the seq_cst
 *   order, its load of writer == 0; a writer's CAS of writer precedes its
 *   loads of `used` and of the slots: so either the reader sees the writer
 *   and backs out, or the writer sees the reader and waits (Dekker). A
 *   reader that claims a slot after the writer loaded `used` set the bit
 *   after that load, so its own load of writer comes later still and sees
 *   the writer.
 * Writer-preferring: once a writer holds the flag, new readers back off,
 * so readers cannot starve it; writers compete by TTAS, unfair in
 * principle (not in a bounded run). Nobody sleeps: for dedicated CPUs (a
 * waiter yields after a long spin, spin.h). A thread that finds all
 * RWMUTEX_SLOTS_N slots taken reads under the write lock (correct, only
 * exclusive); a thread must not hold the lock for reading twice (as Go's
 * RLock). A thread that exits leaves its slot claimed and idle; a later
 * thread with the same descriptor address (glibc reuses them) takes it.
 *
 * Orderings. The Dekker pair is the only store->load pair, seq_cst on both
 * sides: the reader's store of bit 0 before its load of writer (x86 xchg
 * or mov+mfence, then mov; AArch64 stlr then ldar, kept in order by RCsc);
 * the writer's CAS of writer before its loads of `used` and the slots (x86
 * lock cmpxchg, a full barrier; AArch64 casal, or ldaxr/stlxr, then ldar);
 * C11: all in the total order S, so one of the two loads sees the other
 * side's store. The claim's CAS and bit set are seq_cst and sequenced
 * before the owner's first store of bit 0, so they precede it in S too.
 * Release/acquire pairs: unlock's store of 0 with the next writer's CAS
 * and with a reader's seq_cst load of 0 (the writer's section precedes
 * theirs); a reader's store of its bare token (runlock, or backing out)
 * with the writer's seq_cst scan load (the reader's section precedes the
 * writer's). Relaxed: the loads of writer before the seq_cst access that
 * decides (TTAS tests, they only delay), and mine's loads of slot words:
 * its own slot holds its own last store, others' tokens only say "not
 * mine", and a word once seen non-zero never reads 0 again, so runlock
 * retraces rlock's probe path. */
#ifndef CONTEND_RWMUTEX_SLOTS_H
#define CONTEND_RWMUTEX_SLOTS_H

#include <stdatomic.h>
#include <stdint.h>

#include "cacheline.h"
#include "rwmutex.h"
#include "rwmutex_wait.h"

#define RWMUTEX_SLOTS_BITS 6
#define RWMUTEX_SLOTS_N	   (1u << RWMUTEX_SLOTS_BITS)
#define RWMUTEX_SLOTS_IN   ((uintptr_t)1)
/* Backoff from about one cache-line round trip to a few microseconds,
 * well under a futex sleep, so a waiter never waits much past the release
 * (in pauses at the measured cost of one, spin.h). */
#define RWMUTEX_SLOTS_MIN_NS 50
#define RWMUTEX_SLOTS_MAX_NS 3000

struct rwmutex_slots_slot {
	_Alignas(CACHE_LINE) _Atomic uintptr_t word;
};

struct rwmutex_slots {
	/* one line: a writer that took the flag finds `used` in its cache */
	_Alignas(CACHE_LINE) _Atomic uint32_t writer;
	_Atomic uint64_t used;
	struct rwmutex_slots_slot slots[RWMUTEX_SLOTS_N];
};

static inline int rwmutex_slots_init(struct rwmutex_slots *l)
{
	atomic_init(&l->writer, 0);
	atomic_init(&l->used, 0);
	for (unsigned i = 0; i < RWMUTEX_SLOTS_N; i++)
		atomic_init(&l->slots[i].word, 0);
	return 0;
}

static inline void rwmutex_slots_destroy(struct rwmutex_slots *l)
{
	(void)l;
}

/* Waits `*delay` pauses and doubles it up to max (RWMUTEX_SLOTS_MAX_NS in
 * pauses, which the caller converts once). */
static inline void rwmutex_slots_backoff(uint32_t *delay, uint32_t max,
					 unsigned *spins)
{
	for (uint32_t i = 0; i < *delay; i++)
		spin_wait_step(spins);
	spin_backoff_grow(delay, max);
}

/* The calling thread's slot; with claim, one is claimed the first time.
 * NULL: it has none (with claim: the table is full). Relaxed loads: a
 * slot owned by this thread was written by it; another thread's token
 * only says "not mine". The claim's CAS and bit set are seq_cst: they
 * come before this thread's first read in the order writers scan by. */
static inline _Atomic uintptr_t *rwmutex_slots_mine(struct rwmutex_slots *l,
						    uintptr_t me, int claim)
{
	unsigned h = rwmutex_slot_hash(me, RWMUTEX_SLOTS_BITS);
	for (unsigned p = 0; p < RWMUTEX_SLOTS_N; p++) {
		unsigned i = (h + p) & (RWMUTEX_SLOTS_N - 1);
		_Atomic uintptr_t *s = &l->slots[i].word;
		uintptr_t w = atomic_load_explicit(s, memory_order_relaxed);
		if ((w & ~RWMUTEX_SLOTS_IN) == me)
			return s;
		if (w != 0)
			continue;
		if (!claim)
			return NULL;
		/* seq_cst both: they precede our first store of bit 0 in S,
		 * so a writer whose load of used misses the bit took its flag
		 * before our load of writer, which sees it */
		if (atomic_compare_exchange_strong(s, &w, me)) {
			atomic_fetch_or(&l->used, (uint64_t)1 << i);
			return s;
		}
	}
	return NULL;
}

static __attribute__((noinline, unused)) void
rwmutex_slots_lock_slow(struct rwmutex_slots *l)
{
	uint32_t delay = spin_pauses_ns(RWMUTEX_SLOTS_MIN_NS),
		 max = spin_pauses_ns(RWMUTEX_SLOTS_MAX_NS);
	unsigned spins = 0;
	uint32_t z;
	do {
		/* relaxed: a test only; the seq_cst CAS below decides (the
		 * writer half of the Dekker pair, as in lock) */
		do
			rwmutex_slots_backoff(&delay, max, &spins);
		while (atomic_load_explicit(&l->writer, memory_order_relaxed));
		z = 0;
	} while (!atomic_compare_exchange_strong(&l->writer, &z, 1));
}

static inline void rwmutex_slots_lock(struct rwmutex_slots *l)
{
	uint32_t z = 0;
	uint64_t used;
	/* relaxed test first (TTAS); the CAS is seq_cst: the writer half
	 * of the Dekker pair (header comment) */
	if (atomic_load_explicit(&l->writer, memory_order_relaxed) ||
	    !atomic_compare_exchange_strong(&l->writer, &z, 1))
		rwmutex_slots_lock_slow(l);
	/* seq_cst: after our CAS in S; a bit it misses is set later, so that
	 * reader's store of bit 0 and load of writer come later still and
	 * see our flag */
	used = atomic_load(&l->used);
	while (used) {
		unsigned i = (unsigned)__builtin_ctzll(used), spins = 0;
		used &= used - 1;
		/* seq_cst, hence acquire: pairs with the reader's release
		 * in runlock, so its section precedes this writer's */
		while (atomic_load(&l->slots[i].word) & RWMUTEX_SLOTS_IN)
			spin_wait_step(&spins);
	}
}

static inline void rwmutex_slots_unlock(struct rwmutex_slots *l)
{
	/* release: the section precedes the next reader's or writer's
	 * (acquire) load that sees the flag clear */
	atomic_store_explicit(&l->writer, 0, memory_order_release);
}

/* A reader that met a writer: out of its slot if it was in (release:
 * the writer waits for exactly this store), wait with backoff until the
 * flag is clear, in again. While it waits it writes nothing, so the
 * writer's scans of its slot stay hits in the writer's cache. */
static __attribute__((noinline, unused)) void
rwmutex_slots_rlock_slow(struct rwmutex_slots *l, _Atomic uintptr_t *s,
			 uintptr_t me, int in)
{
	uint32_t delay = spin_pauses_ns(RWMUTEX_SLOTS_MIN_NS),
		 max = spin_pauses_ns(RWMUTEX_SLOTS_MAX_NS);
	unsigned spins = 0;
	for (;;) {
		if (in)
			atomic_store_explicit(s, me, memory_order_release);
		/* relaxed: a test only; the seq_cst load below decides */
		do
			rwmutex_slots_backoff(&delay, max, &spins);
		while (atomic_load_explicit(&l->writer, memory_order_relaxed));
		/* seq_cst store and load: the Dekker pair again */
		atomic_store(s, me | RWMUTEX_SLOTS_IN);
		if (!atomic_load(&l->writer))
			return;
		in = 1;
	}
}

static inline void rwmutex_slots_rlock(struct rwmutex_slots *l)
{
	uintptr_t me = rwmutex_thread_token();
	_Atomic uintptr_t *s = rwmutex_slots_mine(l, me, 1);
	if (!s) {
		rwmutex_slots_lock(l); /* no slot left: read exclusively */
		return;
	}
	/* relaxed: a test that keeps a reader from dirtying its slot while
	 * a writer holds the flag. Then the seq_cst store and seq_cst load:
	 * the reader half of the Dekker pair; the load of 0 also acquires
	 * the last writer's unlock. */
	if (atomic_load_explicit(&l->writer, memory_order_relaxed)) {
		rwmutex_slots_rlock_slow(l, s, me, 0);
		return;
	}
	atomic_store(s, me | RWMUTEX_SLOTS_IN);
	if (atomic_load(&l->writer))
		rwmutex_slots_rlock_slow(l, s, me, 1);
}

static inline void rwmutex_slots_runlock(struct rwmutex_slots *l)
{
	uintptr_t me = rwmutex_thread_token();
	_Atomic uintptr_t *s = rwmutex_slots_mine(l, me, 0);
	if (!s) {
		rwmutex_slots_unlock(l);
		return;
	}
	/* release: the section's loads precede a writer's scan that sees
	 * the bit clear */
	atomic_store_explicit(s, me, memory_order_release);
}

#endif
