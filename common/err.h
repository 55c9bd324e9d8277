/* Error reporting: every fallible function fills a struct err and returns a
 * negative code; the caller decides how to print it, once, at the top. */
#ifndef CONTEND_ERR_H
#define CONTEND_ERR_H

#include <stddef.h>

struct err {
	char msg[512];
};

/* Formats the message into e (when e is not NULL) and returns -1. */
int err_set(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
