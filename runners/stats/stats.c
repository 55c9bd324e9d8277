#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int stats_median_ci_rank(size_t n, double level)
{
	/* The interval [x(k), x(n-1-k)] misses the median with probability
	 * 2 * P(X <= k), X ~ Binomial(n, 1/2) the samples below it. The
	 * terms C(n,i)/2^n are built one from the last, in logs so large n
	 * neither overflows nor costs more than one pass. */
	double log_term = -(double)n * log(2.0), cdf = 0;
	int best = -1;
	for (size_t k = 0; 2 * k + 1 < n; k++) {
		if (k > 0)
			log_term += log((double)(n - k + 1)) - log((double)k);
		cdf += exp(log_term);
		if (1.0 - 2.0 * cdf < level)
			break;
		best = (int)k;
	}
	return best;
}

void stats_summarize(const double *v, size_t n, struct summary *s)
{
	double *x = malloc(sizeof(double) * n);
	double sum = 0, ss = 0;
	int k;
	memset(s, 0, sizeof(*s));
	if (!x || n == 0) {
		free(x);
		return;
	}
	memcpy(x, v, sizeof(double) * n);
	qsort(x, n, sizeof(double), cmp_double);
	for (size_t i = 0; i < n; i++)
		sum += x[i];
	s->mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (x[i] - s->mean) * (x[i] - s->mean);
	s->cv = n > 1 && s->mean != 0
			? sqrt(ss / (double)(n - 1)) / fabs(s->mean)
			: 0;
	s->min = x[0];
	s->max = x[n - 1];
	s->median = n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
	k = stats_median_ci_rank(n, 0.95);
	s->ci_valid = k >= 0;
	s->ci_lo = k >= 0 ? x[k] : s->min;
	s->ci_hi = k >= 0 ? x[n - 1 - (size_t)k] : s->max;
	free(x);
}

static double median_of(const double *v, size_t n)
{
	struct summary s;
	stats_summarize(v, n, &s);
	return s.median;
}

static void range_of(const double *v, size_t n, double *lo, double *hi)
{
	*lo = *hi = v[0];
	for (size_t i = 1; i < n; i++) {
		*lo = v[i] < *lo ? v[i] : *lo;
		*hi = v[i] > *hi ? v[i] : *hi;
	}
}

int stats_level_shift(const double *v, size_t n, double ratio,
		      struct level_shift *out)
{
	double best = 0;
	memset(out, 0, sizeof(*out));
	for (size_t k = 2; n >= 4 && k + 2 <= n; k++) {
		double alo, ahi, blo, bhi, gap = 0;
		range_of(v, k, &alo, &ahi);
		range_of(v + k, n - k, &blo, &bhi);
		if (alo > 0 && blo >= ratio * ahi)
			gap = blo / ahi;
		else if (blo > 0 && alo >= ratio * bhi)
			gap = alo / bhi;
		if (gap > best) {
			best = gap;
			out->at = (int)k;
		}
	}
	if (out->at) {
		out->before = median_of(v, (size_t)out->at);
		out->after = median_of(v + out->at, n - (size_t)out->at);
	}
	return out->at;
}
