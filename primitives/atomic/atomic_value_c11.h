/* Atomic value as one C11 atomic pointer: the floor of the family.
 *
 * read_begin is an acquire load, so the value's fields are visible once the
 * pointer is; publish and swap are acq_rel exchanges: release publishes the
 * new value's fields, acquire hands the caller the value it replaced.
 *
 * Reclamation: none. publish parks every replaced value until destroy (it
 * cannot know when readers are done), so memory grows by one value per
 * publication: fine for a few, not for a workload that publishes millions.
 * swap hands the replaced value back to the caller, who may reuse it only
 * where no reader exists (the swap workload has none): the cost of the
 * exchange alone, the floor the safe schemes are measured against.
 */
#ifndef CONTEND_ATOMIC_VALUE_C11_H
#define CONTEND_ATOMIC_VALUE_C11_H

#include <stdatomic.h>
#include <stdlib.h>

#include "cacheline.h"
#include "atomic_value.h"

struct atomic_value_c11_thread {
	void **parked;
	size_t nparked, cap;
};

struct atomic_value_c11 {
	_Alignas(CACHE_LINE) _Atomic(void *) p;
	void (*free_fn)(void *);
	struct atomic_value_stats stats;
};

static inline int atomic_value_c11_init(struct atomic_value_c11 *v,
					void *initial, size_t size,
					void (*free_fn)(void *))
{
	(void)size; /* pointer schemes: the value stays where it is */
	atomic_init(&v->p, initial);
	v->free_fn = free_fn;
	atomic_init(&v->stats.retired, 0);
	atomic_init(&v->stats.peak, 0);
	return 0;
}

static inline void atomic_value_c11_destroy(struct atomic_value_c11 *v)
{
	v->free_fn(atomic_load_explicit(&v->p, memory_order_relaxed));
}

static inline struct atomic_value_c11_thread *
atomic_value_c11_thread_new(struct atomic_value_c11 *v)
{
	(void)v;
	return calloc(1, sizeof(struct atomic_value_c11_thread));
}

/* Parked values are freed when their thread is done: by then (in this
 * suite) every reader is done too. */
static inline void
atomic_value_c11_thread_done(struct atomic_value_c11 *v,
			     struct atomic_value_c11_thread *t)
{
	for (size_t i = 0; i < t->nparked; i++)
		v->free_fn(t->parked[i]);
	atomic_value_stats_freed(&v->stats, t->nparked);
	free(t->parked);
	free(t);
}

static inline const void *
atomic_value_c11_read_begin(struct atomic_value_c11 *v,
			    struct atomic_value_c11_thread *t)
{
	(void)t;
	return atomic_load_explicit(&v->p, memory_order_acquire);
}

static inline void atomic_value_c11_read_end(struct atomic_value_c11 *v,
					     struct atomic_value_c11_thread *t)
{
	(void)v;
	(void)t;
}

static inline void *atomic_value_c11_swap(struct atomic_value_c11 *v,
					  void *next)
{
	return atomic_exchange_explicit(&v->p, next, memory_order_acq_rel);
}

static inline void atomic_value_c11_publish(struct atomic_value_c11 *v,
					    struct atomic_value_c11_thread *t,
					    void *next)
{
	void *old = atomic_value_c11_swap(v, next);
	if (t->nparked == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		void **p = realloc(t->parked, cap * sizeof(*p));
		if (!p)
			return; /* cannot park: leak rather than free unsafely
				 */
		t->parked = p;
		t->cap = cap;
	}
	t->parked[t->nparked++] = old;
	atomic_value_stats_retire(&v->stats, 1);
}

static inline size_t atomic_value_c11_retired_peak(struct atomic_value_c11 *v)
{
	return atomic_load_explicit(&v->stats.peak, memory_order_relaxed);
}

/* Nothing to give back: never frees a replaced value. */
static inline void *atomic_value_c11_alloc(struct atomic_value_c11 *v,
					   struct atomic_value_c11_thread *t)
{
	(void)v;
	(void)t;
	return NULL;
}

#endif
