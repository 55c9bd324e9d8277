/* contend ab: two builds measured case by case, their samples taking turns
 * (base head, head base, ...) on the same CPUs with the same iteration
 * count, so that drift and interference fall on both; per case the
 * head/base ratio of the paired rounds (stats_paired.h), Holm's correction
 * over every case, and a verdict. */
#ifndef CONTEND_AB_H
#define CONTEND_AB_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "ab_side.h"
#include "machine.h"
#include "stats_paired.h"

enum ab_status { AB_OK, AB_SKIPPED, AB_FAILED };
enum ab_verdict {
	AB_SAME,	 /* no significant change beyond the threshold */
	AB_REGRESSION,	 /* head significantly slower beyond it, or fails */
	AB_IMPROVEMENT,	 /* head significantly faster beyond it */
	AB_INCONCLUSIVE, /* too few undisturbed rounds to judge */
};

struct ab_result {
	struct ab_case_id id;
	enum ab_status status;
	char reason[300];
	char cpus[128]; /* base's CPUs for the case, which head must match */
	unsigned long long iters;
	int rounds;	     /* undisturbed rounds in base[], head[] */
	int judged;	     /* enough rounds for Holm to reject (ab_judge) */
	int extended;	     /* twice the rounds: its p counts double */
	int disturbed;	     /* samples taken again: another task held a CPU */
	double *base, *head; /* ns/op per round */
	double base_ns, head_ns; /* medians over the rounds */
	struct paired pr;	 /* head/base */
	double p_adj;		 /* Holm */
	enum ab_verdict verdict;
	double seconds; /* wall time the case took */
};

struct ab_run {
	struct ab_side side[2]; /* base, head */
	struct machine machine;
	struct ab_result *res;
	size_t n;
	int rounds, go_rounds;
	int reopen;	   /* fresh instances every this many rounds */
	size_t holm_cases; /* cases with enough rounds (ab_judge) */
	uint64_t rng;	   /* pauses before a disturbed sample is taken again */
	double sample_s, threshold_pct, alpha;
	char started[32], finished[32];
	double seconds;
	int interrupted;
};

const char *ab_verdict_name(enum ab_verdict v);
/* Holm over the cases measured, then each verdict. */
void ab_judge(struct ab_run *run);
/* table (markdown 0) or markdown (1), and the results document. */
void ab_print(FILE *f, const struct ab_run *run, int markdown);
json_t *ab_json(const struct ab_run *run);

#endif
