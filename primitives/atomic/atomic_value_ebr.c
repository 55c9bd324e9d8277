#include "atomic_value_ebr.h"

#include <stdlib.h>
#include <string.h>

int atomic_value_ebr_init(struct atomic_value_ebr *v, void *initial,
			  size_t size, void (*free_fn)(void *))
{
	(void)size; /* pointer schemes: the value stays where it is */
	memset(v, 0, sizeof(*v));
	atomic_init(&v->p, initial);
	atomic_init(&v->epoch, 2); /* tags minus 2 never underflow */
	v->free_fn = free_fn;
	v->asym = asym_fence_init();
	return thread_registry_init(&v->threads);
}

struct atomic_value_ebr_thread *
atomic_value_ebr_thread_new(struct atomic_value_ebr *v)
{
	struct atomic_value_ebr_thread *t = aligned_alloc(64, sizeof(*t));
	if (!t)
		return NULL;
	memset(t, 0, sizeof(*t));
	thread_registry_push(&v->threads, &t->node);
	return t;
}

/* 1 when every thread in a read section announced epoch e. */
static int all_in(struct atomic_value_ebr *v, uint64_t e)
{
	struct thread_registry_node *n = thread_registry_first(&v->threads);
	for (; n; n = n->next) {
		struct atomic_value_ebr_thread *t = thread_registry_entry(
			n, struct atomic_value_ebr_thread, node);
		uint64_t s =
			atomic_load_explicit(&t->state, memory_order_acquire);
		if ((s & 1) && (s >> 1) != e)
			return 0;
	}
	return 1;
}

static void reclaim(struct atomic_value_ebr *v,
		    struct atomic_value_ebr_thread *t)
{
	uint64_t e;
	size_t kept = 0;
	/* every reader's announcement (and its loads) ordered before the
	 * scan: the other half of asym_fence_light */
	asym_fence_heavy(v->asym);
	SCHED_POINT(ebr_reclaim_fenced);
	e = atomic_load_explicit(&v->epoch, memory_order_acquire);
	if (all_in(v, e))
		atomic_compare_exchange_strong_explicit(&v->epoch, &e, e + 1,
							memory_order_acq_rel,
							memory_order_acquire);
	e = atomic_load_explicit(&v->epoch, memory_order_acquire);
	for (size_t i = 0; i < t->nretired; i++) {
		if (t->retired[i].epoch + 2 <= e)
			v->free_fn(t->retired[i].p);
		else
			t->retired[kept++] = t->retired[i];
	}
	atomic_value_stats_freed(&v->stats, t->nretired - kept);
	t->nretired = kept;
}

void atomic_value_ebr_publish(struct atomic_value_ebr *v,
			      struct atomic_value_ebr_thread *t, void *next)
{
	void *old = atomic_exchange_explicit(&v->p, next, memory_order_acq_rel);
	if (t->nretired == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 2 * ATOMIC_VALUE_EBR_BATCH;
		struct ebr_retired *r = realloc(t->retired, cap * sizeof(*r));
		if (!r) { /* no room to defer: wait the value out instead */
			reclaim(v, t);
			while (t->nretired == t->cap) {
				reclaim(v, t);
			}
		} else {
			t->retired = r;
			t->cap = cap;
		}
	}
	/* tagged after the unlink: readers that can hold it announced <= tag */
	t->retired[t->nretired].p = old;
	t->retired[t->nretired++].epoch =
		atomic_load_explicit(&v->epoch, memory_order_acquire);
	atomic_value_stats_retire(&v->stats, 1);
	if (t->nretired % ATOMIC_VALUE_EBR_BATCH == 0)
		reclaim(v, t);
}

void atomic_value_ebr_thread_done(struct atomic_value_ebr *v,
				  struct atomic_value_ebr_thread *t)
{
	reclaim(v, t);
	if (thread_registry_adopt(&v->threads, t->retired, t->nretired,
				  sizeof(*t->retired)) == 0)
		t->nretired = 0;
	/* the record stays linked (publishers may be walking it) until destroy;
	 * leftovers that found no room stay with it */
	atomic_store_explicit(&t->state, 0, memory_order_release);
}

void atomic_value_ebr_destroy(struct atomic_value_ebr *v)
{
	struct thread_registry_node *n = thread_registry_first(&v->threads);
	struct ebr_retired *orphans = v->threads.orphans;
	while (n) {
		struct thread_registry_node *next = n->next;
		struct atomic_value_ebr_thread *t = thread_registry_entry(
			n, struct atomic_value_ebr_thread, node);
		for (size_t i = 0; i < t->nretired; i++)
			v->free_fn(t->retired[i].p);
		free(t->retired);
		free(t);
		n = next;
	}
	for (size_t i = 0; i < v->threads.norphans; i++)
		v->free_fn(orphans[i].p);
	v->free_fn(atomic_load_explicit(&v->p, memory_order_relaxed));
	thread_registry_destroy(&v->threads);
}

size_t atomic_value_ebr_retired_peak(struct atomic_value_ebr *v)
{
	return atomic_load_explicit(&v->stats.peak, memory_order_relaxed);
}
