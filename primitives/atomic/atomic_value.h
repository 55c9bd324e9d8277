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
 * keep a copy; pointer schemes with an alloc cache prefetch it). Values are
 * immutable once published.
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
#include <stdint.h>
#include <stdlib.h>

#include "cacheline.h"
#include "prefetch.h"
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
	size_t size;	/* a value's bytes: what take prefetches */
	int on;		/* the thread has called alloc */
	int prefetch;	/* more than an eighth of the last batch's
			   replaced values were other threads' */
	int prefetchw;	/* the CPU has a prefetch for writing */
	uintptr_t last; /* this thread's last publication */
	size_t foreign; /* publishes since the last batch that replaced
			   another thread's value */
};

/* How many takes ahead take prefetches a block for writing, and when.
 * Where several threads publish, a reclaimed block was mostly published,
 * so last written, by another thread (at two publishers on atomic/swap,
 * 65% of the values a publish replaced were the other's, counted on the
 * Zen 4 guest): its lines sit in that thread's cache, the caller's fill
 * must fetch them, and the publish's locked exchange waits for those
 * stores (it drains the store buffer). Go's allocator hands out blocks in
 * address order from a span, a stream the hardware prefetcher follows; a
 * stack of reclaimed blocks has no stride, so the cache fetches its
 * blocks itself. 16 of a thread's publications (30-60 ns each at two
 * publishers: 480-960 ns) last about as long as the longest round trips
 * seen on these guests (400-530 ns) or longer. Where the blocks are the
 * thread's own, prefetching only costs (256-byte values at one thread:
 * 11.2 -> 13.9 ns), so the cache prefetches only while more than an
 * eighth of the values replaced by its thread's last batch of
 * publications (the scheme's reclamation batch) were another thread's.
 * contend ab, Zen 4 guest, hp size=64 at 2 threads, in the rounds where
 * the vCPUs were far apart (a ~300 ns round trip): 31 -> 22 ns always
 * prefetching, 41 -> 31 prefetching so; where near (68 ns) 0.95-0.99x;
 * at one thread the counting costs 0.2-0.4 ns. */
#define ATOMIC_VALUE_CACHE_AHEAD 16

/* thread_new's half: a cache for values of size bytes (off until alloc). */
static inline void atomic_value_cache_init(struct atomic_value_cache *c,
					   size_t size)
{
	c->size = size;
	c->prefetchw = prefetch_has_write();
}

/* publish's half: next replaced old, which was this thread's own last
 * value unless another thread's publish came between. */
static inline void atomic_value_cache_replaced(struct atomic_value_cache *c,
					       const void *old,
					       const void *next)
{
	/* as integers: a pointer to a value freed since is indeterminate */
	c->foreign += (uintptr_t)old != c->last;
	c->last = (uintptr_t)next;
}

/* The scheme's batch of n retirements (each a publish): whether take
 * prefetches until the next. */
static inline void atomic_value_cache_batch(struct atomic_value_cache *c,
					    size_t n)
{
	c->prefetch = c->foreign > n / 8;
	c->foreign = 0;
}

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
	if (!c->n || !c->blocks)
		return NULL;
	if (c->prefetch && c->n > ATOMIC_VALUE_CACHE_AHEAD) {
		/* a block need not start a line: its last byte's line too */
		const char *ahead =
			c->blocks[c->n - 1 - ATOMIC_VALUE_CACHE_AHEAD];
		prefetch_lines(ahead, c->size, c->prefetchw);
		if (c->size)
			prefetch_lines(ahead + c->size - 1, 1, c->prefetchw);
	}
	return c->blocks[--c->n];
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
