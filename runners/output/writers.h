/* Output formats behind one interface: each command that prints has a
 * table of writers, one per --format name, and asks nothing else of them.
 * A new format is a writer function and one line in its command's table.
 *
 * A writer gets the whole document once, at the end, not record by record
 * (open/record/close): the tables align their columns over every row and
 * the C / Go and quiet lines need all records; what a run shows while it
 * goes is the progress line on stderr. */
#ifndef CONTEND_WRITERS_H
#define CONTEND_WRITERS_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"

struct writer {
	const char *name; /* as --format names it */
	/* doc: what the command prints (struct report for run, ...) */
	void (*write)(FILE *f, const void *doc);
};

#define WRITERS_MAX 16 /* a format is a bit of an unsigned mask */

/* "table,json" over the n writers of tab: bit i set for tab[i]. 0, or -1
 * with a message naming the formats there are. */
int writers_parse(const struct writer *tab, size_t n, const char *list,
		  unsigned *mask, struct err *e);
/* One format name only: its index. */
int writers_parse_one(const struct writer *tab, size_t n, const char *name,
		      unsigned *index, struct err *e);
/* Every writer of mask to f, in the table's order, then flushes f. */
void writers_emit(const struct writer *tab, size_t n, unsigned mask, FILE *f,
		  const void *doc);
/* The json writers' common end: doc indented, with every digit a double
 * needs to come back, and a newline. */
void writers_dump_json(FILE *f, const json_t *doc);

#endif
