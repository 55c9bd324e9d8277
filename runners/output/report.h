/* Writers: everything one run produced, in each output format. */
#ifndef CONTEND_REPORT_H
#define CONTEND_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "control.h"
#include "counters.h"
#include "err.h"
#include "machine.h"
#include "options.h"
#include "record.h"
#include "writers.h"

struct report {
	const struct machine *machine;
	const struct counter_plan *counters;
	const struct options *opt;
	struct record *recs;
	size_t n;
	char started[32], finished[32]; /* ISO 8601 UTC */
	int interrupted;
	struct control_probe *controls; /* the run's control probes */
	size_t ncontrols, maxcontrols;
};

/* contend run's formats (report_writers.c); each writes a struct report. */
extern const struct writer report_writers[];
extern const size_t report_nwriters;

/* Terminal (aligned) or markdown: ns/op, allocation and counter tables. */
void report_tables(FILE *f, const struct report *r, int markdown);
void report_csv(FILE *f, const struct report *r);
/* Go's benchmark text format, one line per sample: benchstat reads it. */
void report_gobench(FILE *f, const struct report *r);
/* The run's one line on how quiet the machine was (interference). */
void report_quiet_line(FILE *f, const struct report *r);
/* A record's params object from a bench's "key=value,..." (whole numbers
 * as numbers). */
json_t *report_params_json(const char *params);
/* The results document, schema contend.result/1. */
json_t *report_json(const struct report *r);
/* "x.yz" with three significant digits, or "n/a". */
void fmt_num(char *buf, size_t len, double v);

#endif
