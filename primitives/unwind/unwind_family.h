/* Unwind family (unwind_family.h: not unwind.h, which is the system's
 * unwinder interface): Go's defer, panic and recover in C.
 *
 * Go's rules (the reference, section 4.3 of the article):
 * - `defer f(args)` evaluates f's arguments when the defer statement runs
 *   and calls f when the surrounding function returns, normally or by a
 *   panic; a function's deferred calls run in LIFO order, each exactly once;
 * - `panic(v)` stops the function and runs, LIFO, every pending deferred
 *   call of the goroutine's frames, innermost first;
 * - `recover()` inside a deferred call run by a panic stops that panic and
 *   returns its value; the function that deferred the call then returns
 *   normally to its caller. Anywhere else (outside deferred calls, in a
 *   deferred call run by a normal return, or after the panic was recovered)
 *   it returns nil;
 * - a panic inside a deferred call replaces the panic that ran the call
 *   (recover then returns the newer value); a panic that no deferred call
 *   recovers kills the program, printing every value in the chain.
 *
 * The implementations, one mechanism each:
 * - unwind_cleanup.h: scope-exit defer with __attribute__((cleanup)) (a
 *   compile-time set of calls, as Go's open-coded defers);
 * - unwind_defer_stack.h: a runtime defer stack in an explicit per-thread
 *   context (defers in loops, or registered by a callee for its caller);
 * - unwind_panic.h: panic/recover on setjmp/longjmp over that stack, with
 *   Go's rules above;
 * - unwind_setjmp.h: a bare longjmp to a recover point (runs nothing on the
 *   way: the lower bound);
 * - unwind_forced.h: _Unwind_ForcedUnwind (as glibc's pthread_exit), which
 *   runs the cleanup handlers of -fexceptions frames up to the recover point;
 * - unwind_cxx.h: a C++ throw/catch with destructors as the defers, the
 *   zero-cost-exception reference (only where a C++ compiler is found:
 *   CONTEND_HAVE_CXX);
 * - the plain error-code return every C programmer compares with is written
 *   out in the workload (bench/unwind.c).
 */
#ifndef CONTEND_UNWIND_FAMILY_H
#define CONTEND_UNWIND_FAMILY_H

/* Panic values are longs here (Go's are interfaces); recover says whether
 * there was one, as Go's nil does. */
typedef long unwind_value;

#endif
