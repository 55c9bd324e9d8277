/* Atomic value on liburcu's memb flavour (Debian liburcu-dev): the library
 * reference for the two schemes written here. Readers take
 * urcu_memb_read_lock (a per-thread counter, no fence: membarrier(2) on the
 * writer side); a publisher retires replaced values into a private batch
 * and, every ATOMIC_VALUE_URCU_BATCH retires, waits one grace period
 * (urcu_memb_synchronize_rcu) and frees the batch.
 * Reclamation: a value is freed after a grace period that started after its
 * unlink, so no reader still holds it. A reader stalled in its read section
 * blocks the publisher in synchronize_rcu (memory stays bounded by the
 * batch; the publisher waits instead).
 */
#ifndef CONTEND_ATOMIC_VALUE_URCU_H
#define CONTEND_ATOMIC_VALUE_URCU_H

#include <stddef.h>

#include "cacheline.h"
#include "tsan_annotate.h"

/* liburcu's read side inline (its static/ headers) rather than a call into
 * the shared library: what its documentation recommends for speed, and
 * allowed since this project's licence is LGPL-compatible. Not under
 * ThreadSanitizer: liburcu's internal protocol (plain accesses ordered by
 * membarrier) is invisible to it, so it stays inside the uninstrumented
 * library and the grace period is annotated instead (TSAN_RELEASE/ACQUIRE). */
#ifndef CONTEND_TSAN
#define _LGPL_SOURCE
#endif
#include <urcu/urcu-memb.h>

#include "atomic_value.h"

/* retires per grace period: the batch of ATOMIC_VALUE_HP_BATCH, whose
 * comment says why it is this large */
#define ATOMIC_VALUE_URCU_BATCH ((size_t)1024)

struct atomic_value_urcu_thread {
	void **retired;
	size_t nretired, cap;
	struct atomic_value_cache cache; /* reclaimed, for alloc */
};

struct atomic_value_urcu {
	/* C11 atomics rather than rcu_dereference/rcu_xchg_pointer: the same
	 * instructions on x86 and arm64 (acquire costs nothing more than
	 * consume there), and visible to ThreadSanitizer */
	_Alignas(CACHE_LINE) _Atomic(void *) p;
	char gp; /* TSan: stands for "a grace period has passed" */
	void (*free_fn)(void *);
	size_t size; /* a value's bytes (the alloc cache prefetches them) */
	struct atomic_value_stats stats;
};

int atomic_value_urcu_init(struct atomic_value_urcu *v, void *initial,
			   size_t size, void (*free_fn)(void *));
void atomic_value_urcu_destroy(struct atomic_value_urcu *v);
struct atomic_value_urcu_thread *
atomic_value_urcu_thread_new(struct atomic_value_urcu *v);
void atomic_value_urcu_thread_done(struct atomic_value_urcu *v,
				   struct atomic_value_urcu_thread *t);
void atomic_value_urcu_publish(struct atomic_value_urcu *v,
			       struct atomic_value_urcu_thread *t, void *next);
size_t atomic_value_urcu_retired_peak(struct atomic_value_urcu *v);

static inline void *atomic_value_urcu_alloc(struct atomic_value_urcu *v,
					    struct atomic_value_urcu_thread *t)
{
	(void)v;
	return atomic_value_cache_take(&t->cache, ATOMIC_VALUE_URCU_BATCH);
}

static inline const void *
atomic_value_urcu_read_begin(struct atomic_value_urcu *v,
			     struct atomic_value_urcu_thread *t)
{
	(void)t;
	urcu_memb_read_lock();
	return atomic_load_explicit(&v->p, memory_order_acquire);
}

static inline void
atomic_value_urcu_read_end(struct atomic_value_urcu *v,
			   struct atomic_value_urcu_thread *t)
{
	(void)t;
	/* TSan: this read section happens before the end of any grace period
	 * that waits for it (acquired in flush) */
	TSAN_RELEASE(&v->gp);
	urcu_memb_read_unlock();
}

#endif
