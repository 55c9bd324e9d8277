/* Atomic value as a pointer guarded by a pthread mutex: the naive baseline.
 *
 * The mutex orders every load and swap; a reader holds it only to copy the
 * pointer, then reads the (immutable) value outside the lock.
 *
 * Reclamation: as for c11, replaced values are parked and handed back; the
 * lock alone does not tell a writer when readers are done with a value.
 */
#ifndef CONTEND_ATOMIC_VALUE_MUTEX_H
#define CONTEND_ATOMIC_VALUE_MUTEX_H

#include <pthread.h>

#include "atomic_value.h"

struct atomic_value_mutex {
	pthread_mutex_t mu;
	void *p;
};

static inline int atomic_value_mutex_init(struct atomic_value_mutex *v,
					  void *initial)
{
	v->p = initial;
	return pthread_mutex_init(&v->mu, NULL) == 0 ? 0 : -1;
}

static inline void atomic_value_mutex_destroy(struct atomic_value_mutex *v)
{
	pthread_mutex_destroy(&v->mu);
}

static inline void *atomic_value_mutex_load(struct atomic_value_mutex *v)
{
	pthread_mutex_lock(&v->mu);
	void *p = v->p;
	pthread_mutex_unlock(&v->mu);
	return p;
}

static inline void *atomic_value_mutex_swap(struct atomic_value_mutex *v,
					    void *next)
{
	pthread_mutex_lock(&v->mu);
	void *old = v->p;
	v->p = next;
	pthread_mutex_unlock(&v->mu);
	return old;
}

#endif
