/* RWMutex as glibc's pthread_rwlock_t with the default (reader-preferring)
 * kind: every reader increments one shared word, so concurrent reads still
 * move that cache line between cores. The system's reference. */
#ifndef CONTEND_RWMUTEX_PTHREAD_H
#define CONTEND_RWMUTEX_PTHREAD_H

#include <pthread.h>

#include "rwmutex.h"

struct rwmutex_pthread {
	pthread_rwlock_t l;
};

static inline int rwmutex_pthread_init(struct rwmutex_pthread *l)
{
	return pthread_rwlock_init(&l->l, NULL) == 0 ? 0 : -1;
}

static inline void rwmutex_pthread_destroy(struct rwmutex_pthread *l)
{
	pthread_rwlock_destroy(&l->l);
}

static inline void rwmutex_pthread_rlock(struct rwmutex_pthread *l)
{
	pthread_rwlock_rdlock(&l->l);
}

static inline void rwmutex_pthread_runlock(struct rwmutex_pthread *l)
{
	pthread_rwlock_unlock(&l->l);
}

static inline void rwmutex_pthread_lock(struct rwmutex_pthread *l)
{
	pthread_rwlock_wrlock(&l->l);
}

static inline void rwmutex_pthread_unlock(struct rwmutex_pthread *l)
{
	pthread_rwlock_unlock(&l->l);
}

#endif
