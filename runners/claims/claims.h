/* The article's cost claims as data (bench/claims/article.json, schema
 * contend.claims/1) and their verdicts against a results document.
 *
 * This is the one evaluation of the claims: `contend claims` prints it as a
 * table or markdown, and scripts/compare puts the same rows (from
 * `contend claims --format json`) in its report. */
#ifndef CONTEND_CLAIMS_H
#define CONTEND_CLAIMS_H

#include <jansson.h>
#include <stdio.h>

#include "bench.h"
#include "err.h"

#define CLAIMS_SCHEMA	  "contend.claims/1"
#define CLAIMS_OUT_SCHEMA "contend.claims-report/1"
#define CLAIM_MAX_IMPLS	  16

enum claim_metric { METRIC_NS, METRIC_BYTES, METRIC_ALLOCS, METRIC_OTHER };

/* The rows of this suite that measure a claim. */
struct claim_rows {
	const char *benchmark;
	json_t *params; /* an object, as results records carry them */
	const char *c_impls[CLAIM_MAX_IMPLS];
	int nc_impls;		  /* 0: every C implementation */
	json_t *minus_params;	  /* NULL: the figure is the row's own */
	const char *minus_c_impl; /* the C rows' baseline implementation */
	double per;		  /* the (difference) divided by this */
};

/* One figure the article states. Strings point into the claim file's
 * document, which lives as long as the claim set. */
struct claim {
	const char *id, *label, *section, *subject, *quote, *unit, *workload,
		*conditions, *note;
	const char *not_comparable; /* why not, or NULL */
	const char *figure_text;    /* a rating rather than a number */
	double figure;
	int has_figure;
	enum claim_metric metric;
	int threads;	     /* as the article states them */
	int measure_threads; /* compared at (before this machine's cap) */
	int has_rows;
	struct claim_rows rows;
};

struct claim_set {
	json_t *doc;
	char path[4096];
	const char *title;
	double tolerance;  /* holds: figure / t <= measured <= figure * t */
	double zero_below; /* a measured value below it reads as 0 */
	struct claim *claims;
	size_t n;
};

/* Reads and checks a claim file; -1 with a message naming the file and
 * the problem. */
int claims_load(const char *path, struct claim_set *cs, struct err *e);
void claims_free(struct claim_set *cs);
/* The claim file `contend claims` reads without --claims: the copy the
 * build puts beside the binary (bench/claims/), else the installed one.
 * -1 when neither exists. */
int claims_default_path(char *out, size_t len, struct err *e);
/* Every mapped row names a registered benchmark, params and
 * implementation; -1 naming the first that does not. */
int claims_check(const struct claim_set *cs, const struct bench **all, size_t n,
		 struct err *e);
/* 1 when claim c needs benchmark b run (its C rows or their baseline). */
int claims_wants(const struct claim *c, const struct bench *b);
/* The thread count claim c compares at on a machine of npus CPUs (a pair
 * workload: 2; a single-thread one: 1). */
int claims_threads(const struct claim *c, const struct bench *b, int npus);

enum claim_verdict {
	VERDICT_HOLDS,
	VERDICT_OFF,
	VERDICT_NOT_COMPARABLE,
	VERDICT_MISSING
};

/* One side of a comparison: Go's row, or the best C implementation's. */
struct claim_side {
	int ok;		/* value is a measurement */
	char state[16]; /* ok, missing, skipped, failed, timeout, n/a */
	int noisy;	/* a row's CV above 5% (its record says noisy) */
	double value;
	char impl[64], placement[64];
	char status[320]; /* when not ok: why (missing, skipped, n/a) */
};

struct claim_result {
	const struct claim *c;
	int threads; /* compared at; 0 when no row was found */
	int capped;  /* fewer threads than asked: the machine has no more */
	struct claim_side go, best_c;
	double ratio; /* Go here / the article's figure; NaN when none */
	enum claim_verdict verdict;
	char verdict_text[400];
};

struct claims_eval {
	char source[4096]; /* the results file read, or written */
	char machine[160];
	int pus; /* the CPUs the results were measured on; 0 unknown */
	struct claim_result *r;
	size_t n;
};

/* Checks doc as the scripts' loader does (results_check.h: -1 with a
 * message naming what is wrong) and evaluates every claim against its
 * records. */
int claims_evaluate(const struct claim_set *cs, json_t *doc,
		    struct claims_eval *ev, struct err *e);
void claims_eval_free(struct claims_eval *ev);
/* The verdict table and its notes, aligned text or markdown. */
void claims_print(FILE *f, const struct claim_set *cs,
		  const struct claims_eval *ev, int markdown);
/* The same, as a document (schema contend.claims-report/1): numbers and
 * the table's cells, for scripts/compare. */
json_t *claims_json(const struct claim_set *cs, const struct claims_eval *ev);

#endif
