/* A runtime defer stack: Go's defer for calls registered in loops or
 * across calls, as the runtime's _defer records on the goroutine.
 *
 * State: one struct unwind_ctx per thread (Go's g), owned by the caller
 * and passed explicitly to every operation; nothing is shared between
 * threads and there is no global state. A thread must use only its own
 * context.
 *
 * Invariants:
 * - records[0..n) are the pending deferred calls of the live frames, the
 *   innermost frame's on top; a function owns the records above the mark
 *   it took on entry (unwind_defer_mark) and runs them down to that mark
 *   when it returns (unwind_defer_return);
 * - a record holds the function and its two arguments as they were when
 *   deferred (Go evaluates the arguments at the defer statement): a
 *   pointer argument still points to memory that may change later, as in Go;
 * - a record is popped before it is called, so it runs exactly once even
 *   if the call panics;
 * - the stack grows by doubling (realloc) and never shrinks until
 *   unwind_ctx_destroy; out of memory aborts, as Go's runtime does.
 * The panic fields belong to unwind_panic.h; on a normal return they only
 * make recover() inside the deferred calls return nothing.
 */
#ifndef CONTEND_UNWIND_DEFER_STACK_H
#define CONTEND_UNWIND_DEFER_STACK_H

#include <stddef.h>

#include "unwind_family.h"

struct unwind_ctx;
struct unwind_frame;
struct unwind_panic;

typedef void unwind_defer_fn(struct unwind_ctx *g, void *p, long x);

struct unwind_defer_record {
	unwind_defer_fn *fn;
	void *p;
	long x;
	struct unwind_frame *frame; /* where a recover in fn resumes */
};

struct unwind_ctx {
	struct unwind_defer_record *records;
	size_t n, cap;
	struct unwind_frame *frame;	  /* innermost recover point */
	struct unwind_panic *panic;	  /* innermost live panic */
	struct unwind_panic *recoverable; /* whose deferred call runs now */
};

/* 0, or -1 when out of memory. */
int unwind_ctx_init(struct unwind_ctx *g);
void unwind_ctx_destroy(struct unwind_ctx *g);
/* The slow path, out of line. */
void unwind_defer_grow(struct unwind_ctx *g);

/* On function entry: the function's defers are the ones above this mark. */
static inline size_t unwind_defer_mark(const struct unwind_ctx *g)
{
	return g->n;
}

/* Go's `defer fn(p, x)`: the arguments are captured now. */
static inline void unwind_defer(struct unwind_ctx *g, unwind_defer_fn *fn,
				void *p, long x)
{
	struct unwind_defer_record *r;
	if (__builtin_expect(g->n == g->cap, 0))
		unwind_defer_grow(g);
	r = &g->records[g->n++];
	r->fn = fn;
	r->p = p;
	r->x = x;
	r->frame = g->frame;
}

/* On every return path: runs the function's deferred calls, LIFO. A
 * recover() inside them returns nothing (no panic runs them). */
static inline void unwind_defer_return(struct unwind_ctx *g, size_t mark)
{
	struct unwind_panic *saved;
	if (g->n <= mark)
		return;
	saved = g->recoverable;
	g->recoverable = NULL;
	while (g->n > mark) {
		struct unwind_defer_record r = g->records[--g->n];
		r.fn(g, r.p, r.x);
	}
	g->recoverable = saved;
}

#endif
