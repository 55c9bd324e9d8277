/* Atomic value with epoch-based reclamation (Fraser, "Practical lock-
 * freedom", 2004), read side made fence-free with membarrier(2).
 *
 * Invariants. A global epoch e advances by one only when every thread that
 * is inside a read section announced e. A reader announces the epoch it
 * read, then (ordered by the writer's membarrier, or by its own fence when
 * membarrier is missing) loads the value. A value is unlinked, then tagged
 * with the epoch current after the unlink; it is freed once the global
 * epoch is two past its tag: by then every reader active at the unlink has
 * left its read section.
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
	_Alignas(64) _Atomic uint64_t state;
	struct thread_registry_node node;
	struct ebr_retired *retired;
	size_t nretired, cap;
};

struct atomic_value_ebr {
	_Alignas(64) _Atomic(void *) p;
	int asym; /* membarrier available: readers skip the fence */
	_Alignas(64) _Atomic uint64_t epoch;
	_Alignas(64) struct thread_registry threads; /* orphans: ebr_retired */
	void (*free_fn)(void *);
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

static inline const void *
atomic_value_ebr_read_begin(struct atomic_value_ebr *v,
			    struct atomic_value_ebr_thread *t)
{
	uint64_t e = atomic_load_explicit(&v->epoch, memory_order_relaxed);
	SCHED_STORE(ebr_announce, &t->state, e << 1 | 1, memory_order_relaxed);
	/* the announcement before the value's load: see asym_fence_light */
	asym_fence_light(v->asym);
	return atomic_load_explicit(&v->p, memory_order_acquire);
}

static inline void atomic_value_ebr_read_end(struct atomic_value_ebr *v,
					     struct atomic_value_ebr_thread *t)
{
	(void)v;
	/* release: the reads of the value happen before we say we are out */
	atomic_store_explicit(&t->state, 0, memory_order_release);
}

#endif
