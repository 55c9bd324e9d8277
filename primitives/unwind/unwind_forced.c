/* Forced unwinding to a recover point (invariants: unwind_forced.h).
 * Compiled with -fexceptions. */
#include "unwind_forced.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Unwind_Reason_Code
unwind_forced_stop(int version, _Unwind_Action actions,
		   _Unwind_Exception_Class cls, struct _Unwind_Exception *exc,
		   struct _Unwind_Context *ctx, void *param)
{
	struct unwind_forced_point *pt = param;
	(void)version;
	(void)cls;
	(void)exc;
	if (actions & _UA_END_OF_STACK) {
		fputs("fatal error: unwind: forced unwind found no recover "
		      "point\n",
		      stderr);
		abort();
	}
	if (_Unwind_GetCFA(ctx) > (uintptr_t)pt)
		longjmp(pt->jb, 1);
	return _URC_NO_REASON;
}

/* Called if something other than our stop function disposes of it. */
static void unwind_forced_exc_cleanup(_Unwind_Reason_Code reason,
				      struct _Unwind_Exception *exc)
{
	(void)reason;
	(void)exc;
}

int unwind_forced_call(unwind_forced_fn *fn, void *arg, unwind_value *v)
{
	struct unwind_forced_point pt;
	pt.value = v;
	if (setjmp(pt.jb) == 0) {
		fn(&pt, arg);
		return 0;
	}
	return 1;
}

void unwind_forced_panic(struct unwind_forced_point *pt, unwind_value v)
{
	*pt->value = v;
	memcpy(&pt->exc.exception_class, "CNTDPNC\0", sizeof(uint64_t));
	pt->exc.exception_cleanup = unwind_forced_exc_cleanup;
	_Unwind_ForcedUnwind(&pt->exc, unwind_forced_stop, pt);
	/* only if the unwinder itself failed */
	fputs("fatal error: unwind: _Unwind_ForcedUnwind failed\n", stderr);
	abort();
}
