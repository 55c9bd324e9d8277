/* The zero-cost-exception reference: C++ throw/catch through d frames,
 * each holding `defers` objects whose destructors are its deferred calls
 * (C++'s defer: RAII). Nothing is paid on the path where nothing throws
 * (tables instead of code); a throw allocates the exception
 * (__cxa_allocate_exception), then searches the frames (phase 1) and
 * unwinds them running the destructors (phase 2), each step an FDE lookup
 * and a CFI interpretation. Built only where a C++ compiler is found
 * (CONTEND_HAVE_CXX). The functions are the whole workload, so that the
 * frames are C++ frames. */
#ifndef CONTEND_UNWIND_CXX_H
#define CONTEND_UNWIND_CXX_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Throws `value` (a long) from `depth` frames down, each with `defers`
 * (0, 1 or 4) destructors adding 1 to *counter; catches it at the top and
 * returns the caught value. */
uint64_t unwind_cxx_panic(int depth, int defers, long value, uint64_t *counter);
/* The same frames returning normally: returns depth. */
uint64_t unwind_cxx_defer(int depth, int defers, uint64_t *counter);

#ifdef __cplusplus
}
#endif

#endif
