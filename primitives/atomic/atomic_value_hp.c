#include "atomic_value_hp.h"

#include <stdlib.h>
#include <string.h>

int atomic_value_hp_init(struct atomic_value_hp *v, void *initial, size_t size,
			 void (*free_fn)(void *))
{
	(void)size; /* pointer schemes: the value stays where it is */
	memset(v, 0, sizeof(*v));
	atomic_init(&v->p, initial);
	v->free_fn = free_fn;
	v->asym = asym_fence_init();
	return pthread_mutex_init(&v->lock, NULL) == 0 ? 0 : -1;
}

struct atomic_value_hp_thread *
atomic_value_hp_thread_new(struct atomic_value_hp *v)
{
	struct atomic_value_hp_thread *t = aligned_alloc(64, sizeof(*t));
	if (!t)
		return NULL;
	memset(t, 0, sizeof(*t));
	pthread_mutex_lock(&v->lock);
	t->next = atomic_load_explicit(&v->threads, memory_order_relaxed);
	/* release: scanners walking the list see an initialised record */
	atomic_store_explicit(&v->threads, t, memory_order_release);
	atomic_fetch_add_explicit(&v->nthreads, 1, memory_order_relaxed);
	pthread_mutex_unlock(&v->lock);
	return t;
}

static int cmp_ptr(const void *a, const void *b)
{
	const char *x = *(void *const *)a, *y = *(void *const *)b;
	return (x > y) - (x < y);
}

/* Frees every retired value no hazard slot holds. */
static void scan(struct atomic_value_hp *v, struct atomic_value_hp_thread *t)
{
	size_t n = 0, kept = 0;
	size_t cap = atomic_load_explicit(&v->nthreads, memory_order_relaxed);
	struct atomic_value_hp_thread *h;
	if (cap > t->scratch_cap) {
		void **s = realloc(t->scratch, cap * sizeof(*s));
		if (!s)
			return; /* try again at the next batch */
		t->scratch = s;
		t->scratch_cap = cap;
	}
	/* every reader's hazard store ordered before our reads of the slots:
	 * the other half of asym_fence_light */
	asym_fence_heavy(v->asym);
	for (h = atomic_load_explicit(&v->threads, memory_order_acquire);
	     h && n < t->scratch_cap; h = h->next) {
		void *p =
			atomic_load_explicit(&h->hazard, memory_order_acquire);
		if (p)
			t->scratch[n++] = p;
	}
	if (h)
		return; /* a thread joined mid-scan: its slot unread, free
			   nothing */
	qsort(t->scratch, n, sizeof(void *), cmp_ptr);
	for (size_t i = 0; i < t->nretired; i++) {
		if (n && bsearch(&t->retired[i], t->scratch, n, sizeof(void *),
				 cmp_ptr))
			t->retired[kept++] = t->retired[i];
		else
			v->free_fn(t->retired[i]);
	}
	atomic_value_stats_freed(&v->stats, t->nretired - kept);
	t->nretired = kept;
}

void atomic_value_hp_publish(struct atomic_value_hp *v,
			     struct atomic_value_hp_thread *t, void *next)
{
	void *old = atomic_exchange_explicit(&v->p, next, memory_order_acq_rel);
	while (t->nretired == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 2 * ATOMIC_VALUE_HP_BATCH;
		void **r = realloc(t->retired, cap * sizeof(*r));
		if (r) {
			t->retired = r;
			t->cap = cap;
		} else {
			scan(v, t); /* no room: free what can be freed now */
		}
	}
	t->retired[t->nretired++] = old;
	atomic_value_stats_retire(&v->stats, 1);
	if (t->nretired >=
	    ATOMIC_VALUE_HP_BATCH +
		    atomic_load_explicit(&v->nthreads, memory_order_relaxed))
		scan(v, t);
}

void atomic_value_hp_thread_done(struct atomic_value_hp *v,
				 struct atomic_value_hp_thread *t)
{
	atomic_store_explicit(&t->hazard, NULL, memory_order_release);
	scan(v, t);
	pthread_mutex_lock(&v->lock);
	if (t->nretired) {
		void **o = realloc(v->orphans, (v->norphans + t->nretired + 1) *
						       sizeof(*o));
		if (o) {
			memcpy(o + v->norphans, t->retired,
			       t->nretired * sizeof(*o));
			v->orphans = o;
			v->norphans += t->nretired;
			t->nretired = 0;
		}
	}
	pthread_mutex_unlock(&v->lock);
}

void atomic_value_hp_destroy(struct atomic_value_hp *v)
{
	struct atomic_value_hp_thread *t =
		atomic_load_explicit(&v->threads, memory_order_acquire);
	while (t) {
		struct atomic_value_hp_thread *next = t->next;
		for (size_t i = 0; i < t->nretired; i++)
			v->free_fn(t->retired[i]);
		free(t->retired);
		free(t->scratch);
		free(t);
		t = next;
	}
	for (size_t i = 0; i < v->norphans; i++)
		v->free_fn(v->orphans[i]);
	free(v->orphans);
	v->free_fn(atomic_load_explicit(&v->p, memory_order_relaxed));
	pthread_mutex_destroy(&v->lock);
}

size_t atomic_value_hp_retired_peak(struct atomic_value_hp *v)
{
	return atomic_load_explicit(&v->stats.peak, memory_order_relaxed);
}
