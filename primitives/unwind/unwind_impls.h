/* Every unwind mechanism, once, for each of the two paths: the benchmarks
 * (bench/unwind.c) register each entry's rows, and the test
 * (tests/test_unwind.c) takes every mechanism's header from here. A
 * mechanism added here is one bench/unwind.c run function away from its
 * rows.
 *
 * X(name, how, defers):
 *   name    the rows' impl; bench/unwind.c's unwind_NAME_panic_run or
 *           unwind_NAME_defer_run does its op
 *   how     what `contend list` says of it, in its rows' parentheses
 *   defers  1: it runs deferred calls, so it has rows with 1 and 4 defers
 *           per frame; 0: defers=0 only (setjmp runs nothing on the way:
 *           the lower bound; plain has no defer: the floor of defer's
 *           cost)
 *
 * errcode and plain are the C idioms every mechanism is compared with:
 * no header of their own, written out in the workload. cxx is there only
 * where a C++ compiler was found (CONTEND_HAVE_CXX: meson.build).
 */
#ifndef CONTEND_UNWIND_IMPLS_H
#define CONTEND_UNWIND_IMPLS_H

#include "unwind_cleanup.h"
#include "unwind_defer_stack.h"
#include "unwind_forced.h"
#include "unwind_panic.h"
#include "unwind_setjmp.h"

#ifdef CONTEND_HAVE_CXX
#include "unwind_cxx.h"
#define UNWIND_PANIC_IMPLS_CXX(X) X(cxx, "C++ throw, destructors as defers", 1)
#define UNWIND_DEFER_IMPLS_CXX(X) X(cxx, "C++ destructors", 1)
#else
#define UNWIND_PANIC_IMPLS_CXX(X)
#define UNWIND_DEFER_IMPLS_CXX(X)
#endif

/* unwind/panic: a panic from d frames back to a recover point */
#define UNWIND_PANIC_IMPLS(X)                                                  \
	X(setjmp, "longjmp, deferred calls skipped", 0)                        \
	X(errcode, "error codes returned by every frame", 1)                   \
	X(panic, "setjmp panic over the runtime defer stack", 1)               \
	X(forced, "_Unwind_ForcedUnwind running cleanups", 1)                  \
	UNWIND_PANIC_IMPLS_CXX(X)

/* unwind/defer: d nested calls returning normally */
#define UNWIND_DEFER_IMPLS(X)                                                  \
	X(plain, "no defer", 0)                                                \
	X(cleanup, "__attribute__((cleanup))", 1)                              \
	X(stack, "runtime defer stack", 1)                                     \
	UNWIND_DEFER_IMPLS_CXX(X)

#endif
