/* A bare longjmp to a recover point: the lower bound of the family. The
 * recover point is a jmp_buf; a panic stores its value and longjmps there,
 * skipping every frame between (their locals are abandoned, their cleanup
 * handlers skipped; unwind_panic.h is the setjmp panic that runs deferred
 * calls on the way, unwind_forced.h the one that runs cleanup handlers). setjmp
 * does not save the signal mask, which is what keeps it a few nanoseconds
 * (sigsetjmp would be a system call). Anything the recovering frame changes
 * between setjmp and the longjmp must be volatile. */
#ifndef CONTEND_UNWIND_SETJMP_H
#define CONTEND_UNWIND_SETJMP_H

#include <setjmp.h>

#include "unwind_family.h"

struct unwind_setjmp_point {
	jmp_buf jb;
	long value; /* the panic's value, read after recovery */
};

/* Use as: if (UNWIND_SETJMP_RECOVER_POINT(&pt) == 0) { normal path } else
 * { recovered: pt.value }. A macro because setjmp must run in the frame that
 * the panic returns to. */
#define UNWIND_SETJMP_RECOVER_POINT(pt) setjmp((pt)->jb)

static inline _Noreturn void unwind_setjmp_panic(struct unwind_setjmp_point *pt,
						 long value)
{
	pt->value = value;
	longjmp(pt->jb, 1);
}

#endif
