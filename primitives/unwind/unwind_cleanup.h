/* Scope-exit defer with GCC/Clang's __attribute__((cleanup)): the compiler
 * calls fn(&var) when var goes out of scope, on every normal exit path, in
 * reverse order of declaration — Go's defer for a fixed set of calls known at
 * compile time. It does not run on longjmp (unwind_setjmp.h,
 * unwind_panic.h); it does run during forced unwinding (unwind_forced.h)
 * and C++ exceptions when the frame is compiled with -fexceptions. No
 * state: nothing is registered at run time, the calls are code at the
 * scope's exits. Arguments are whatever var holds
 * at scope exit (Go evaluates defer arguments when the defer is registered:
 * store them in var to get Go's behaviour). */
#ifndef CONTEND_UNWIND_CLEANUP_H
#define CONTEND_UNWIND_CLEANUP_H

#include "unwind_family.h"

#define UNWIND_DEFER(fn) __attribute__((cleanup(fn)))

#endif
