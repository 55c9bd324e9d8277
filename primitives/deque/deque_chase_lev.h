/* The Chase-Lev work-stealing deque, in the C11 form for weak memory
 * models of N. M. Lê, A. Pop, A. Cohen and F. Zappa Nardelli, "Correct and
 * Efficient Work-Stealing for Weak Memory Models", PPoPP 2013 (its figure
 * 1, with the proof of its memory orders), after D. Chase and Y. Lev,
 * "Dynamic Circular Work-Stealing Deque", SPAA 2005.
 *
 * Invariants.
 * - The elements are buf[top .. bottom-1] (indexes mod the array's size).
 *   Only the owner writes bottom and the array; top only grows, by one
 *   successful CAS per element taken from the top (by a thief, or by the
 *   owner taking the last element).
 * - push writes the element, then (release) publishes bottom + 1: a thief
 *   that reads the new bottom reads the element and what was written before
 *   it. take first lowers bottom, then (seq_cst fence) reads top: with the
 *   thief's fence between its read of top and of bottom, this Dekker pair
 *   means that of an owner and a thief going for the same last element, at
 *   least one sees the other, and the CAS on top lets exactly one win.
 * - A thief reads the element before its CAS; the CAS succeeding proves
 *   nobody took that index in between, and a thief that loses never uses
 *   what it read.
 * - Growing copies the live elements into an array twice the size; the old
 *   one is kept (a thief may still be reading it) until destroy.
 * - top and bottom are signed 64-bit: the paper's size_t bottom - 1 wraps
 *   in take on an empty deque at bottom 0, and 2^63 pushes do not happen.
 *
 * Orderings. One store->load pair needs a full fence: take's store of the
 * lowered bottom before its load of top (x86 lock or / mfence, AArch64
 * dmb ish). Without it, x86-TSO holds the store in the store buffer: with
 * elements t and t + 1, the owner reads top t and takes t + 1 without a
 * CAS, while thief A steals t and thief B, reading the new top t + 1 and
 * the old bottom t + 2, steals t + 1 as well. steal's seq_cst fence is the
 * C11 half of that argument: TSO, and AArch64's ldar of top, already keep
 * the thief's two loads in order, but C11 forbids the outcome only through
 * the two fences' order in S (the paper's proof, C11 7.17.3). Its acquire
 * load of top serves the same proof: the CAS that wrote the top it reads
 * then happens before its fence, so precedes it in S, while the owner that
 * read an older top after its own fence has that fence earlier still; the
 * thief's load of bottom then sees the lowered bottom.
 * Release/acquire: push's release fence (nothing on x86, dmb ish on
 * AArch64) to steal's acquire load of bottom publishes the element (and,
 * being a fence, through any later store of bottom by the owner, take's
 * included); grow's release store of array to steal's acquire load of it
 * publishes the copies; a thief's CAS (its release half) to push's acquire
 * load of top: the thief's read of a slot happens before the owner reuses
 * it. The CASes are seq_cst as in the paper; that owner and thief cannot
 * both win the last element is the CAS's atomicity alone.
 * Relaxed: the owner's loads of bottom, array and its slots read its own
 * writes. A thief's relaxed load of its slot may be stale only if top has
 * moved past t since it read it (a slot is reused only after that), and
 * then its CAS fails and it drops what it read.
 *
 * ThreadSanitizer does not model atomic_thread_fence (GCC warns, -Werror
 * fails): under it the two seq_cst fences become seq_cst accesses (take
 * lowers bottom with a seq_cst exchange and reads top seq_cst; steal reads
 * both seq_cst: sequential consistency forbids the outcome where both miss
 * each other), and every store of bottom is a release, so that the
 * happens-before edges it checks are the ones the fences give.
 */
#ifndef CONTEND_DEQUE_CHASE_LEV_H
#define CONTEND_DEQUE_CHASE_LEV_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "deque.h"
#include "tsan_annotate.h"

#ifdef CONTEND_TSAN
#define DEQUE_CL_STORE_BOTTOM memory_order_release
#else
#define DEQUE_CL_STORE_BOTTOM memory_order_relaxed
#endif

struct deque_chase_lev_array {
	struct deque_chase_lev_array *retired; /* the one it replaced */
	int64_t mask;			       /* size - 1, size a power of 2 */
	_Atomic(void *) buf[];
};

struct deque_chase_lev {
	_Alignas(CACHE_LINE) _Atomic int64_t top;
	_Alignas(CACHE_LINE) _Atomic int64_t bottom;
	_Atomic(struct deque_chase_lev_array *) array;
};

static inline struct deque_chase_lev_array *
deque_chase_lev_array_new(int64_t size)
{
	struct deque_chase_lev_array *a =
		malloc(sizeof(*a) + (size_t)size * sizeof(a->buf[0]));
	if (!a)
		return NULL;
	a->retired = NULL;
	a->mask = size - 1;
	for (int64_t i = 0; i < size; i++)
		atomic_init(&a->buf[i], NULL);
	return a;
}

/* 2^log_size slots to begin with; 0, or -1 out of memory. */
static inline int deque_chase_lev_init(struct deque_chase_lev *q,
				       unsigned log_size)
{
	struct deque_chase_lev_array *a =
		deque_chase_lev_array_new((int64_t)1 << log_size);
	if (!a)
		return -1;
	atomic_init(&q->top, 0);
	atomic_init(&q->bottom, 0);
	atomic_init(&q->array, a);
	return 0;
}

/* When no thread uses the deque any more. */
static inline void deque_chase_lev_destroy(struct deque_chase_lev *q)
{
	struct deque_chase_lev_array *a =
		atomic_load_explicit(&q->array, memory_order_relaxed);
	while (a) {
		struct deque_chase_lev_array *r = a->retired;
		free(a);
		a = r;
	}
	atomic_store_explicit(&q->array, NULL, memory_order_relaxed);
}

