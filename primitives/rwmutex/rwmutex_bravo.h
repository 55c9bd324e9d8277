/* RWMutex as BRAVO (Dice & Kogan, "BRAVO: Biased Locking for Reader-Writer
 * Locks", USENIX ATC 2019) over the Go-style lock of rwmutex_goish.h.
 *
 * While the lock is read-biased (rbias == 1), a reader does not touch the
 * underlying lock: it publishes itself by CASing its thread token into a
 * slot of the lock's visible-readers table (64 slots, one cache line each,
 * the slot found by hashing the thread token, with a short linear probe),
 * then re-reads rbias; still set, it is in. Two readers on different slots
 * write different lines, so a read-only workload moves no shared line: the
 * only shared line they touch (rbias) stays in every core's cache, read
 * only. A reader that finds no free slot, or finds the bias off, takes the
 * underlying lock for reading (the slow path).
 *
 * A writer takes the underlying lock for writing (which waits for slow
 * readers), and if the lock is biased, revokes the bias (rbias = 0) and
 * waits until every slot is empty (fast readers drain). Revocation costs a
 * scan of the table, so bias is re-enabled only by a slow reader and only
 * after inhibit_until: N = 9 times the last revocation's duration after it
 * (the paper's policy, bounding revocation to 1/(N+1) of the time).
 *
 * Invariants:
 * - a slot holds 0 or the token of the one thread that reads through it;
 * - rbias changes 1 -> 0 only under the underlying write lock and 0 -> 1
 *   only under the underlying read lock, so a writer inside sees rbias 0
 *   and all slots empty for as long as it holds the lock;
 * - a fast reader is inside only if its slot store precedes (in the seq_cst
 *   order) its load of rbias == 1; the writer's store rbias = 0 precedes
 *   its slot loads: so either the reader sees 0 and backs out, or the
 *   writer sees the slot and waits (Dekker).
 * Writers are never starved: the underlying goish lock queues new slow
 * readers behind a pending writer, and fast readers stop at revocation.
 * Per-thread state: none beyond the token (pthread_self); a thread must not
 * hold the same lock for reading twice (as Go's RLock).
 *
 * Orderings. The revocation's Dekker pair is the only store->load pair,
 * seq_cst on both sides: a fast reader's slot CAS before its load of
 * rbias (x86 lock cmpxchg, a full barrier; AArch64 casal, or ldaxr/stlxr,
 * then ldar, kept in order by RCsc), the writer's store rbias = 0 before
 * its slot loads (x86 xchg or mov+mfence; AArch64 stlr then ldar); C11:
 * one total order S, so the reader sees 0 or the writer sees the slot. A
 * reader that reads a 1 later than the writer's 0 read one a slow reader
 * stored under the read lock, which the writer's unlock precedes.
 * Release/acquire pairs: a slow reader's store of 1 with a fast reader's
 * load of 1 (the last writer's section, which that slow rlock acquired,
 * precedes the fast reader's); a fast reader's store of 0 (runlock, or
 * backing out) with the writer's scan load (its section precedes the
 * writer's); the underlying lock orders writers and slow readers. Relaxed:
 * the first rbias load and the probe's slot loads are hints (the CAS and
 * the seq_cst load decide); runlock's probe looks for its own token, which
 * only this thread stores; rbias and inhibit_until under the underlying
 * lock, whose acquire orders every earlier store of them before the load.
 * So a writer that loads rbias 0 there has no fast reader to wait for:
 * a 1 stored since the last revocation would be visible to it, and a
 * reader that read an older 1 did so before that revocation, which waited
 * for it. */
#ifndef CONTEND_RWMUTEX_BRAVO_H
#define CONTEND_RWMUTEX_BRAVO_H

#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include "cacheline.h"
#include "clock.h"
#include "rwmutex.h"
#include "rwmutex_goish.h"
#include "rwmutex_wait.h"

#define RWMUTEX_BRAVO_BITS    6
#define RWMUTEX_BRAVO_SLOTS   (1u << RWMUTEX_BRAVO_BITS)
#define RWMUTEX_BRAVO_PROBE   4
#define RWMUTEX_BRAVO_INHIBIT 9
/* A revoking writer waits for each reader in its slot by spinning this
 * long, then yields at every look (the reader was preempted). */
#define RWMUTEX_BRAVO_REVOKE_SPIN_NS 24000

struct rwmutex_bravo_slot {
	_Alignas(CACHE_LINE) _Atomic uintptr_t owner;
};

struct rwmutex_bravo {
	_Alignas(CACHE_LINE) _Atomic uint32_t rbias;
	_Atomic uint64_t inhibit_until; /* in rwmutex_bravo_now() ticks */
	_Alignas(CACHE_LINE) struct rwmutex_goish under;
	struct rwmutex_bravo_slot slots[RWMUTEX_BRAVO_SLOTS];
};

