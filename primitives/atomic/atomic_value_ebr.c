#include "atomic_value_ebr.h"

#include <stdlib.h>
#include <string.h>

int atomic_value_ebr_init(struct atomic_value_ebr *v, void *initial,
			  size_t size, void (*free_fn)(void *))
{
	memset(v, 0, sizeof(*v));
	atomic_init(&v->p, initial);
	atomic_init(&v->epoch, 2); /* tags minus 2 never underflow */
	v->free_fn = free_fn;
	v->size = size; /* for the cache only: the value stays where it is */
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
	atomic_value_cache_init(&t->cache, v->size);
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
		/* acquire: pairs with read_end's release, so a reader seen
		 * out (or in a later section) finished its reads of what the
		 * advance lets be freed (x86 a plain mov, AArch64 ldar) */
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
	/* The epoch's load, then the heavy fence, then the scan (header
	 * comment). The fence runs on each reader's thread at some point: if
	 * after its announcement, the scan sees the announcement; if before
	 * its load of the value, that load comes after this epoch load, so
	 * after every unlink tagged with an older epoch. With the fence
	 * before the load (issue 19) an unlink could come after the fence
	 * and the announcement still be in the reader's store buffer at the
	 * scan (x86-TSO), or not yet visible (AArch64).
	 * seq_cst: x86 a plain mov, AArch64 ldar, as acquire; C11: in the
	 * total order after the advance it reads and before the fence (a
	 * seq_cst fence on every thread, as membarrier is modelled, or this
	 * thread's own). */
	atomic_value_stats_retire(&v->stats, t->nretired - t->counted);
	atomic_value_cache_batch(&t->cache, t->nretired - t->counted);
	e = atomic_load_explicit(&v->epoch, memory_order_seq_cst);
	asym_fence_heavy(v->asym);
	SCHED_POINT(ebr_reclaim_fenced);
	/* seq_cst: x86 lock cmpxchg, AArch64 casal, as acq_rel; C11: the
	 * advance falls in the total order between the tag loads that read
	 * the old epoch and the loads that read the new one */
	if (all_in(v, e))
		atomic_compare_exchange_strong_explicit(&v->epoch, &e, e + 1,
							memory_order_seq_cst,
							memory_order_seq_cst);
	/* acquire: an advance to e was made after a scan that found every
	 * reader of the values freed below out (its acquire of their
	 * release), so their reads happen before the frees (or the reuse by
	 * alloc) */
	e = atomic_load_explicit(&v->epoch, memory_order_acquire);
	for (size_t i = 0; i < t->nretired; i++) {
		if (t->retired[i].epoch + 2 <= e)
			atomic_value_cache_put(&t->cache, t->retired[i].p,
					       v->free_fn);
		else
			t->retired[kept++] = t->retired[i];
	}
	atomic_value_stats_freed(&v->stats, t->nretired - kept);
	t->nretired = t->counted = kept;
}

void atomic_value_ebr_publish(struct atomic_value_ebr *v,
			      struct atomic_value_ebr_thread *t, void *next)
{
	/* seq_cst: x86 xchg, AArch64 swpal, as acq_rel (release publishes
	 * next's contents); C11: the unlink falls in the total order before
	 * the tag's load below */
	void *old = atomic_exchange_explicit(&v->p, next, memory_order_seq_cst);
	atomic_value_cache_replaced(&t->cache, old, next);
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
	/* tagged after the unlink: readers that can hold it announced <= tag.
	 * seq_cst: a store-load pair with the exchange: x86 the xchg is a
	 * full barrier, AArch64 ldar after swpal (or stlxr) stays after it;
	 * C11 needs both seq_cst for the load to follow the unlink */
	t->retired[t->nretired].p = old;
	t->retired[t->nretired++].epoch =
		atomic_load_explicit(&v->epoch, memory_order_seq_cst);
	if (t->nretired % ATOMIC_VALUE_EBR_BATCH == 0)
		reclaim(v, t);
}

void atomic_value_ebr_thread_done(struct atomic_value_ebr *v,
				  struct atomic_value_ebr_thread *t)
{
	reclaim(v, t);
	atomic_value_cache_drain(&t->cache, v->free_fn);
	if (thread_registry_adopt(&v->threads, t->retired, t->nretired,
				  sizeof(*t->retired)) == 0)
		t->nretired = t->counted = 0;
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
		/* no-op after thread_done; a record whose thread skipped it */
		atomic_value_cache_drain(&t->cache, v->free_fn);
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