/* The owner's: elements t..b-1 into an array twice the size. */
static __attribute__((noinline, unused)) struct deque_chase_lev_array *
deque_chase_lev_grow(struct deque_chase_lev *q, struct deque_chase_lev_array *a,
		     int64_t t, int64_t b)
{
	struct deque_chase_lev_array *n =
		deque_chase_lev_array_new(2 * (a->mask + 1));
	if (!n)
		return NULL;
	for (int64_t i = t; i < b; i++)
		atomic_store_explicit(
			&n->buf[i & n->mask],
			atomic_load_explicit(&a->buf[i & a->mask],
					     memory_order_relaxed),
			memory_order_relaxed);
	n->retired = a;
	/* release: a thief that loads the new array (acquire) sees the
	 * copies in it */
	atomic_store_explicit(&q->array, n, memory_order_release);
	return n;
}

/* The owner's. 0, or -1 when the deque had to grow and memory ran out
 * (then x was not pushed). */
static inline int deque_chase_lev_push(struct deque_chase_lev *q, void *x)
{
	int64_t b = atomic_load_explicit(&q->bottom, memory_order_relaxed);
	/* acquire: pairs with the thieves' CAS on top, so the slots they
	 * emptied are not reused before their reads of them are done */
	int64_t t = atomic_load_explicit(&q->top, memory_order_acquire);
	struct deque_chase_lev_array *a =
		atomic_load_explicit(&q->array, memory_order_relaxed);
	if (__builtin_expect(b - t > a->mask, 0)) {
		a = deque_chase_lev_grow(q, a, t, b);
		if (!a)
			return -1;
	}
	/* relaxed: the fence below publishes it */
	atomic_store_explicit(&a->buf[b & a->mask], x, memory_order_relaxed);
#ifndef CONTEND_TSAN
	/* release fence (not a release store): it also orders the element
	 * before take's later relaxed stores of bottom, which a thief may be
	 * the one to read */
	atomic_thread_fence(memory_order_release);
#endif
	atomic_store_explicit(&q->bottom, b + 1, DEQUE_CL_STORE_BOTTOM);
	return 0;
}

/* The owner's: the newest element, or NULL when empty. */
static inline void *deque_chase_lev_take(struct deque_chase_lev *q)
{
	int64_t b = atomic_load_explicit(&q->bottom, memory_order_relaxed) - 1;
	struct deque_chase_lev_array *a =
		atomic_load_explicit(&q->array, memory_order_relaxed);
	int64_t t;
	void *x;
#ifdef CONTEND_TSAN
	atomic_exchange_explicit(&q->bottom, b, memory_order_seq_cst);
	t = atomic_load_explicit(&q->top, memory_order_seq_cst);
#else
	atomic_store_explicit(&q->bottom, b, memory_order_relaxed);
	/* seq_cst fence: the owner's half of the Dekker pair (the lowered
	 * bottom is visible before top is read; see the header) */
	atomic_thread_fence(memory_order_seq_cst);
	t = atomic_load_explicit(&q->top, memory_order_relaxed);
#endif
	if (t > b) { /* empty */
		atomic_store_explicit(&q->bottom, b + 1, DEQUE_CL_STORE_BOTTOM);
		return NULL;
	}
	x = atomic_load_explicit(&a->buf[b & a->mask], memory_order_relaxed);
	if (t == b) {
		/* the last element: race the thieves for it. seq_cst, as in
		 * the paper: the CAS is part of the Dekker pair's order */
		if (!atomic_compare_exchange_strong_explicit(
			    &q->top, &t, t + 1, memory_order_seq_cst,
			    memory_order_relaxed))
			x = NULL; /* a thief won */
		atomic_store_explicit(&q->bottom, b + 1, DEQUE_CL_STORE_BOTTOM);
	}
	return x;
}

/* Any thread but the owner: the oldest element into *out (DEQUE_STOLEN),
 * DEQUE_EMPTY, or DEQUE_ABORT when it lost a race (try again). */
static inline enum deque_steal deque_chase_lev_steal(struct deque_chase_lev *q,
						     void **out)
{
	struct deque_chase_lev_array *a;
	int64_t t, b;
	void *x;
#ifdef CONTEND_TSAN
	t = atomic_load_explicit(&q->top, memory_order_seq_cst);
	b = atomic_load_explicit(&q->bottom, memory_order_seq_cst);
#else
	/* acquire: the CAS that wrote this top happens before the fence
	 * below, so precedes it in S (see the header) */
	t = atomic_load_explicit(&q->top, memory_order_acquire);
	/* seq_cst fence: the thief's half of the Dekker pair with take */
	atomic_thread_fence(memory_order_seq_cst);
	/* acquire: pairs with push's release fence, so the element at t and
	 * what was written before its push are visible */
	b = atomic_load_explicit(&q->bottom, memory_order_acquire);
#endif
	if (t >= b)
		return DEQUE_EMPTY;
	/* acquire (the paper's consume): the array's slots as copied by
	 * grow */
	a = atomic_load_explicit(&q->array, memory_order_acquire);
	/* relaxed: used only if the CAS below proves top still t */
	x = atomic_load_explicit(&a->buf[t & a->mask], memory_order_relaxed);
	/* seq_cst, as in the paper: ordered with take's CAS and fence */
	if (!atomic_compare_exchange_strong_explicit(&q->top, &t, t + 1,
						     memory_order_seq_cst,
						     memory_order_relaxed))
		return DEQUE_ABORT;
	*out = x;
	return DEQUE_STOLEN;
}

#endif
