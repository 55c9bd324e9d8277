/* contend ab: two builds measured case by case, their samples taking turns
 * (base head, head base, ...) on the same CPUs with the same iteration
 * count, so that drift and interference fall on both; per case the
 * head/base ratio of the paired rounds (stats_paired.h), a correction for
 * multiple comparisons over every case, and a verdict. */
#ifndef CONTEND_AB_H
#define CONTEND_AB_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "ab_looks.h"
#include "ab_side.h"
#include "machine.h"
#include "stats_paired.h"

enum ab_status { AB_OK, AB_SKIPPED, AB_FAILED };
/* Over all the judged cases: Benjamini-Hochberg bounds the share of false
 * verdicts among those flagged (the default: a change that touches forty
 * cases is found in most of them), Holm the chance of any false verdict.
 * With nothing changed both keep that chance under alpha. */
enum ab_correction { AB_BH, AB_HOLM };
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
	int rounds;   /* undisturbed rounds in base[], head[] */
	int judged;   /* enough rounds for Holm to reject (ab_judge) */
	int look;     /* the look it stopped at (ab_looks.h) */
	int renew_at; /* rounds when a server is next renewed */
	enum ab_look_next settled; /* why it stopped there */
	int disturbed;	     /* samples taken again: another task held a CPU */
	double *base, *head; /* ns/op per round */
	char *first;	     /* per round: 'b' or 'h' went first; a string */
	char *served;	     /* per round two digits: base's, head's process */
	double base_ns, head_ns; /* medians over the rounds */
	struct paired pr;	 /* head/base */
	double p_adj;		 /* corrected over the judged cases */
	enum ab_verdict verdict;
	double seconds; /* wall time the case took */
};

#define AB_PROCS_MAX 8

struct ab_run {
	/* base, head: each several server processes of its build, one of
	 * them (cur) holding the open case; [k][0] names the side */
	struct ab_side side[2][AB_PROCS_MAX];
	int procs, cur[2], rot[2]; /* rot: the next server to renew */
	struct machine machine;
	struct ab_result *res;
	size_t n;
	int rounds, max_rounds;		 /* the first look's, the last's */
	struct ab_looks looks, go_looks; /* C rows, Go rows */
	int reopen;	     /* fresh instances every this many rounds */
	size_t judged_cases; /* cases with enough rounds (ab_judge) */
	enum ab_correction correction;
	uint64_t seed; /* of the orders and the streams below (--seed) */
	uint64_t rng_pause, rng_proc; /* pause before a redo; which process
				       * serves an instance */
	double sample_s, threshold_pct, alpha;
	char started[32], finished[32];
	double seconds;
	int interrupted;
};

/* The looks a case is taken in: Go rows have their own. */
static inline const struct ab_looks *ab_looks_of(const struct ab_run *run,
						 const struct ab_result *r)
{
	return r->id.go ? &run->go_looks : &run->looks;
}

const char *ab_verdict_name(enum ab_verdict v);
const char *ab_correction_name(enum ab_correction c); /* "bh", "holm" */
/* The correction over the cases measured, then each verdict. */
void ab_judge(struct ab_run *run);
/* table (markdown 0) or markdown (1), and the results document. */
void ab_print(FILE *f, const struct ab_run *run, int markdown);
json_t *ab_json(const struct ab_run *run);

#endif
