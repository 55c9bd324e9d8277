#include "err.h"

#include <stdarg.h>
#include <stdio.h>

int err_set(struct err *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	/* clang-analyzer-valist misses the va_start just above */
	if (e)
		vsnprintf(e->msg, sizeof(e->msg), fmt, // NOLINT
			  ap);
	va_end(ap);
	return -1;
}
