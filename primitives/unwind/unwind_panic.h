/* Panic and recover on setjmp/longjmp over the runtime defer stack
 * (unwind_defer_stack.h), with Go's rules (unwind_family.h).
 *
 * A function whose deferred calls may recover opens a recover point, the
 * frame a recovery resumes in (Go resumes in every function; here only
 * functions that open one can be resumed):
 *
 *	struct unwind_frame fr;
 *	unwind_frame_open(g, &fr);
 *	if (UNWIND_RECOVER_POINT(&fr) == 0) {
 *		unwind_defer(g, handler, &result, 0); // may call unwind_recover
 *		body(g);
 *	}
 *	unwind_frame_return(g, &fr); // runs fr's remaining deferred calls
 *
 * Invariants:
 * - g->frame is the innermost open recover point; a deferred record keeps
 *   the frame that was innermost when it was deferred, and a recovery in
 *   its call resumes there (so a function without its own recover point
 *   has its recovery resume in the nearest enclosing one, after that one's
 *   pending deferred calls, which Go would run later, in the same LIFO
 *   order); while a panic runs a deferred call, g->frame is NULL, so
 *   records deferred inside the call by frames without a recover point
 *   cannot recover;
 * - unwind_panic runs the records from the top of the stack down, popping
 *   each before its call; after each call, if recover() was called in it,
 *   it longjmps to the record's frame; with no record left it prints the
 *   chain of panics ("panic: 1 [recovered]" and a tab before each later
 *   one, as Go) and aborts;
 * - recover() returns the value only while g->recoverable is set: the
 *   panic sets it to itself around each deferred call it runs, and a
 *   normal return clears it around the calls it runs (Go also requires
 *   the deferred function itself to call recover; here any code inside
 *   the deferred call may);
 * - panic records live on the stack of unwind_panic; a panic raised
 *   while another one's deferred call runs links to it (the chain). A
 *   recovery at frame F drops every panic whose record lies below F on the
 *   stack (those frames are gone): a panic recovered inside the deferred
 *   call that raised it leaves the earlier panic running; one recovered
 *   further up ends both. This compares stack addresses: the stack grows
 *   down (every target this suite builds for);
 * - setjmp does not save the signal mask; locals of the function with the
 *   recover point that change after it must be volatile to be read after
 *   a recovery (C's rule for setjmp).
 */
#ifndef CONTEND_UNWIND_PANIC_H
#define CONTEND_UNWIND_PANIC_H

#include <setjmp.h>

#include "unwind_defer_stack.h"

struct unwind_frame {
	jmp_buf jb;
	struct unwind_frame *parent;
	struct unwind_panic *recoverable; /* restored on a recovery here */
	size_t mark;			  /* the frame's defers are above */
};

struct unwind_panic {
	unwind_value value;
	int recovered;
	struct unwind_panic *link;  /* the panic this one interrupted */
	struct unwind_frame *frame; /* frame of the running deferred call */
};

static inline void unwind_frame_open(struct unwind_ctx *g,
				     struct unwind_frame *fr)
{
	fr->parent = g->frame;
	fr->recoverable = g->recoverable;
	fr->mark = g->n;
	g->frame = fr;
}

/* Right after unwind_frame_open(g, fr), as the whole controlling
 * expression of an if (or compared with 0 there: where C allows setjmp):
 * 0 on entry; 1 when a deferred call recovered a panic and control came
 * back here. A macro because setjmp must run in the frame it returns to. */
#define UNWIND_RECOVER_POINT(fr) setjmp((fr)->jb)

/* On every return path of a function with a recover point. */
static inline void unwind_frame_return(struct unwind_ctx *g,
				       struct unwind_frame *fr)
{
	unwind_defer_return(g, fr->mark);
	g->frame = fr->parent;
}

_Noreturn void unwind_panic(struct unwind_ctx *g, unwind_value v);

/* Go's recover(): 1 and *v set when called inside a deferred call run by a
 * panic not yet recovered (and resumable: the record has a frame); 0 else. */
static inline int unwind_recover(struct unwind_ctx *g, unwind_value *v)
{
	struct unwind_panic *p = g->recoverable;
	if (!p || p->recovered || !p->frame)
		return 0;
	p->recovered = 1;
	*v = p->value;
	return 1;
}

#endif
