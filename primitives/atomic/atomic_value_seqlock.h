/* Atomic value as a seqlock with copy-in/copy-out (Lameter's seqlock; the
 * C11 formulation follows Boehm, "Can seqlocks get along with programming
 * language memory models?", MSPC 2012), for values up to SEQLOCK_MAX bytes.
 *
 * Invariants. seq is even when no write is in progress. A writer makes it
 * odd (CAS, so writers exclude each other), stores the words with release,
 * and makes it even again with release. A reader reads seq (acquire), the
 * words (acquire each: a word written by an unfinished write then carries
 * the odd seq with it), and seq again; equal and even means a consistent
 * copy, otherwise it retries. Data words are atomics, so there is no data
 * race to defend (and ThreadSanitizer sees every edge).
 * Reclamation: none needed: the value lives inside the cell, readers copy
 * it out into their thread's buffer (read_begin returns the copy), and a
 * publisher copies the new value in and frees it at once. retired_peak is
 * 0. The cost moves to the read side: a copy of the whole value per read,
 * and retries while a writer is active; a reader that stalls holds only
 * its own copy and delays nobody.
 */
#ifndef CONTEND_ATOMIC_VALUE_SEQLOCK_H
#define CONTEND_ATOMIC_VALUE_SEQLOCK_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "cacheline.h"
#include "atomic_value.h"

#define SEQLOCK_MAX   256
#define SEQLOCK_WORDS (SEQLOCK_MAX / 8)

struct atomic_value_seqlock_thread {
	_Alignas(CACHE_LINE) uint64_t buf[SEQLOCK_WORDS];
};

struct atomic_value_seqlock {
	_Alignas(CACHE_LINE) _Atomic uint64_t seq;
	size_t words;
	void (*free_fn)(void *);
	struct atomic_value_stats stats; /* stays zero */
	_Alignas(CACHE_LINE) _Atomic uint64_t data[SEQLOCK_WORDS];
};

/* Copies next in (words of 8 bytes); writers exclude each other. */
static inline void atomic_value_seqlock_store(struct atomic_value_seqlock *v,
					      const void *next)
{
	const unsigned char *src = next;
	uint64_t s = atomic_load_explicit(&v->seq, memory_order_relaxed);
	for (;;) {
		/* acquire: the word stores below stay after the odd seq */
		if (!(s & 1) &&
		    atomic_compare_exchange_weak_explicit(&v->seq, &s, s + 1,
							  memory_order_acquire,
							  memory_order_relaxed))
			break;
		s = atomic_load_explicit(&v->seq, memory_order_relaxed);
	}
	for (size_t i = 0; i < v->words; i++) {
		uint64_t w;
		__builtin_memcpy(&w, src + 8 * i, 8);
		/* release: a reader that sees this word sees the odd seq */
		atomic_store_explicit(&v->data[i], w, memory_order_release);
	}
	atomic_store_explicit(&v->seq, s + 2, memory_order_release);
}

static inline int atomic_value_seqlock_init(struct atomic_value_seqlock *v,
					    void *initial, size_t size,
					    void (*free_fn)(void *))
{
	if (size > SEQLOCK_MAX || size % 8)
		return -1;
	atomic_init(&v->seq, 0);
	v->words = size / 8;
	v->free_fn = free_fn;
	atomic_init(&v->stats.retired, 0);
	atomic_init(&v->stats.peak, 0);
	for (size_t i = 0; i < SEQLOCK_WORDS; i++)
		atomic_init(&v->data[i], 0);
	atomic_value_seqlock_store(v, initial);
	free_fn(initial);
	return 0;
}

static inline void atomic_value_seqlock_destroy(struct atomic_value_seqlock *v)
{
	(void)v;
}

static inline struct atomic_value_seqlock_thread *
atomic_value_seqlock_thread_new(struct atomic_value_seqlock *v)
{
	(void)v;
	return aligned_alloc(64, sizeof(struct atomic_value_seqlock_thread));
}

static inline void
atomic_value_seqlock_thread_done(struct atomic_value_seqlock *v,
				 struct atomic_value_seqlock_thread *t)
{
	(void)v;
	free(t);
}

static inline const void *
atomic_value_seqlock_read_begin(struct atomic_value_seqlock *v,
				struct atomic_value_seqlock_thread *t)
{
	for (;;) {
		uint64_t s1 =
			atomic_load_explicit(&v->seq, memory_order_acquire);
		if (s1 & 1)
			continue;
		for (size_t i = 0; i < v->words; i++)
			t->buf[i] = atomic_load_explicit(&v->data[i],
							 memory_order_acquire);
		/* after the acquire loads of the words: no reordering */
		if (atomic_load_explicit(&v->seq, memory_order_relaxed) == s1)
			return t->buf;
	}
}

static inline void
atomic_value_seqlock_read_end(struct atomic_value_seqlock *v,
			      struct atomic_value_seqlock_thread *t)
{
	(void)v;
	(void)t;
}

static inline void
atomic_value_seqlock_publish(struct atomic_value_seqlock *v,
			     struct atomic_value_seqlock_thread *t, void *next)
{
	(void)t;
	atomic_value_seqlock_store(v, next);
	v->free_fn(next); /* copied in: nobody can hold it */
}

static inline size_t
atomic_value_seqlock_retired_peak(struct atomic_value_seqlock *v)
{
	(void)v;
	return 0;
}

/* Nothing to give back: copies: the caller's block is freed at once. */
static inline void *
atomic_value_seqlock_alloc(struct atomic_value_seqlock *v,
			   struct atomic_value_seqlock_thread *t)
{
	(void)v;
	(void)t;
	return NULL;
}

#endif
