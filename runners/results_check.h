/* A results document (schema contend.result/1) that a stranger's machine
 * may have written, checked before contend claims reads a field of it:
 * the checks of scripts/contend_results.py's load(), in the same words,
 * so both readers refuse the same files (tests/hostile/ holds them to it).
 */
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
 * median and samples, and no case twice. */
int results_check(json_t *doc, const char *src, struct err *e);

#endif
