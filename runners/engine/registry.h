/* The registered benchmarks, in listing order. */
#ifndef CONTEND_REGISTRY_H
#define CONTEND_REGISTRY_H

#include <stddef.h>

#include "bench.h"
#include "err.h"

/* Every registered benchmark, sorted by family (in docs/DESIGN.md's
 * order), then name, numeric parameters and implementation. *out is
 * malloc'd. */
int registry_all(const struct bench ***out, size_t *n, struct err *e);
/* 1 when the runner's own test benchmarks (BENCH_HIDDEN) are selectable. */
int registry_selftest_enabled(void);

/* Keeps the benchmarks matching the filter: comma-separated globs over
 * FAMILY/WORKLOAD, and impl=GLOB items over implementations (each kind
 * ORed within, ANDed across). A glob matching nothing is an error. */
int registry_filter(const struct bench **all, size_t n, const char *filter,
		    const struct bench ***out, size_t *nout, struct err *e);

#endif
