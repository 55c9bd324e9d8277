/* The thread records a reclamation scheme scans (epoch announcements,
 * hazard slots), and the retired values that finished threads leave behind.
 *
 * Invariants. Records are pushed at the head under the lock and never
 * unlinked before the scheme is destroyed, so a scanner walks the list
 * without the lock: the release store of the head publishes a fully
 * initialised record, and a record's next never changes once published.
 * Orphans are appended under the same lock and freed at destroy.
 */
#ifndef CONTEND_THREAD_REGISTRY_H
#define CONTEND_THREAD_REGISTRY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

struct thread_registry_node {
	struct thread_registry_node *next;
};

struct thread_registry {
	_Atomic(struct thread_registry_node *) head;
	_Atomic size_t n;     /* records linked so far */
	pthread_mutex_t lock; /* pushes and orphans */
	void *orphans;	      /* elem-sized retired entries */
	size_t norphans, orphans_cap;
};

/* 0, or -1 when the lock cannot be made. */
int thread_registry_init(struct thread_registry *r);
void thread_registry_destroy(struct thread_registry *r); /* frees orphans[] */
void thread_registry_push(struct thread_registry *r,
			  struct thread_registry_node *n);
/* Appends a finished thread's n retired entries of elem bytes to the
 * orphans; 0 when they moved, -1 without memory (the caller keeps them). */
int thread_registry_adopt(struct thread_registry *r, const void *items,
			  size_t n, size_t elem);

/* acquire: pairs with push's release, the record is initialised */
static inline struct thread_registry_node *
thread_registry_first(struct thread_registry *r)
{
	return atomic_load_explicit(&r->head, memory_order_acquire);
}

static inline size_t thread_registry_count(struct thread_registry *r)
{
	return atomic_load_explicit(&r->n, memory_order_relaxed);
}

/* The record that holds node member `member`. */
#define thread_registry_entry(node, type, member)                              \
	((type *)(void *)((char *)(node)-offsetof(type, member)))

#endif
