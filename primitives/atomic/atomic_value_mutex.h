/* Atomic value as a pointer guarded by a pthread mutex: the naive baseline.
 *
 * A reader holds the mutex for its whole read section, so a publisher that
 * took the mutex to swap the pointer knows no reader holds the old value:
 * it frees it at once. Reclamation is immediate and retired memory zero;
 * the price is that every read takes and releases the lock (two locked
 * instructions and the lock's cache line moving between readers), and a
 * reader that stalls blocks every reader and publisher.
 */
#ifndef CONTEND_ATOMIC_VALUE_MUTEX_H
#define CONTEND_ATOMIC_VALUE_MUTEX_H

#include <pthread.h>
#include <stdlib.h>

#include "cacheline.h"
#include "atomic_value.h"

struct atomic_value_mutex_thread {
	char unused;
};

struct atomic_value_mutex {
	_Alignas(CACHE_LINE) pthread_mutex_t mu;
	void *p;
	void (*free_fn)(void *);
	struct atomic_value_stats stats; /* stays zero: nothing waits */
};

static inline int atomic_value_mutex_init(struct atomic_value_mutex *v,
					  void *initial, size_t size,
					  void (*free_fn)(void *))
{
	(void)size; /* pointer schemes: the value stays where it is */
	v->p = initial;
	v->free_fn = free_fn;
	atomic_init(&v->stats.retired, 0);
	atomic_init(&v->stats.peak, 0);
	return pthread_mutex_init(&v->mu, NULL) == 0 ? 0 : -1;
}

static inline void atomic_value_mutex_destroy(struct atomic_value_mutex *v)
{
	v->free_fn(v->p);
	pthread_mutex_destroy(&v->mu);
}

static inline struct atomic_value_mutex_thread *
atomic_value_mutex_thread_new(struct atomic_value_mutex *v)
{
	(void)v;
	return calloc(1, sizeof(struct atomic_value_mutex_thread));
}

static inline void
atomic_value_mutex_thread_done(struct atomic_value_mutex *v,
			       struct atomic_value_mutex_thread *t)
{
	(void)v;
	free(t);
}

static inline const void *
atomic_value_mutex_read_begin(struct atomic_value_mutex *v,
			      struct atomic_value_mutex_thread *t)
{
	(void)t;
	pthread_mutex_lock(&v->mu);
	return v->p;
}

static inline void
atomic_value_mutex_read_end(struct atomic_value_mutex *v,
			    struct atomic_value_mutex_thread *t)
{
	(void)t;
	pthread_mutex_unlock(&v->mu);
}

static inline void
atomic_value_mutex_publish(struct atomic_value_mutex *v,
			   struct atomic_value_mutex_thread *t, void *next)
{
	void *old;
	(void)t;
	pthread_mutex_lock(&v->mu);
	old = v->p;
	v->p = next;
	pthread_mutex_unlock(&v->mu);
	v->free_fn(old); /* no reader holds it: they hold the mutex */
}

static inline size_t
atomic_value_mutex_retired_peak(struct atomic_value_mutex *v)
{
	(void)v;
	return 0;
}

/* Nothing to give back: frees a replaced value at once, into the allocator's
 * own thread cache. */
static inline void *
atomic_value_mutex_alloc(struct atomic_value_mutex *v,
			 struct atomic_value_mutex_thread *t)
{
	(void)v;
	(void)t;
	return NULL;
}

#endif
