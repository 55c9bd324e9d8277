/* RWMutex as glibc's pthread_rwlock_t of kind
 * PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP: once a writer waits, new
 * readers queue behind it, so a stream of readers cannot starve a writer
 * (the default kind, rwmutex_pthread.h, lets them). Invariants are glibc's
 * (nptl/pthread_rwlock_common.c): one word holds the reader count, the
 * write phase and the waiting flags, so readers still share one cache
 * line. Source: glibc, pthread_rwlockattr_setkind_np(3). */
#ifndef CONTEND_RWMUTEX_PTHREAD_WPREF_H
#define CONTEND_RWMUTEX_PTHREAD_WPREF_H

#include <pthread.h>

#include "rwmutex.h"

struct rwmutex_pthread_wpref {
	pthread_rwlock_t l;
};

static inline int rwmutex_pthread_wpref_init(struct rwmutex_pthread_wpref *l)
{
	pthread_rwlockattr_t a;
	int rc;
	if (pthread_rwlockattr_init(&a) != 0)
		return -1;
	rc = pthread_rwlockattr_setkind_np(
		&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	if (rc == 0)
		rc = pthread_rwlock_init(&l->l, &a);
	pthread_rwlockattr_destroy(&a);
	return rc == 0 ? 0 : -1;
}

static inline void
rwmutex_pthread_wpref_destroy(struct rwmutex_pthread_wpref *l)
{
	pthread_rwlock_destroy(&l->l);
}

static inline void rwmutex_pthread_wpref_rlock(struct rwmutex_pthread_wpref *l)
{
	pthread_rwlock_rdlock(&l->l);
}

static inline void
rwmutex_pthread_wpref_runlock(struct rwmutex_pthread_wpref *l)
{
	pthread_rwlock_unlock(&l->l);
}

static inline void rwmutex_pthread_wpref_lock(struct rwmutex_pthread_wpref *l)
{
	pthread_rwlock_wrlock(&l->l);
}

static inline void rwmutex_pthread_wpref_unlock(struct rwmutex_pthread_wpref *l)
{
	pthread_rwlock_unlock(&l->l);
}

#endif
