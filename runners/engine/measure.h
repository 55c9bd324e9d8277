/* Running one case: pinned worker threads, a barrier start, iterations
 * calibrated to the target time as Go's b.N, warmup, then the samples. */
#ifndef CONTEND_MEASURE_H
#define CONTEND_MEASURE_H

#include <stdatomic.h>
#include <stddef.h>

#include "counters.h"
#include "record.h"
#include "topology.h"

/* Where a case is: written by the case as it goes, read by the runner
 * when the case dies (it lives in memory shared with the forked child). */
enum case_phase {
	PHASE_SETUP,
	PHASE_THREADS,
	PHASE_CALIBRATE,
	PHASE_WARMUP,
	PHASE_SAMPLE,
	PHASE_TEARDOWN,
	PHASE_DONE,
};

struct case_progress {
	_Atomic int phase;
	_Atomic int sample; /* during PHASE_SAMPLE: 1-based */
};

/* "sample 3 of 6", "calibrate", ... */
void case_phase_describe(const struct case_progress *p, int repeat, char *buf,
			 size_t len);

struct measure_params {
	double time_s;	  /* target duration of one sample */
	double warmup_s;  /* discarded running before the samples */
	int repeat;	  /* samples */
	double timeout_s; /* the whole case; 0 = none */
	const struct topo *topo;
	const struct counter_plan *counters;
	struct case_progress *progress; /* NULL: not tracked */
	/* not 0: shift the case's heap and its threads' stacks by an amount
	 * drawn from it (layout_jitter in measure.c) */
	unsigned jitter_seed;
	/* not 0: BENCH_TIMED cases too run a fixed count per thread */
	int count_bound;
};

/* Runs r->b with r->threads threads on cpus[] (-1: unbound) and fills r.
 * Failures are recorded in r (status, reason); returns 0 unless the case
 * timed out with threads that cannot be reclaimed (-1: stop the run). */
int measure_case(const struct measure_params *mp, const int *cpus,
		 struct record *r);

/* A case held open between samples, for `contend serve` (the measuring
 * end of `contend ab`): the same workers, binding and engine as
 * measure_case, with the sample count and iteration count decided by the
 * caller (every sample a count, BENCH_TIMED or not). No timeout here: the
 * process that asks enforces it. */
struct case_session;

struct session_sample {
	double ns_per_op;
	double wait;	 /* the threads' run-queue wait share; NaN unknown or
			  * meaningless (more threads than CPUs, or unbound) */
	double floor_ns; /* hand-off pairs: the round trip after it; else 0 */
	int disturbed;	 /* wait or steal says others took the case's CPUs */
};

/* NULL when the case cannot run (r->status and r->reason say why). */
struct case_session *measure_open(const struct measure_params *mp,
				  const int *cpus, struct record *r);
/* Go's b.N calibration to mp->time_s. */
uint64_t measure_calibrate(struct case_session *cs);
/* One sample of iters per thread; -1 when the workload counted no ops. */
int measure_sample(struct case_session *cs, uint64_t iters,
		   struct session_sample *out);
/* Teardown; the workload's fields land in r. cs may be NULL. */
void measure_close(struct case_session *cs, struct record *r);

/* The cache-line round trip (c2c.h) between two threads bound to cpus[0]
 * and cpus[1], in ns; 0 if they cannot be bound. For rows measured outside
 * measure_case (the Go rows), so that they too are set against the floor
 * of their own moment: in a VM it can change from one case to the next. */
double measure_c2c_floor(const int cpus[2]);

#endif
