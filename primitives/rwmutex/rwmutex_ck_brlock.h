/* RWMutex as Concurrency Kit's ck_brlock (ck_brlock.h, Samy Al Bahra), the
 * library reference for a "big reader" lock: each reader owns a registered
 * record (its own flag), a writer sets the writer flag and waits for every
 * registered reader's flag to drop. Reads touch only the reader's own
 * record and read the writer flag: they scale; writes cost a walk of all
 * readers. Writer-preferring (readers back off while the flag is set);
 * nobody sleeps.
 *
 * ck wants each reader thread to register a record once. To keep the
 * family's contract (no per-thread handle), the lock owns a table of
 * RWMUTEX_CK_BRLOCK_SLOTS records, one cache line each, all registered at
 * init (so ck's reader list is never written once the lock is shared, and
 * a writer always walks all of them); a thread finds its record by hashing
 * its token (pthread_self) and probing linearly, and claims the first free
 * record the first time it reads.
 * Invariants: a record's owner changes only 0 -> token (a record is never
 * released before destroy, so a thread's record always lies before the
 * first free one on its probe path); a thread that finds the table full
 * reads under the write lock instead (correct, just exclusive), and its
 * runlock, finding no record either, releases the write lock. A thread
 * that exits leaves its record registered and idle; a later thread with
 * the same descriptor address (glibc reuses them) takes it over.
 *
 * TSan: ck's atomics are inline assembly; the lock's edges are declared
 * with TSAN_ACQUIRE/TSAN_RELEASE as in rwmutex_ck_rwlock.h. */
#ifndef CONTEND_RWMUTEX_CK_BRLOCK_H
#define CONTEND_RWMUTEX_CK_BRLOCK_H

#include <ck_brlock.h>
#include <stdatomic.h>
#include <stdint.h>

#include "cacheline.h"
#include "rwmutex.h"
#include "rwmutex_wait.h"
#include "tsan_annotate.h"

#define RWMUTEX_CK_BRLOCK_BITS	6
#define RWMUTEX_CK_BRLOCK_SLOTS (1u << RWMUTEX_CK_BRLOCK_BITS)

struct rwmutex_ck_brlock_slot {
	_Alignas(CACHE_LINE) _Atomic uintptr_t owner;
	struct ck_brlock_reader r;
};

struct rwmutex_ck_brlock {
	_Alignas(CACHE_LINE) ck_brlock_t l;
	struct rwmutex_ck_brlock_slot slots[RWMUTEX_CK_BRLOCK_SLOTS];
};

static inline int rwmutex_ck_brlock_init(struct rwmutex_ck_brlock *l)
{
	ck_brlock_init(&l->l);
	for (unsigned i = 0; i < RWMUTEX_CK_BRLOCK_SLOTS; i++) {
		atomic_init(&l->slots[i].owner, 0);
		ck_brlock_read_register(&l->l, &l->slots[i].r);
	}
	return 0;
}

static inline void rwmutex_ck_brlock_destroy(struct rwmutex_ck_brlock *l)
{
	(void)l;
}

/* This thread's record, claimed when claim is set; NULL if
 * it has none (and, with claim, if the table is full). Acquire on the
 * owner load: a record claimed by this thread was written by it anyway;
 * the CAS is acq_rel only to keep claims totally ordered per slot. */
static inline struct ck_brlock_reader *
rwmutex_ck_brlock_record(struct rwmutex_ck_brlock *l, int claim)
{
	uintptr_t me = rwmutex_thread_token();
	unsigned h = rwmutex_slot_hash(me, RWMUTEX_CK_BRLOCK_BITS);
	for (unsigned p = 0; p < RWMUTEX_CK_BRLOCK_SLOTS; p++) {
		struct rwmutex_ck_brlock_slot *s =
			&l->slots[(h + p) & (RWMUTEX_CK_BRLOCK_SLOTS - 1)];
		uintptr_t o =
			atomic_load_explicit(&s->owner, memory_order_acquire);
		if (o == me)
			return &s->r;
		if (o != 0)
			continue;
		if (!claim)
			return NULL; /* mine would lie before a free one */
		if (atomic_compare_exchange_strong_explicit(
			    &s->owner, &o, me, memory_order_acq_rel,
			    memory_order_acquire))
			return &s->r;
	}
	return NULL;
}

static inline void rwmutex_ck_brlock_rlock(struct rwmutex_ck_brlock *l)
{
	struct ck_brlock_reader *r = rwmutex_ck_brlock_record(l, 1);
	if (r)
		ck_brlock_read_lock(&l->l, r);
	else
		ck_brlock_write_lock(&l->l);
	TSAN_ACQUIRE(&l->l);
}

static inline void rwmutex_ck_brlock_runlock(struct rwmutex_ck_brlock *l)
{
	struct ck_brlock_reader *r = rwmutex_ck_brlock_record(l, 0);
	TSAN_RELEASE(&l->l);
	if (r)
		ck_brlock_read_unlock(r);
	else
		ck_brlock_write_unlock(&l->l);
}

static inline void rwmutex_ck_brlock_lock(struct rwmutex_ck_brlock *l)
{
	ck_brlock_write_lock(&l->l);
	TSAN_ACQUIRE(&l->l);
}

static inline void rwmutex_ck_brlock_unlock(struct rwmutex_ck_brlock *l)
{
	TSAN_RELEASE(&l->l);
	ck_brlock_write_unlock(&l->l);
}

#endif
