/* Text from a results file, as contend shows it: quoted in a message the
 * way scripts/contend_results.py's shown() quotes it (Python's repr, so
 * both readers name a bad value alike), or cleaned for a terminal. A
 * stranger's file must not reach a terminal's escape sequences, nor
 * reorder what a reader sees with bidirectional overrides. */
#ifndef CONTEND_SHOWN_H
#define CONTEND_SHOWN_H

#include <jansson.h>
#include <stddef.h>

/* v as Python's repr writes the value json.loads makes of it ('two', 20,
 * -20.0, 1e+308, True, None, [1.0, 2.0]), control characters escaped,
 * cut to width characters with "…" (width 0: uncut). */
void shown_value(char *buf, size_t len, json_t *v, size_t width);
/* A string as shown_value quotes it. */
void shown_string(char *buf, size_t len, const char *s, size_t width);
/* A double as Python's repr writes it: the shortest text that reads back
 * as the same number (20.0, 0.1, 1e+16). */
void shown_float(char *buf, size_t len, double v);
/* s with every C0 and C1 control character written \xNN and every
 * bidirectional override or line separator \uNNNN (contend_results.py's
 * clean()): safe to print on a terminal, one line. */
void shown_clean(char *buf, size_t len, const char *s);

#endif
