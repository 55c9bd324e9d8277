/* Reading a results file from anywhere, before results_check() looks at
 * what it says: every problem one line naming the file, as the scripts'
 * loader words it where jansson lets us tell (NaN and Infinity, which
 * Python writes and reads back, are not JSON). */
#ifndef CONTEND_RESULTS_READ_H
#define CONTEND_RESULTS_READ_H

#include <jansson.h>
#include <stddef.h>

#include "err.h"
#include "results_check.h"

/* The text at buf (len bytes) read from src, parsed: NULL with
 * "SRC: the problem" (empty, not JSON, NaN or Infinity, nested too
 * deeply, truncated). */
json_t *results_parse(const char *buf, size_t len, const char *src,
		      struct err *e);

/* The file at path read and parsed: NULL with the problem (cannot read,
 * a directory, then as results_parse). */
json_t *results_read(const char *path, struct err *e);

#endif
