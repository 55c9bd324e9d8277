/* Atomic value family: Go's atomic.Value / atomic.Pointer in C.
 *
 * Contract. An implementation IMPL provides, in atomic_value_IMPL.h:
 *   struct atomic_value_IMPL;
 *   int   atomic_value_IMPL_init(struct atomic_value_IMPL *v, void *initial);
 *   void  atomic_value_IMPL_destroy(struct atomic_value_IMPL *v);
 *   void *atomic_value_IMPL_load(struct atomic_value_IMPL *v);   static inline
 *   void *atomic_value_IMPL_swap(struct atomic_value_IMPL *v, void *next);
 * load returns the current value; swap publishes next and returns the value
 * it replaced. Values are immutable once published (Go's rule for what an
 * atomic.Value holds). Who may free a replaced value, and when, is each
 * implementation's reclamation scheme, stated in its header comment.
 *
 * The functions are static inline so the workload's hot loop inlines them;
 * atomic_value_ops describes an implementation for listings and records.
 */
#ifndef CONTEND_ATOMIC_VALUE_H
#define CONTEND_ATOMIC_VALUE_H

struct atomic_value_ops {
	const char *name;
	const char *reclamation; /* what happens to replaced values */
};

#endif
