/* Atomic value as one C11 atomic pointer: the floor of the family.
 *
 * load is an acquire load, so the fields of the value are visible once the
 * pointer is; swap is an acq_rel exchange: release publishes the new value's
 * fields, acquire lets the caller read the value it got back.
 *
 * Reclamation: none. A replaced value may still be read by any reader that
 * loaded it, so it is parked (handed back to the caller of swap, who must not
 * free it while readers may hold it). Safe reclamation is what the other
 * implementations of this family pay for.
 */
#ifndef CONTEND_ATOMIC_VALUE_C11_H
#define CONTEND_ATOMIC_VALUE_C11_H

#include <stdatomic.h>

#include "atomic_value.h"

struct atomic_value_c11 {
	_Atomic(void *) p;
};

static inline int atomic_value_c11_init(struct atomic_value_c11 *v,
					void *initial)
{
	atomic_init(&v->p, initial);
	return 0;
}

static inline void atomic_value_c11_destroy(struct atomic_value_c11 *v)
{
	(void)v;
}

static inline void *atomic_value_c11_load(struct atomic_value_c11 *v)
{
	return atomic_load_explicit(&v->p, memory_order_acquire);
}

static inline void *atomic_value_c11_swap(struct atomic_value_c11 *v,
					  void *next)
{
	return atomic_exchange_explicit(&v->p, next, memory_order_acq_rel);
}

#endif
