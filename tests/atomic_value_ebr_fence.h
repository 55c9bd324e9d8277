/* EBR with its readers' own fence, as on a kernel without membarrier(2):
 * atomic_value_ebr.h with asym off, under its own name so that the atomic
 * value tests run both of EBR's fence modes wherever membarrier exists. */
#ifndef CONTEND_ATOMIC_VALUE_EBR_FENCE_H
#define CONTEND_ATOMIC_VALUE_EBR_FENCE_H

#include "atomic_value_ebr.h"

struct atomic_value_ebr_fence {
	struct atomic_value_ebr ebr;
};

/* opaque: a struct atomic_value_ebr_thread */
struct atomic_value_ebr_fence_thread;

static inline struct atomic_value_ebr_thread *
ebr_fence_thread(struct atomic_value_ebr_fence_thread *t)
{
	return (struct atomic_value_ebr_thread *)t;
}

static inline int atomic_value_ebr_fence_init(struct atomic_value_ebr_fence *v,
					      void *initial, size_t size,
					      void (*free_fn)(void *))
{
	int rc = atomic_value_ebr_init(&v->ebr, initial, size, free_fn);
	v->ebr.asym = 0; /* readers run a full fence; reclaim its own */
	return rc;
}

static inline void
atomic_value_ebr_fence_destroy(struct atomic_value_ebr_fence *v)
{
	atomic_value_ebr_destroy(&v->ebr);
}

static inline struct atomic_value_ebr_fence_thread *
atomic_value_ebr_fence_thread_new(struct atomic_value_ebr_fence *v)
{
	return (struct atomic_value_ebr_fence_thread *)
		atomic_value_ebr_thread_new(&v->ebr);
}

static inline void
atomic_value_ebr_fence_thread_done(struct atomic_value_ebr_fence *v,
				   struct atomic_value_ebr_fence_thread *t)
{
	atomic_value_ebr_thread_done(&v->ebr, ebr_fence_thread(t));
}

static inline void
atomic_value_ebr_fence_publish(struct atomic_value_ebr_fence *v,
			       struct atomic_value_ebr_fence_thread *t,
			       void *next)
{
	atomic_value_ebr_publish(&v->ebr, ebr_fence_thread(t), next);
}

static inline size_t
atomic_value_ebr_fence_retired_peak(struct atomic_value_ebr_fence *v)
{
	return atomic_value_ebr_retired_peak(&v->ebr);
}

static inline void *
atomic_value_ebr_fence_alloc(struct atomic_value_ebr_fence *v,
			     struct atomic_value_ebr_fence_thread *t)
{
	return atomic_value_ebr_alloc(&v->ebr, ebr_fence_thread(t));
}

static inline const void *
atomic_value_ebr_fence_read_begin(struct atomic_value_ebr_fence *v,
				  struct atomic_value_ebr_fence_thread *t)
{
	return atomic_value_ebr_read_begin(&v->ebr, ebr_fence_thread(t));
}

static inline void
atomic_value_ebr_fence_read_end(struct atomic_value_ebr_fence *v,
				struct atomic_value_ebr_fence_thread *t)
{
	atomic_value_ebr_read_end(&v->ebr, ebr_fence_thread(t));
}

#endif
