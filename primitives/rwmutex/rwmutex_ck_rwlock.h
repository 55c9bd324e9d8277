/* RWMutex as Concurrency Kit's ck_rwlock (ck_rwlock.h, Samy Al Bahra),
 * the library reference for a centralized spin rwlock: a writer flag and a
 * reader count in one struct. A writer sets the flag, then waits for the
 * readers to drain; a reader increments the count, and backs out while the
 * flag is set. Writer-preferring; nobody sleeps; every read moves the
 * counter's cache line. Invariants are ck's (see its header).
 *
 * ck's atomics are inline assembly, which ThreadSanitizer does not see:
 * under TSan the edges the lock provides (a writer's unlock before the
 * next acquirer, a reader's unlock before the next writer) are declared
 * with TSAN_ACQUIRE/TSAN_RELEASE on the lock; they also order readers
 * among themselves, which can only hide races between two reads. */
#ifndef CONTEND_RWMUTEX_CK_RWLOCK_H
#define CONTEND_RWMUTEX_CK_RWLOCK_H

#include <ck_rwlock.h>

#include "rwmutex.h"
#include "tsan_annotate.h"

struct rwmutex_ck_rwlock {
	ck_rwlock_t l;
};

static inline int rwmutex_ck_rwlock_init(struct rwmutex_ck_rwlock *l)
{
	ck_rwlock_init(&l->l);
	return 0;
}

static inline void rwmutex_ck_rwlock_destroy(struct rwmutex_ck_rwlock *l)
{
	(void)l;
}

static inline void rwmutex_ck_rwlock_rlock(struct rwmutex_ck_rwlock *l)
{
	ck_rwlock_read_lock(&l->l);
	TSAN_ACQUIRE(&l->l);
}

static inline void rwmutex_ck_rwlock_runlock(struct rwmutex_ck_rwlock *l)
{
	TSAN_RELEASE(&l->l);
	ck_rwlock_read_unlock(&l->l);
}

static inline void rwmutex_ck_rwlock_lock(struct rwmutex_ck_rwlock *l)
{
	ck_rwlock_write_lock(&l->l);
	TSAN_ACQUIRE(&l->l);
}

static inline void rwmutex_ck_rwlock_unlock(struct rwmutex_ck_rwlock *l)
{
	TSAN_RELEASE(&l->l);
	ck_rwlock_write_unlock(&l->l);
}

#endif
