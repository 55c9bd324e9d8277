/* Atomic value with split ("differential") reference counting: the cell
 * holds a pointer and an external count in one 64-bit word, each value an
 * internal count (after Williams, C++ Concurrency in Action, 2nd ed.,
 * section 7.2.4, with the reader giving its count back to the word while
 * the value is still current).
 *
 * Invariants. A reader acquires by incrementing the word's external count
 * (CAS), so it can never dereference a value whose count it has not
 * raised. To release, it decrements the external count if the word still
 * holds its value; otherwise the value was replaced and the publisher has
 * moved the external count into the value's internal count, so the reader
 * decrements that, and whoever brings it to zero frees the value. A
 * replaced value's internal count is (external at replacement) minus
 * (releases since), never zero while a reader holds it, so no freed value
 * is reused while held (no ABA).
 * Reclamation: immediate, exact, no scan; retired values are only those
 * still held, so a stalled reader pins one value. The cost is on the read
 * side: two CAS on one shared word per read, which every reader's cache
 * must own in turn. Pointers must fit in 48 bits (x86-64 and arm64 user
 * space with 48-bit addresses).
 */
#ifndef CONTEND_ATOMIC_VALUE_REFCOUNT_H
#define CONTEND_ATOMIC_VALUE_REFCOUNT_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "cacheline.h"
#include "atomic_value.h"

#define REFCOUNT_ONE (1ull << 48)

struct refcount_node {
	_Atomic int64_t internal;
	void *value;
};

/* The node in a packed word's low 48 bits: the point of the scheme. */
static inline struct refcount_node *refcount_ptr(uint64_t w)
{
	return (struct refcount_node *)(uintptr_t)( // NOLINT: packed pointer
		w & (REFCOUNT_ONE - 1));
}

struct atomic_value_refcount_thread {
	struct refcount_node *held;
};

struct atomic_value_refcount {
	_Alignas(CACHE_LINE) _Atomic uint64_t word; /* ext << 48 | node */
	void (*free_fn)(void *);
	struct atomic_value_stats stats; /* replaced, still held */
};

int atomic_value_refcount_init(struct atomic_value_refcount *v, void *initial,
			       size_t size, void (*free_fn)(void *));
void atomic_value_refcount_destroy(struct atomic_value_refcount *v);
struct atomic_value_refcount_thread *
atomic_value_refcount_thread_new(struct atomic_value_refcount *v);
void atomic_value_refcount_thread_done(struct atomic_value_refcount *v,
				       struct atomic_value_refcount_thread *t);
void atomic_value_refcount_publish(struct atomic_value_refcount *v,
				   struct atomic_value_refcount_thread *t,
				   void *next);
size_t atomic_value_refcount_retired_peak(struct atomic_value_refcount *v);
/* The slow half of read_end: the value was replaced while held. */
void atomic_value_refcount_drop(struct atomic_value_refcount *v,
				struct refcount_node *n);

static inline const void *
atomic_value_refcount_read_begin(struct atomic_value_refcount *v,
				 struct atomic_value_refcount_thread *t)
{
	uint64_t w = atomic_load_explicit(&v->word, memory_order_relaxed);
	/* acquire: the node's fields, published with the word, are visible */
	while (!atomic_compare_exchange_weak_explicit(
		&v->word, &w, w + REFCOUNT_ONE, memory_order_acquire,
		memory_order_relaxed))
		;
	t->held = refcount_ptr(w);
	return t->held->value;
}

static inline void
atomic_value_refcount_read_end(struct atomic_value_refcount *v,
			       struct atomic_value_refcount_thread *t)
{
	struct refcount_node *n = t->held;
	uint64_t w = atomic_load_explicit(&v->word, memory_order_relaxed);
	while (refcount_ptr(w) == n) {
		/* release: our reads of the value happen before the count
		 * we give back lets a publisher free it */
		if (atomic_compare_exchange_weak_explicit(
			    &v->word, &w, w - REFCOUNT_ONE,
			    memory_order_release, memory_order_relaxed))
			return;
	}
	atomic_value_refcount_drop(v, n);
}

/* Nothing to give back: frees on the last reference, on whichever thread drops
 * it. */
static inline void *
atomic_value_refcount_alloc(struct atomic_value_refcount *v,
			    struct atomic_value_refcount_thread *t)
{
	(void)v;
	(void)t;
	return NULL;
}

#endif
