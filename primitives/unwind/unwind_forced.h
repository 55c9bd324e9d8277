/* Panic by forced unwinding: _Unwind_ForcedUnwind walks the frames from
 * the panic up to the recover point, as glibc does for pthread_exit and
 * cancellation, and runs the cleanup handlers of every frame on the way:
 * the __attribute__((cleanup)) variables (unwind_cleanup.h) of frames
 * compiled with -fexceptions (a frame compiled without it is walked over,
 * its cleanups skipped, as longjmp skips them all).
 *
 * The recover point is a call, unwind_forced_call(fn, arg, &v), standing
 * for Go's function with `defer func() { v = recover() }()` around fn: it
 * holds the point (a jmp_buf) in its own frame, which has no cleanups, and
 * calls fn(pt, arg); a panic below walks up to it and longjmps into it, and
 * it returns 1 with the value. The stop function longjmps at the first
 * frame whose canonical frame address (CFA, as the unwinder reports it for
 * a frame: its stack pointer at the call it is in) lies above the point,
 * which is the caller of unwind_forced_call: every frame from the panic up
 * to fn's has run its cleanups, the caller's have not (the stack grows
 * down, so the frames below the point report CFAs at or below its locals;
 * unwind_forced_call's own frame reports one below them too, and has
 * nothing to run).
 *
 * Invariants:
 * - the point (jmp_buf, exception object, where the value goes) lives in
 *   unwind_forced_call's frame, which outlives the walk: no allocation;
 * - every frame between the panic and the recover point needs unwind
 *   tables (-fexceptions, or the default -fasynchronous-unwind-tables); a
 *   walk that reaches the end of the stack without finding the point
 *   aborts;
 * - the cost grows with the frames walked: each step looks up the frame's
 *   FDE (glibc's _dl_find_object, lock-free since 2.35; older systems take
 *   the loader's lock here, which serialises threads) and interprets its
 *   CFI, and each cleanup handler is a landing pad that resumes the walk
 *   (_Unwind_Resume) afresh;
 * - a deferred call here is a cleanup handler: it cannot recover; Go's
 *   recover is the caller's code after unwind_forced_call returns 1.
 */
#ifndef CONTEND_UNWIND_FORCED_H
#define CONTEND_UNWIND_FORCED_H

#include <setjmp.h>
#include <unwind.h>

#include "unwind_family.h"

struct unwind_forced_point {
	jmp_buf jb;
	struct _Unwind_Exception exc;
	unwind_value *value; /* where the panic's value goes */
};

typedef void unwind_forced_fn(struct unwind_forced_point *pt, void *arg);

/* Calls fn(pt, arg): 0 when it returned, 1 when it panicked (*v is the
 * panic's value). */
int unwind_forced_call(unwind_forced_fn *fn, void *arg, unwind_value *v);

/* Unwinds to pt's recover point, running the cleanups on the way. */
_Noreturn void unwind_forced_panic(struct unwind_forced_point *pt,
				   unwind_value v);

#endif
