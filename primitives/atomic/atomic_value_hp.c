#include "atomic_value_hp.h"

#include <stdlib.h>
#include <string.h>

int atomic_value_hp_init(struct atomic_value_hp *v, void *initial, size_t size,
			 void (*free_fn)(void *))
{
	memset(v, 0, sizeof(*v));
	atomic_init(&v->p, initial);
	v->free_fn = free_fn;
	v->size = size; /* for the cache only: the value stays where it is */
	v->asym = asym_fence_init();
	return thread_registry_init(&v->threads);
}

struct atomic_value_hp_thread *
atomic_value_hp_thread_new(struct atomic_value_hp *v)
{
	struct atomic_value_hp_thread *t = aligned_alloc(64, sizeof(*t));
	if (!t)
		return NULL;
	memset(t, 0, sizeof(*t));
	atomic_value_cache_init(&t->cache, v->size);
	thread_registry_push(&v->threads, &t->node);
	return t;
}

static int cmp_ptr(const void *a, const void *b)
{
	const char *x = *(void *const *)a, *y = *(void *const *)b;
	return (x > y) - (x < y);
}

/* Frees (or keeps for alloc) every retired value no hazard slot holds. */
static void scan(struct atomic_value_hp *v, struct atomic_value_hp_thread *t)
{
	size_t n = 0, kept = 0;
	size_t cap = thread_registry_count(&v->threads);
	struct thread_registry_node *h;
	atomic_value_stats_retire(&v->stats, t->nretired - t->counted);
	atomic_value_cache_batch(&t->cache, t->nretired - t->counted);
	t->counted = t->nretired;
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
	for (h = thread_registry_first(&v->threads); h && n < t->scratch_cap;
	     h = h->next) {
		struct atomic_value_hp_thread *r = thread_registry_entry(
			h, struct atomic_value_hp_thread, node);
		/* acquire: pairs with the slot's release stores, so a
		 * reader's uses of a value it left precede our free (x86 a
		 * plain mov, AArch64 ldar) */
		void *p =
			atomic_load_explicit(&r->hazard, memory_order_acquire);
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
			atomic_value_cache_put(&t->cache, t->retired[i],
					       v->free_fn);
	}
	atomic_value_stats_freed(&v->stats, t->nretired - kept);
	t->nretired = t->counted = kept;
}

void atomic_value_hp_publish(struct atomic_value_hp *v,
			     struct atomic_value_hp_thread *t, void *next)
{
	/* acq_rel: release publishes next's contents to the readers' acquire
	 * re-read; acquire gets old's from its publisher, before free_fn. The
	 * unlink needs no seq_cst: scan's heavy fence comes after it (x86 xchg,
	 * AArch64 swpal, then the membarrier's smp_mb) */
	void *old = atomic_exchange_explicit(&v->p, next, memory_order_acq_rel);
	atomic_value_cache_replaced(&t->cache, old, next);
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
	if (t->nretired >=
	    ATOMIC_VALUE_HP_BATCH + thread_registry_count(&v->threads))
		scan(v, t);
}

void atomic_value_hp_thread_done(struct atomic_value_hp *v,
				 struct atomic_value_hp_thread *t)
{
	/* release: as read_end, the last value's uses precede its free */
	atomic_store_explicit(&t->hazard, NULL, memory_order_release);
	scan(v, t);
	atomic_value_cache_drain(&t->cache, v->free_fn);
	/* leftovers that find no room stay with the record, freed at destroy */
	if (thread_registry_adopt(&v->threads, t->retired, t->nretired,
				  sizeof(*t->retired)) == 0)
		t->nretired = t->counted = 0;
}

void atomic_value_hp_destroy(struct atomic_value_hp *v)
{
	struct thread_registry_node *n = thread_registry_first(&v->threads);
	void **orphans = v->threads.orphans;
	while (n) {
		struct thread_registry_node *next = n->next;
		struct atomic_value_hp_thread *t = thread_registry_entry(
			n, struct atomic_value_hp_thread, node);
		for (size_t i = 0; i < t->nretired; i++)
			v->free_fn(t->retired[i]);
		/* no-op after thread_done; a record whose thread skipped it */
		atomic_value_cache_drain(&t->cache, v->free_fn);
		free(t->retired);
		free(t->scratch);
		free(t);
		n = next;
	}
	for (size_t i = 0; i < v->threads.norphans; i++)
		v->free_fn(orphans[i]);
	v->free_fn(atomic_load_explicit(&v->p, memory_order_relaxed));
	thread_registry_destroy(&v->threads);
}

size_t atomic_value_hp_retired_peak(struct atomic_value_hp *v)
{
	return atomic_load_explicit(&v->stats.peak, memory_order_relaxed);
}
