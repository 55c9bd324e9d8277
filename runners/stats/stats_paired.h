/* Paired comparisons (contend ab) and multiple-comparison control.
 *
 * Each round of an A/B gives one pair (base, head) measured back to back
 * on the same CPUs; the figure of merit is the log of head/base per round.
 * Its centre is the Hodges-Lehmann estimate (the median of the Walsh
 * averages), its 95% interval and its p-value come from the Wilcoxon
 * signed-rank test on the same log ratios, so the interval excludes 1
 * exactly when the test rejects at 5% (Hollander, Wolfe & Chicken,
 * "Nonparametric Statistical Methods", 3rd ed., sections 3.1-3.3). The
 * test is exact up to PAIRED_EXACT_MAX pairs without ties, and the normal
 * approximation with tie and continuity corrections beyond. */
#ifndef CONTEND_STATS_PAIRED_H
#define CONTEND_STATS_PAIRED_H

#include <stddef.h>

#define PAIRED_EXACT_MAX 60

struct paired {
	size_t n;	     /* pairs used (non-zero differences) */
	double w_plus;	     /* the signed-rank statistic */
	double p;	     /* two-sided */
	double shift;	     /* Hodges-Lehmann estimate of the differences */
	double ci_lo, ci_hi; /* 95% interval of the shift */
	int ci_valid;	     /* 0 when too few pairs for 95% */
};

/* The signed-rank test and estimate on differences d[0..n). -1 when n is
 * 0 or memory runs out. */
int stats_signed_rank(const double *d, size_t n, struct paired *out);

/* The same on log(head[i] / base[i]); out's shift and interval are then
 * exponentiated: a ratio head/base. Pairs with a non-positive side are
 * dropped. */
int stats_paired_ratio(const double *base, const double *head, size_t n,
		       struct paired *out);

/* Adjusted p-values, in the input order (adj may be p): Holm's step-down
 * (family-wise error) and Benjamini-Hochberg's step-up (false discovery
 * rate). */
void stats_holm(const double *p, size_t n, double *adj);
void stats_bh(const double *p, size_t n, double *adj);

#endif
