/* contend run's --format table: a new format is a function and a line. */
#include "report.h"

static void tables(FILE *f, const void *doc)
{
	report_tables(f, doc, 0);
}

static void markdown(FILE *f, const void *doc)
{
	report_tables(f, doc, 1);
}

static void csv(FILE *f, const void *doc)
{
	report_csv(f, doc);
}

static void json(FILE *f, const void *doc)
{
	json_t *d = report_json(doc);
	writers_dump_json(f, d);
	json_decref(d);
}

static void gobench(FILE *f, const void *doc)
{
	report_gobench(f, doc);
}

/* table first: the default (bit 0); the order is the order printed */
const struct writer report_writers[] = {
	{"table", tables},    {"markdown", markdown}, {"csv", csv},
	{"gobench", gobench}, {"json", json},
};
const size_t report_nwriters = sizeof(report_writers) / sizeof(*report_writers);
