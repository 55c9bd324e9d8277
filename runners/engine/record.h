/* One result record: a case (benchmark × impl × params × threads ×
 * placement) and what was measured for it. Mirrors schema contend.result/1. */
#ifndef CONTEND_RECORD_H
#define CONTEND_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "bench.h"
#include "counters.h"
#include "interference.h"
#include "stats.h"

/* Fields the runner adds to a record after the workload's:
 * overhead_ns_per_op. */
#define RECORD_RUNNER_FIELDS 1

enum rec_status { REC_OK, REC_FAILED, REC_TIMEOUT, REC_SKIPPED };

struct record {
	const struct bench *b;
	int threads;
	char placement[64];
	int *cpus; /* bound CPU per thread, read back; -1 unbound */
	enum rec_status status;
	char reason[256];
	char note[160];	 /* what this row could not match, e.g. for Go rows */
	uint64_t iters;	 /* per thread per sample */
	uint64_t ops;	 /* over all measured samples and threads */
	double *samples; /* ns/op per sample */
	int nsamples;
	struct summary ns;
	double ns_thread; /* mean over threads of a thread's ns/op */
	/* With 2+ threads (fair_valid): the shortest thread's time over the
	 * longest's, summed over the samples (threads start together at a
	 * barrier, so this is the share of the span during which all ran:
	 * under fixed per-thread counts an unfair lock lets one finish early
	 * and the rest run uncontended); and, where every thread counted
	 * ops, the slowest and fastest thread's ops/ns over the mean. */
	int fair_valid;
	double all_running, rate_min, rate_max; /* rate_*: NAN if n/a */
	/* the coefficient of variation of the threads' ops/ns (NAN if n/a);
	 * each thread's ops over the samples (NULL for Go rows); and whether
	 * the threads ran for a time (BENCH_TIMED) or a count each */
	double rate_cv;
	uint64_t *thread_ops;
	int time_bound;
	int alloc_valid;
	double bytes_per_op, allocs_per_op;
	int counter_valid[CTR_COUNT];
	double counters[CTR_COUNT]; /* per op */
	/* a workload's (or a Go line's) up to BENCH_MAX_FIELDS, then the
	 * runner's own (records_add_overhead): room apart, so a workload that
	 * uses all of its room never pushes the runner's field out */
	struct bench_field fields[BENCH_MAX_FIELDS + RECORD_RUNNER_FIELDS];
	int nfields;
	double go_ratio; /* median / the Go row's median; NaN when none */
	/* the C and the Go case of a hand-off pair met cache-line round trips
	 * (c2c_floor_ns) more than GO_FLOOR_DIFF apart: go_ratio then mixes
	 * two states of the machine (the vCPUs moved between the cases) */
	int go_floor_differs;
	/* hand-off pairs: the median over samples of each sample's ns/op over
	 * the round trip timed between the same two threads right after it;
	 * NaN for other rows */
	double c2c_ratio;
	/* the median of those round trips, timed for every case with two
	 * threads on two CPUs (the Go rows: before and after the Go run);
	 * 0 if not measured */
	double c2c_floor_ns;
	int noisy; /* CV above NOISY_CV */
	/* the samples at two levels SHIFT_RATIO or more apart (stats.h):
	 * the machine changed mid-case; shift.at 0 when not */
	struct level_shift shift;
	/* what else ran on the case's CPUs (interference.h); wait_samples: each
	 * sample's run-queue wait share (NaN where not measured) */
	struct interference intf;
	double *wait_samples;
	int rerun; /* measured again at the end of the run, as it was disturbed
		    */
	int oversubscribed; /* more threads than CPUs */
	int multiplexed;    /* hardware counts scaled */
};

#define NOISY_CV      0.05
#define GO_FLOOR_DIFF 1.5
#define SHIFT_RATIO   1.5

/* How quiet the machine was over a run's measured records. */
struct quiet_summary {
	size_t measured;  /* ok records with interference readings */
	size_t disturbed; /* of which still disturbed */
	size_t rerun;	  /* measured again as they were disturbed */
	size_t shifted;	  /* ok records, C or Go, at two levels */
	double max;	  /* the largest share another task took */
	double steal;	  /* the largest steal share */
	double others;	  /* the median over records of others' share */
};

/* A case worth measuring again at the end of the run: disturbed by other
 * tasks, or its samples at two levels. */
int record_needs_rerun(const struct record *r);
void records_quiet(const struct record *recs, size_t n,
		   struct quiet_summary *q);

/* A hand-off pair: two threads passing to each other, whose cost is
 * measured against the cache-line round trip between them (c2c_ratio). */
static inline int record_is_pair(const struct record *r)
{
	return (r->b->flags & BENCH_HANDOFF) && r->threads == 2;
}

const char *rec_status_name(enum rec_status s);
void record_free(struct record *r);
/* Sets go_ratio on every C record that has an ok Go record of the same
 * workload, threads and placement. */
void records_link_go(struct record *recs, size_t n);
/* Sets c2c_ratio on every hand-off record (BENCH_HANDOFF) that did not
 * measure its own floor (c2c_floor_ns) and has an ok c2c/pingpong record of
 * the same placement: how far the hand-off is from the cache-line round
 * trip, its physical floor. */
void records_link_c2c(struct record *recs, size_t n);
/* Adds overhead_ns_per_op, ns/op minus the bound, to every ok record whose
 * workload reports ideal_ns_per_op (mutex/sections, C and Go alike). */
void records_add_overhead(struct record *recs, size_t n);

#endif
