/* Comma-separated option values (--filter, --placement, --counters,
 * --format): strtok_r skips empty items, so "a,,b" or "a," would quietly
 * mean less than the user typed; each parser checks the list here first. */
#ifndef CONTEND_LIST_H
#define CONTEND_LIST_H

#include "err.h"

/* 0 when s is a non-empty list without an empty item; otherwise -1 with a
 * message naming what (e.g. "placement list") and the list as given. */
int list_check(const char *s, const char *what, struct err *e);

#endif
