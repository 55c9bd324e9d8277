#include "atomic_value_urcu.h"

#include <stdlib.h>
#include <string.h>

int atomic_value_urcu_init(struct atomic_value_urcu *v, void *initial,
			   size_t size, void (*free_fn)(void *))
{
	memset(v, 0, sizeof(*v));
	atomic_init(&v->p, initial);
	v->free_fn = free_fn;
	v->size = size; /* for the cache only: the value stays where it is */
	return 0;
}

struct atomic_value_urcu_thread *
atomic_value_urcu_thread_new(struct atomic_value_urcu *v)
{
	struct atomic_value_urcu_thread *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	atomic_value_cache_init(&t->cache, v->size);
	urcu_memb_register_thread();
	return t;
}

static void flush(struct atomic_value_urcu *v,
		  struct atomic_value_urcu_thread *t)
{
	if (!t->nretired)
		return;
	atomic_value_stats_retire(&v->stats, t->nretired);
	atomic_value_cache_batch(&t->cache, t->nretired);
	urcu_memb_synchronize_rcu(); /* every reader of the batch has left */
	TSAN_ACQUIRE(&v->gp);
	for (size_t i = 0; i < t->nretired; i++)
		atomic_value_cache_put(&t->cache, t->retired[i], v->free_fn);
	atomic_value_stats_freed(&v->stats, t->nretired);
	t->nretired = 0;
}

void atomic_value_urcu_publish(struct atomic_value_urcu *v,
			       struct atomic_value_urcu_thread *t, void *next)
{
	void *old = atomic_exchange_explicit(&v->p, next, memory_order_acq_rel);
	atomic_value_cache_replaced(&t->cache, old, next);
	if (t->nretired == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : ATOMIC_VALUE_URCU_BATCH;
		void **r = realloc(t->retired, cap * sizeof(*r));
		if (!r) {
			flush(v, t);
		} else {
			t->retired = r;
			t->cap = cap;
		}
	}
	if (t->nretired == t->cap) { /* still no room: wait it out alone */
		urcu_memb_synchronize_rcu();
		TSAN_ACQUIRE(&v->gp);
		v->free_fn(old);
		return;
	}
	t->retired[t->nretired++] = old;
	if (t->nretired >= ATOMIC_VALUE_URCU_BATCH)
		flush(v, t);
}

void atomic_value_urcu_thread_done(struct atomic_value_urcu *v,
				   struct atomic_value_urcu_thread *t)
{
	urcu_memb_unregister_thread();
	flush(v, t);
	atomic_value_cache_drain(&t->cache, v->free_fn);
	free(t->retired);
	free(t);
}

void atomic_value_urcu_destroy(struct atomic_value_urcu *v)
{
	v->free_fn(atomic_load_explicit(&v->p, memory_order_relaxed));
}

size_t atomic_value_urcu_retired_peak(struct atomic_value_urcu *v)
{
	return atomic_load_explicit(&v->stats.peak, memory_order_relaxed);
}
