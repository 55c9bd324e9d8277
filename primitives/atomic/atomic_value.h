/* Atomic value family: Go's atomic.Value / atomic.Pointer in C, with safe
 * memory reclamation. Go frees a replaced value when the garbage collector
 * proves no reader holds it; in C each implementation needs a scheme.
 *
 * Contract. An implementation IMPL provides, in atomic_value_IMPL.h:
 *   struct atomic_value_IMPL;           the shared cell
 *   struct atomic_value_IMPL_thread;    one per thread using the cell
 *   int   atomic_value_IMPL_init(v, void *initial, size_t size,
 *                               void (*free_fn)(void *));
 *   void  atomic_value_IMPL_destroy(v);  after every thread is done: frees
 *                                        the current and all retired values
 *   struct atomic_value_IMPL_thread *atomic_value_IMPL_thread_new(v);
 *   void  atomic_value_IMPL_thread_done(v, t);
 *   const void *atomic_value_IMPL_read_begin(v, t);   static inline
 *   void  atomic_value_IMPL_read_end(v, t);           static inline
 *   void  atomic_value_IMPL_publish(v, t, void *next);
 *   size_t atomic_value_IMPL_retired_peak(v);
 *   void *atomic_value_IMPL_alloc(v, t);              static inline
 * read_begin returns the current value, which stays valid (never freed)
 * until the same thread's read_end; read sections do not nest. publish
 * replaces the value and retires the old one: once no reader can still
 * hold it, free_fn runs on it (or, for a thread that calls alloc, it goes
 * back to that thread through alloc). size is the values' size (copying schemes
 * keep a copy; pointer schemes ignore it). Values are immutable once published.
 * Each implementation's header says when a retired value is freed and what a
 * reader that stalls inside its read section costs.
 *
 * alloc gives a block for the thread's next publication: one of the values
 * this thread reclaimed, or NULL (the caller allocates). A thread that has
 * called alloc gets its reclaimed values back that way, up to a batch of
 * them, instead of through free_fn: its values must be plain memory of the
 * cell's size (free_fn only frees). Go's allocator gives a Store's value
 * from a per-P cache of free blocks; glibc's tcache keeps 7 per size, so a
 * scheme that frees a batch of 1024 at once sent 1017 of them, and as many
 * mallocs, to the slow path: half a publication's time at 1 and 2 threads
 * (perf, atomic/swap). A block comes back only once it could be freed, so
 * its reuse is ordered as malloc's reuse of a freed block would be.
 * Schemes that free at once or never (mutex, seqlock, c11, refcount, whose
 * last reader may free on any thread) give NULL.
 *
 * The read side is static inline so the workload's loop inlines it; the
 * reclamation (publish) side is out of line.
 */
#ifndef CONTEND_ATOMIC_VALUE_H
#define CONTEND_ATOMIC_VALUE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>

#include "sched_point.h"
#include "tsan_annotate.h"

/* Retired-but-not-freed accounting, shared by the schemes: the memory cost
 * of each (its peak is a result field). Touched on the write side only.
 * Batching schemes (ebr, hp, urcu) add a batch's retires at its
 * reclamation attempt, before freeing, not one per publish: a locked add on
 * a line every publisher writes cost 5 ns a publish alone and 10-15 at two
 * publishers (contend ab, atomic/swap). A publisher's list is longest right
 * then, so the peak is exact for one publisher; with several, each one's
 * share is sampled at its own attempts (low by less than a batch each;
 * hp: a batch plus the thread count, its scans' threshold). Blocks held
 * for alloc are not retired: at most a batch per publisher beside it. */
struct atomic_value_stats {
	_Atomic size_t retired; /* as of each publisher's last attempt */
	_Atomic size_t peak;
};

static inline void atomic_value_stats_retire(struct atomic_value_stats *s,
					     size_t n)
{
	size_t now = atomic_fetch_add_explicit(&s->retired, n,
					       memory_order_relaxed) +
		     n;
	size_t peak = atomic_load_explicit(&s->peak, memory_order_relaxed);
	while (now > peak && !atomic_compare_exchange_weak_explicit(
				     &s->peak, &peak, now, memory_order_relaxed,
				     memory_order_relaxed))
		;
}

/* A thread's reclaimed values kept for its own next publications. */
struct atomic_value_cache {
	void **blocks;
	size_t n, cap;
	int on; /* the thread has called alloc */
};

/* alloc's half: turns the cache on (room for cap blocks) and takes one. */
static inline void *atomic_value_cache_take(struct atomic_value_cache *c,
					    size_t cap)
{
	if (!c->on) {
		c->on = 1;
		c->blocks = malloc(cap * sizeof(*c->blocks));
		c->cap = c->blocks ? cap : 0;
	}
	/* n > 0 implies blocks; said again for the static analyser */
	return c->n && c->blocks ? c->blocks[--c->n] : NULL;
}

/* A reclaimed value: kept for the thread's next alloc, or freed (cap is
 * 0 until the thread called alloc, and stays 0 if its array found no
 * memory: every value is then freed, and alloc gives NULL). */
static inline void atomic_value_cache_put(struct atomic_value_cache *c, void *p,
					  void (*free_fn)(void *))
{
	if (c->n < c->cap)
		c->blocks[c->n++] = p;
	else
		free_fn(p);
}

/* thread_done's half: frees what the cache holds. */
static inline void atomic_value_cache_drain(struct atomic_value_cache *c,
					    void (*free_fn)(void *))
{
	while (c->n)
		free_fn(c->blocks[--c->n]);
	free(c->blocks);
	c->blocks = NULL;
	c->cap = 0;
}

static inline void atomic_value_stats_freed(struct atomic_value_stats *s,
					    size_t n)
{
	atomic_fetch_sub_explicit(&s->retired, n, memory_order_relaxed);
}

/* Asymmetric fences. A reader announcing itself (an epoch, a hazard) must
 * order that store before its next load of the shared pointer: a full
 * fence, 2-8 ns here, more than the whole read. With membarrier(2)'s
 * private expedited command the writer instead makes every running thread
 * of the process execute a full barrier, and the reader keeps only a
 * compiler barrier (the pattern of liburcu's memb flavour and Folly's
 * hazard pointers). Without membarrier, readers pay the fence. */

/* Registers the process once; 1 when asymmetric fences are available. */
int asym_fence_init(void);
/* The writer's side: a full barrier on every thread of the process
 * (membarrier tried again, then its global command; the process stops
 * when neither runs, as the readers skipped their fence). */
void asym_fence_heavy(int asym);

/* The reader's side. ThreadSanitizer does not model fences; under it the
 * fallback is a seq_cst read-modify-write, which it does. */
static inline void asym_fence_light(int asym)
{
	if (asym) {
		atomic_signal_fence(memory_order_seq_cst);
	} else {
#ifdef CONTEND_TSAN
		static _Thread_local _Atomic int fence_word;
		atomic_fetch_add_explicit(&fence_word, 0, memory_order_seq_cst);
#else
		atomic_thread_fence(memory_order_seq_cst);
#endif
		SCHED_POINT(fence);
	}
}

#endif
