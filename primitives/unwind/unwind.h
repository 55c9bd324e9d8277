/* Unwind family: Go's defer, panic and recover in C.
 *
 * Contract (this first slice; the runtime defer stack and Go's full
 * panic-in-defer rules come with the unwind issue):
 * - a recover point is set where Go would have `defer func() { recover() }()`;
 * - a panic from any depth below it transfers control there with a value;
 * - a defer runs a function when its scope ends, in LIFO order.
 * Implementations: unwind_setjmp.h (setjmp/longjmp panic), unwind_cleanup.h
 * (scope-exit defer with __attribute__((cleanup))); the error-code return
 * they are compared with is plain C and lives in the workload.
 */
#ifndef CONTEND_UNWIND_H
#define CONTEND_UNWIND_H
#endif
