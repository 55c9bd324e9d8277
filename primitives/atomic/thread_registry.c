#include "thread_registry.h"

#include <stdlib.h>
#include <string.h>

int thread_registry_init(struct thread_registry *r)
{
	memset(r, 0, sizeof(*r));
	atomic_init(&r->head, NULL);
	atomic_init(&r->n, 0);
	return pthread_mutex_init(&r->lock, NULL) == 0 ? 0 : -1;
}

void thread_registry_destroy(struct thread_registry *r)
{
	free(r->orphans);
	pthread_mutex_destroy(&r->lock);
}

void thread_registry_push(struct thread_registry *r,
			  struct thread_registry_node *n)
{
	pthread_mutex_lock(&r->lock);
	n->next = atomic_load_explicit(&r->head, memory_order_relaxed);
	/* release: scanners walking the list see an initialised record */
	atomic_store_explicit(&r->head, n, memory_order_release);
	atomic_fetch_add_explicit(&r->n, 1, memory_order_relaxed);
	pthread_mutex_unlock(&r->lock);
}

int thread_registry_adopt(struct thread_registry *r, const void *items,
			  size_t n, size_t elem)
{
	int rc = 0;
	if (n == 0)
		return 0;
	pthread_mutex_lock(&r->lock);
	if (r->norphans + n > r->orphans_cap) {
		size_t cap = 2 * (r->norphans + n);
		void *o = realloc(r->orphans, cap * elem);
		if (o) {
			r->orphans = o;
			r->orphans_cap = cap;
		}
	}
	if (r->norphans + n <= r->orphans_cap) {
		memcpy((char *)r->orphans + r->norphans * elem, items,
		       n * elem);
		r->norphans += n;
	} else {
		rc = -1;
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}
