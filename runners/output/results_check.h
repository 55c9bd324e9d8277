/* A results document (schema contend.result/1) that a stranger's machine
 * may have written, checked before contend claims reads a field of it:
 * results/schema.json's structure and the checks scripts/contend_results.py's
 * load() makes beyond it, in the same words, so both readers refuse the same
 * files (tests/test_readers_agree.py holds them to tests/hostile/). */
#ifndef CONTEND_RESULTS_CHECK_H
#define CONTEND_RESULTS_CHECK_H

#include <jansson.h>
#include <stddef.h>

#include "err.h"

#define RESULT_SCHEMA "contend.result/1"

/* 0, or -1 with "SRC: the problem" (one line). After it: machine and run
 * are objects, machine.id a safe file name, every record has string
 * benchmark, impl and a known status, threads a count or absent, params
 * scalars, every figure finite, >= 0 and at most 1e15, an ok record a
 * median and samples, nesting at most 64 deep, and no case twice. */
int results_check(json_t *doc, const char *src, struct err *e);

#endif
