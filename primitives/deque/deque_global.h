/* One FIFO run queue for every worker, under one lock: Go's global run
 * queue (sched.runq under sched.lock), and the scheduler design work
 * stealing replaced.
 *
 * Invariants. The elements are buf[head .. tail-1] (mod the size), read
 * and written only under lock (the 3-state futex mutex of mutex_futex.h,
 * a spin then a sleep, like the runtime's lock_futex); its release/acquire
 * orders a push before the pop that returns the element. count mirrors
 * tail - head, written under the lock and read without it, so an idle
 * worker polling an empty queue reads one shared line instead of taking
 * the lock (Go's runtime checks sched.runqsize first the same way); a
 * stale count only delays a pop to the next poll or costs one needless
 * lock. The buffer doubles when full, under the lock, and never shrinks.
 */
#ifndef CONTEND_DEQUE_GLOBAL_H
#define CONTEND_DEQUE_GLOBAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "deque.h"
#include "mutex_futex.h"

struct deque_global {
	_Alignas(CACHE_LINE) struct mutex_futex lock;
	void **buf;
	uint64_t mask, head, tail;
	_Atomic uint64_t count;
};

/* 2^log_size slots to begin with; 0, or -1 out of memory. */
static inline int deque_global_init(struct deque_global *q, unsigned log_size)
{
	q->mask = ((uint64_t)1 << log_size) - 1;
	q->buf = malloc((q->mask + 1) * sizeof(*q->buf));
	if (!q->buf)
		return -1;
	q->head = q->tail = 0;
	atomic_init(&q->count, 0);
	return mutex_futex_init(&q->lock);
}

static inline void deque_global_destroy(struct deque_global *q)
{
	free(q->buf);
	q->buf = NULL;
	mutex_futex_destroy(&q->lock);
}

/* Under the lock, full: the elements into a buffer twice the size. */
static __attribute__((noinline, unused)) int
deque_global_grow(struct deque_global *q)
{
	uint64_t size = q->mask + 1;
	void **n = malloc(2 * size * sizeof(*n));
	if (!n)
		return -1;
	for (uint64_t i = q->head; i < q->tail; i++)
		n[i & (2 * size - 1)] = q->buf[i & q->mask];
	free(q->buf);
	q->buf = n;
	q->mask = 2 * size - 1;
	return 0;
}

/* 0, or -1 when the queue had to grow and memory ran out. */
static inline int deque_global_push(struct deque_global *q, void *x)
{
	int rc = 0;
	mutex_futex_lock(&q->lock);
	if (__builtin_expect(q->tail - q->head > q->mask, 0))
		rc = deque_global_grow(q);
	if (rc == 0) {
		q->buf[q->tail++ & q->mask] = x;
		/* relaxed: a hint for pollers; the lock orders the data */
		atomic_store_explicit(&q->count, q->tail - q->head,
				      memory_order_relaxed);
	}
	mutex_futex_unlock(&q->lock);
	return rc;
}

/* The oldest element, or NULL when empty. */
static inline void *deque_global_pop(struct deque_global *q)
{
	void *x = NULL;
	/* relaxed: only a hint; the lock below orders the element */
	if (atomic_load_explicit(&q->count, memory_order_relaxed) == 0)
		return NULL;
	mutex_futex_lock(&q->lock);
	if (q->head != q->tail) {
		x = q->buf[q->head++ & q->mask];
		atomic_store_explicit(&q->count, q->tail - q->head,
				      memory_order_relaxed);
	}
	mutex_futex_unlock(&q->lock);
	return x;
}

#endif
