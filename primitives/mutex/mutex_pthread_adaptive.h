/* Mutex as glibc's PTHREAD_MUTEX_ADAPTIVE_NP: the same futex lock as the
 * default type, but a contended lock first spins (trylock in a loop, up to
 * glibc's tunable glibc.pthread.mutex_spin_count, 100 by default, adjusted
 * by an average of past spins) before it sleeps in the kernel.
 * Invariants are glibc's; see nptl/pthread_mutex_lock.c. */
#ifndef CONTEND_MUTEX_PTHREAD_ADAPTIVE_H
#define CONTEND_MUTEX_PTHREAD_ADAPTIVE_H

#include <errno.h>
#include <pthread.h>

#include "mutex.h"

struct mutex_pthread_adaptive {
	pthread_mutex_t m;
};

static inline int mutex_pthread_adaptive_init(struct mutex_pthread_adaptive *m)
{
	pthread_mutexattr_t a;
	int rc;
	if (pthread_mutexattr_init(&a) != 0)
		return -1;
	rc = pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ADAPTIVE_NP);
	if (rc == 0)
		rc = pthread_mutex_init(&m->m, &a);
	pthread_mutexattr_destroy(&a);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	return 0;
}

static inline void
mutex_pthread_adaptive_destroy(struct mutex_pthread_adaptive *m)
{
	pthread_mutex_destroy(&m->m);
}

static inline void mutex_pthread_adaptive_lock(struct mutex_pthread_adaptive *m)
{
	pthread_mutex_lock(&m->m);
}

static inline void
mutex_pthread_adaptive_unlock(struct mutex_pthread_adaptive *m)
{
	pthread_mutex_unlock(&m->m);
}

#endif
