/* Atomic value with epoch-based reclamation (Fraser, "Practical lock-
 * freedom", 2004), read side made fence-free with membarrier(2).
 *
 * Invariants. A global epoch e advances by one only when every thread that
 * is inside a read section announced e. A reader loads the epoch, announces
 * it, then (ordered by the writer's membarrier, or by its own fence when
 * membarrier is missing) loads the value; the epoch's load comes before the
 * value's, so a reader holding a value announced at most that value's tag.
 * A value is unlinked, then tagged with the epoch current after the unlink;
 * it is freed once the global epoch is two past its tag. An advance loads
 * the epoch, then runs the heavy fence, then scans the announcements: a
 * reader the scan misses had the fence run on its thread before it
 * announced, so it loads the value after the advance's epoch load, hence
 * after every unlink tagged with an older epoch, and holds none of those
 * values. Together: the advance from T + 1 waits for every reader that
 * may hold a value tagged T (issue 19, tests/test_ebr_schedule.c).
 * Reclamation: a publishing thread keeps its retired values in a private
 * list and tries to advance the epoch and free every
 * ATOMIC_VALUE_EBR_BATCH retires: a value waits for two advances, so about
 * three batches wait per publisher.
 * A reader that stalls inside a read section stops the epoch, so retired
 * memory grows with publications until it leaves (unbounded, the price of
 * a two-store read side). Threads that finish hand their leftovers to the
 * cell, freed at destroy.
 */
#ifndef CONTEND_ATOMIC_VALUE_EBR_H
#define CONTEND_ATOMIC_VALUE_EBR_H

#include <stdatomic.h>
#include <stdint.h>

#include "cacheline.h"
#include "atomic_value.h"
#include "thread_registry.h"

/* Retires between reclamation attempts; see ATOMIC_VALUE_HP_BATCH for why
 * a batch this large (each attempt pays a membarrier). */
#define ATOMIC_VALUE_EBR_BATCH ((size_t)1024)

struct ebr_retired {
	void *p;
	uint64_t epoch;
};

struct atomic_value_ebr_thread {
	/* 0 outside read sections, else epoch << 1 | 1; written by its
	 * thread, read by publishers */
	_Alignas(CACHE_LINE) _Atomic uint64_t state;
	struct thread_registry_node node;
	struct ebr_retired *retired;
	size_t nretired, cap;
	size_t counted; /* of retired, those in the cell's stats */
	struct atomic_value_cache cache; /* reclaimed, for alloc */
};

struct atomic_value_ebr {
	_Alignas(CACHE_LINE) _Atomic(void *) p;
	int asym; /* membarrier available: readers skip the fence */
	_Alignas(CACHE_LINE) _Atomic uint64_t epoch;
	/* orphans: ebr_retired */
	_Alignas(CACHE_LINE) struct thread_registry threads;
	void (*free_fn)(void *);
	size_t size; /* a value's bytes (the alloc cache prefetches them) */
	struct atomic_value_stats stats;
};

int atomic_value_ebr_init(struct atomic_value_ebr *v, void *initial,
			  size_t size, void (*free_fn)(void *));
void atomic_value_ebr_destroy(struct atomic_value_ebr *v);
struct atomic_value_ebr_thread *
atomic_value_ebr_thread_new(struct atomic_value_ebr *v);
void atomic_value_ebr_thread_done(struct atomic_value_ebr *v,
				  struct atomic_value_ebr_thread *t);
void atomic_value_ebr_publish(struct atomic_value_ebr *v,
			      struct atomic_value_ebr_thread *t, void *next);
size_t atomic_value_ebr_retired_peak(struct atomic_value_ebr *v);

static inline void *atomic_value_ebr_alloc(struct atomic_value_ebr *v,
					   struct atomic_value_ebr_thread *t)
{
	(void)v;
	return atomic_value_cache_take(&t->cache, ATOMIC_VALUE_EBR_BATCH);
}

static inline const void *
atomic_value_ebr_read_begin(struct atomic_value_ebr *v,
			    struct atomic_value_ebr_thread *t)
{
	/* seq_cst, as the value's load below: the epoch is read before the
	 * value, so the epoch announced is at most the tag of the value got
	 * (the tag is loaded after the unlink). x86-TSO: loads are not
	 * reordered with loads (both plain movs). AArch64: ldar keeps the
	 * value's load after it, where a relaxed ldr could be satisfied after
	 * that load, announce an epoch newer than the tag, and the value be
	 * freed one advance later. C11: acquire would not do, as nothing
	 * makes the unlink happen before this load (the path is the tag's
	 * load reading the epoch before an advance this load reads); with the
	 * exchange, the tag's load, the advance and both loads here seq_cst,
	 * the value's load follows the unlink in the single total order and
	 * cannot return the unlinked value. */
	uint64_t e = atomic_load_explicit(&v->epoch, memory_order_seq_cst);
	/* relaxed: x86-TSO and AArch64 may keep it in the store buffer past
	 * the value's load (a plain store); the writer's heavy fence after its
	 * epoch load makes that harmless (reclaim), as a seq_cst fence here
	 * does without membarrier (C11: fence-fence ordering) */
	SCHED_STORE(ebr_announce, &t->state, e << 1 | 1, memory_order_relaxed);
	/* the announcement before the value's load: see asym_fence_light */
	asym_fence_light(v->asym);
	/* seq_cst: see the epoch's load (and acquire: the value's contents) */
	return atomic_load_explicit(&v->p, memory_order_seq_cst);
}

static inline void atomic_value_ebr_read_end(struct atomic_value_ebr *v,
					     struct atomic_value_ebr_thread *t)
{
	(void)v;
	/* release: the reads of the value happen before we say we are out,
	 * also for a scan that sees this thread's next announcement instead
	 * (C11: the release sequence holds the thread's later stores; x86:
	 * stores stay in order; AArch64: that announcement depends on an
	 * ldar, which this stlr precedes) */
	atomic_store_explicit(&t->state, 0, memory_order_release);
}

#endif