/* A cheap clock for the inhibition policy (only its differences matter). */
static inline uint64_t rwmutex_bravo_now(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __rdtsc();
#else
	return clock_mono_ns();
#endif
}

static inline int rwmutex_bravo_init(struct rwmutex_bravo *l)
{
	atomic_init(&l->rbias, 1);
	atomic_init(&l->inhibit_until, 0);
	for (unsigned i = 0; i < RWMUTEX_BRAVO_SLOTS; i++)
		atomic_init(&l->slots[i].owner, 0);
	return rwmutex_goish_init(&l->under);
}

static inline void rwmutex_bravo_destroy(struct rwmutex_bravo *l)
{
	rwmutex_goish_destroy(&l->under);
}

static inline _Atomic uintptr_t *rwmutex_bravo_slot(struct rwmutex_bravo *l,
						    unsigned h, unsigned p)
{
	return &l->slots[(h + p) & (RWMUTEX_BRAVO_SLOTS - 1)].owner;
}

static inline void rwmutex_bravo_rlock(struct rwmutex_bravo *l)
{
	/* relaxed: a hint; the decision is the seq_cst load below */
	if (atomic_load_explicit(&l->rbias, memory_order_relaxed)) {
		uintptr_t me = rwmutex_thread_token();
		unsigned h = rwmutex_slot_hash(me, RWMUTEX_BRAVO_BITS);
		for (unsigned p = 0; p < RWMUTEX_BRAVO_PROBE; p++) {
			_Atomic uintptr_t *s = rwmutex_bravo_slot(l, h, p);
			uintptr_t free = 0;
			if (atomic_load_explicit(s, memory_order_relaxed) != 0)
				continue;
			/* seq_cst CAS then seq_cst load: the Dekker pair with
			 * the writer's revocation (header comment). The load
			 * of 1 also acquires the store of 1 made under the
			 * read lock, after the last writer's unlock, so the
			 * reader sees that writer's writes. */
			if (!atomic_compare_exchange_strong(s, &free, me))
				continue;
			if (atomic_load(&l->rbias))
				return;
			/* revoked meanwhile: leave (release pairs with the
			 * writer's scan, nothing was read yet anyway) */
			atomic_store_explicit(s, 0, memory_order_release);
			break;
		}
	}
	rwmutex_goish_rlock(&l->under);
	/* relaxed: a writer changes both only under the write lock, which
	 * this reader's rlock ordered before it; concurrent slow readers
	 * only store 1. Setting 1 is seq_cst: fast readers acquire it. */
	if (!atomic_load_explicit(&l->rbias, memory_order_relaxed) &&
	    rwmutex_bravo_now() >= atomic_load_explicit(&l->inhibit_until,
							memory_order_relaxed))
		atomic_store(&l->rbias, 1);
}

static inline void rwmutex_bravo_runlock(struct rwmutex_bravo *l)
{
	uintptr_t me = rwmutex_thread_token();
	unsigned h = rwmutex_slot_hash(me, RWMUTEX_BRAVO_BITS);
	for (unsigned p = 0; p < RWMUTEX_BRAVO_PROBE; p++) {
		_Atomic uintptr_t *s = rwmutex_bravo_slot(l, h, p);
		/* relaxed: only this thread ever stores its own token */
		if (atomic_load_explicit(s, memory_order_relaxed) == me) {
			/* release: the section's reads precede the writer's
			 * acquire load that sees the slot empty */
			atomic_store_explicit(s, 0, memory_order_release);
			return;
		}
	}
	rwmutex_goish_runlock(&l->under);
}

static inline void rwmutex_bravo_lock(struct rwmutex_bravo *l)
{
	rwmutex_goish_lock(&l->under);
	/* relaxed: ordered by the write lock (see rlock) */
	if (atomic_load_explicit(&l->rbias, memory_order_relaxed)) {
		uint64_t start = rwmutex_bravo_now(), end;
		uint32_t spin = spin_pauses_ns(RWMUTEX_BRAVO_REVOKE_SPIN_NS);
		atomic_store(&l->rbias, 0); /* seq_cst: Dekker with readers */
		for (unsigned i = 0; i < RWMUTEX_BRAVO_SLOTS; i++) {
			uint32_t spins = 0;
			/* seq_cst (hence acquire): after the rbias store;
			 * pairs with the reader's release in runlock */
			while (atomic_load(&l->slots[i].owner) != 0) {
				if (++spins < spin)
					spin_pause();
				else
					sched_yield(); /* reader preempted */
			}
		}
		end = rwmutex_bravo_now();
		/* relaxed: a policy value, read by slow readers under the
		 * read lock, which our unlock orders after this */
		atomic_store_explicit(&l->inhibit_until,
				      end + (end - start) *
						      RWMUTEX_BRAVO_INHIBIT,
				      memory_order_relaxed);
	}
}

static inline void rwmutex_bravo_unlock(struct rwmutex_bravo *l)
{
	rwmutex_goish_unlock(&l->under);
}

#endif
