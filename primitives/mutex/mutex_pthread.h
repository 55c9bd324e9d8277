/* Mutex as glibc's pthread_mutex_t (default type): a futex lock that spins
 * not at all before sleeping in the kernel. The system's reference. */
#ifndef CONTEND_MUTEX_PTHREAD_H
#define CONTEND_MUTEX_PTHREAD_H

#include <pthread.h>

#include "mutex.h"

struct mutex_pthread {
	pthread_mutex_t m;
};

static inline int mutex_pthread_init(struct mutex_pthread *m)
{
	return pthread_mutex_init(&m->m, NULL) == 0 ? 0 : -1;
}

static inline void mutex_pthread_destroy(struct mutex_pthread *m)
{
	pthread_mutex_destroy(&m->m);
}

static inline void mutex_pthread_lock(struct mutex_pthread *m)
{
	pthread_mutex_lock(&m->m);
}

static inline void mutex_pthread_unlock(struct mutex_pthread *m)
{
	pthread_mutex_unlock(&m->m);
}

#endif
