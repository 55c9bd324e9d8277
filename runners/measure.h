/* Running one case: pinned worker threads, a barrier start, iterations
 * calibrated to the target time as Go's b.N, warmup, then the samples. */
#ifndef CONTEND_MEASURE_H
#define CONTEND_MEASURE_H

#include "counters.h"
#include "record.h"
#include "topology.h"

struct measure_params {
	double time_s;	  /* target duration of one sample */
	double warmup_s;  /* discarded running before the samples */
	int repeat;	  /* samples */
	double timeout_s; /* the whole case; 0 = none */
	const struct topo *topo;
	const struct counter_plan *counters;
};

/* Runs r->b with r->threads threads on cpus[] (-1: unbound) and fills r.
 * Failures are recorded in r (status, reason); returns 0 unless the case
 * timed out with threads that cannot be reclaimed (-1: stop the run). */
int measure_case(const struct measure_params *mp, const int *cpus,
		 struct record *r);

#endif
