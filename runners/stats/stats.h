/* Summary statistics of a sample set, as benchstat computes them. */
#ifndef CONTEND_STATS_H
#define CONTEND_STATS_H

#include <stddef.h>

struct summary {
	double median, min, max, mean;
	double cv;	     /* sample standard deviation / mean */
	double ci_lo, ci_hi; /* 95% confidence interval of the median */
	int ci_valid;	     /* 0 when too few samples for a 95% interval */
};

/* Fills s from n > 0 values (not modified). */
void stats_summarize(const double *v, size_t n, struct summary *s);

/* The distribution-free confidence interval of the median: the order
 * statistics x(k), x(n-1-k) (0-based) with the largest k such that
 * P(Binomial(n, 1/2) in [k+1, n-1-k]) >= level. Returns -1 when even the
 * full range does not reach the level (n < 6 for 95%). */
int stats_median_ci_rank(size_t n, double level);

/* A step in a time-ordered series: the split k (2 <= k <= n - 2) where
 * every value on one side is at least `ratio` times every value on the
 * other (the widest such gap when several splits qualify), with each
 * side's median. Returns k, or 0 when there is none: a one-sample outlier
 * is noise (the CV says so), two levels of two or more samples each are
 * two states of the machine, as when a VM's vCPUs move between host cores
 * mid-case and a cache-line round trip goes from 55 to 390 ns. */
struct level_shift {
	int at; /* the first sample of the second level; 0 if none */
	double before, after;
};
int stats_level_shift(const double *v, size_t n, double ratio,
		      struct level_shift *out);

#endif
