#include "atomic_value_refcount.h"

#include <stdio.h>
#include <string.h>

static struct refcount_node *node_new(void *value)
{
	struct refcount_node *n = malloc(sizeof(*n));
	if (!n)
		return NULL;
	if ((uintptr_t)n >> 48) { /* cannot pack: see the header */
		free(n);
		return NULL;
	}
	atomic_init(&n->internal, 0);
	n->value = value;
	return n;
}

int atomic_value_refcount_init(struct atomic_value_refcount *v, void *initial,
			       size_t size, void (*free_fn)(void *))
{
	struct refcount_node *n = node_new(initial);
	(void)size;
	if (!n)
		return -1;
	memset(v, 0, sizeof(*v));
	atomic_init(&v->word, (uint64_t)(uintptr_t)n);
	v->free_fn = free_fn;
	return 0;
}

static void node_free(struct atomic_value_refcount *v, struct refcount_node *n)
{
	v->free_fn(n->value);
	free(n);
	atomic_value_stats_freed(&v->stats, 1);
}

void atomic_value_refcount_drop(struct atomic_value_refcount *v,
				struct refcount_node *n)
{
	/* acq_rel: the last one out sees every other reader's reads done */
	if (atomic_fetch_sub_explicit(&n->internal, 1, memory_order_acq_rel) ==
	    1)
		node_free(v, n);
}

void atomic_value_refcount_publish(struct atomic_value_refcount *v,
				   struct atomic_value_refcount_thread *t,
				   void *next)
{
	struct refcount_node *n = node_new(next);
	uint64_t old;
	int64_t held;
	(void)t;
	if (!n) {
		v->free_fn(next); /* out of memory: the publication is lost */
		return;
	}
	/* acq_rel: release publishes the node; acquire orders the readers'
	 * released external counts before we credit them */
	old = atomic_exchange_explicit(&v->word, (uint64_t)(uintptr_t)n,
				       memory_order_acq_rel);
	held = (int64_t)(old >> 48);
	atomic_value_stats_retire(&v->stats, 1);
	/* move the external count in: zero means nobody holds it now */
	if (atomic_fetch_add_explicit(&refcount_ptr(old)->internal, held,
				      memory_order_acq_rel) +
		    held ==
	    0)
		node_free(v, refcount_ptr(old));
}

struct atomic_value_refcount_thread *
atomic_value_refcount_thread_new(struct atomic_value_refcount *v)
{
	(void)v;
	return calloc(1, sizeof(struct atomic_value_refcount_thread));
}

void atomic_value_refcount_thread_done(struct atomic_value_refcount *v,
				       struct atomic_value_refcount_thread *t)
{
	(void)v;
	free(t);
}

void atomic_value_refcount_destroy(struct atomic_value_refcount *v)
{
	struct refcount_node *n = refcount_ptr(
		atomic_load_explicit(&v->word, memory_order_relaxed));
	v->free_fn(n->value);
	free(n);
}

size_t atomic_value_refcount_retired_peak(struct atomic_value_refcount *v)
{
	return atomic_load_explicit(&v->stats.peak, memory_order_relaxed);
}
