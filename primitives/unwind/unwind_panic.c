/* The out-of-line parts of the runtime defer stack and of panic/recover:
 * the context's storage, and the panic loop. Invariants: unwind_panic.h. */
#include "unwind_panic.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define UNWIND_DEFER_INITIAL 64

int unwind_ctx_init(struct unwind_ctx *g)
{
	g->records = malloc(UNWIND_DEFER_INITIAL * sizeof(*g->records));
	g->n = 0;
	g->cap = g->records ? UNWIND_DEFER_INITIAL : 0;
	g->frame = NULL;
	g->panic = NULL;
	g->recoverable = NULL;
	return g->records ? 0 : -1;
}

void unwind_ctx_destroy(struct unwind_ctx *g)
{
	free(g->records);
	g->records = NULL;
	g->n = g->cap = 0;
}

void unwind_defer_grow(struct unwind_ctx *g)
{
	size_t cap = g->cap ? 2 * g->cap : UNWIND_DEFER_INITIAL;
	struct unwind_defer_record *r =
		realloc(g->records, cap * sizeof(*g->records));
	if (!r) {
		fputs("fatal error: unwind: out of memory for defer records\n",
		      stderr);
		abort();
	}
	g->records = r;
	g->cap = cap;
}

/* Oldest first, as Go's printpanics. */
static void unwind_print_panics(const struct unwind_panic *p)
{
	if (p->link) {
		unwind_print_panics(p->link);
		fputc('\t', stderr);
	}
	fprintf(stderr, "panic: %ld%s\n", p->value,
		p->recovered ? " [recovered]" : "");
}

void unwind_panic(struct unwind_ctx *g, unwind_value v)
{
	struct unwind_panic p = {v, 0, g->panic, NULL};
	/* p outlives its use: this function never returns (it longjmps to
	 * a frame above, which takes p out of g, or aborts) */
	/* cppcheck-suppress autoVariables */
	g->panic = &p;
	while (g->n > 0) {
		struct unwind_defer_record r = g->records[--g->n];
		p.frame = r.frame;
		/* cppcheck-suppress autoVariables */
		g->recoverable = &p;
		g->frame = NULL;
		r.fn(g, r.p, r.x);
		if (p.recovered) {
			struct unwind_frame *f = r.frame;
			struct unwind_panic *q = p.link;
			/* panics raised below f lived in frames now gone */
			while (q && (uintptr_t)q < (uintptr_t)f)
				q = q->link;
			g->panic = q;
			g->frame = f;
			g->recoverable = f->recoverable;
			longjmp(f->jb, 1);
		}
	}
	unwind_print_panics(&p);
	fflush(stderr);
	abort();
}
