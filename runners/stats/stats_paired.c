#include "stats_paired.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct ranked {
	double abs, d;
};

static int cmp_abs(const void *a, const void *b)
{
	double x = ((const struct ranked *)a)->abs,
	       y = ((const struct ranked *)b)->abs;
	return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Midranks of |d| (ties share their mean rank): W+ and the tie term
 * sum(t^3 - t) of the variance correction. */
static double signed_ranks(struct ranked *r, size_t n, double *tie_term,
			   int *ties)
{
	double w = 0;
	*tie_term = 0;
	*ties = 0;
	qsort(r, n, sizeof(*r), cmp_abs);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && r[j + 1].abs == r[i].abs)
			j++;
		double t = (double)(j - i + 1), mid = (double)(i + j) / 2 + 1;
		for (size_t k = i; k <= j; k++)
			if (r[k].d > 0)
				w += mid;
		*tie_term += t * t * t - t;
		*ties |= j > i;
		i = j + 1;
	}
	return w;
}

/* counts[s]: how many of the 2^n sign choices give W+ = s. Doubles: exact
 * to 2^53 and within 1e-16 relative beyond, all that a p-value needs. */
static double *exact_counts(size_t n)
{
	size_t max = n * (n + 1) / 2;
	double *c = calloc(max + 1, sizeof(double));
	if (!c)
		return NULL;
	c[0] = 1;
	for (size_t k = 1; k <= n; k++)
		for (size_t s = k * (k + 1) / 2; s >= k; s--)
			c[s] += c[s - k];
	return c;
}

/* The largest C with P(W+ <= C - 1) <= alpha / 2: the interval is the
 * C-th smallest to the C-th largest Walsh average (0: none). */
static size_t exact_rank(const double *counts, size_t n, double alpha)
{
	double total = ldexp(1.0, (int)n), cdf = 0;
	size_t c = 0, max = n * (n + 1) / 2;
	while (c <= max && (cdf + counts[c]) / total <= alpha / 2)
		cdf += counts[c++];
	return c;
}

static size_t normal_rank(size_t n, double tie_term)
{
	double m = (double)n * (double)(n + 1) / 4;
	double var = (double)n * (double)(n + 1) * (double)(2 * n + 1) / 24 -
		     tie_term / 48;
	double c = floor(m - 1.959963985 * sqrt(var));
	return c > 0 ? (size_t)c : 0;
}

static double normal_p(double w, size_t n, double tie_term)
{
	double m = (double)n * (double)(n + 1) / 4;
	double var = (double)n * (double)(n + 1) * (double)(2 * n + 1) / 24 -
		     tie_term / 48;
	double z = fabs(w - m) - 0.5;
	if (var <= 0)
		return 1;
	z = z < 0 ? 0 : z / sqrt(var);
	return fmin(1, erfc(z / sqrt(2)));
}

static double exact_p(const double *counts, size_t n, double w)
{
	double total = ldexp(1.0, (int)n), lo = 0, hi = 0;
	size_t max = n * (n + 1) / 2, wi = (size_t)llround(w);
	for (size_t s = 0; s <= max; s++) {
		if (s <= wi)
			lo += counts[s];
		if (s >= wi)
			hi += counts[s];
	}
	return fmin(1, 2 * fmin(lo, hi) / total);
}

/* The Hodges-Lehmann estimate and the interval from the sorted Walsh
 * averages. */
static int walsh(const struct ranked *r, size_t n, size_t c, struct paired *out)
{
	size_t m = n * (n + 1) / 2, k = 0;
	double *a = malloc(sizeof(double) * m);
	if (!a)
		return -1;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i; j < n; j++)
			a[k++] = (r[i].d + r[j].d) / 2;
	qsort(a, m, sizeof(double), cmp_double);
	out->shift = m % 2 ? a[m / 2] : (a[m / 2 - 1] + a[m / 2]) / 2;
	out->ci_valid = c > 0 && c <= m / 2;
	out->ci_lo = out->ci_valid ? a[c - 1] : a[0];
	out->ci_hi = out->ci_valid ? a[m - c] : a[m - 1];
	free(a);
	return 0;
}

int stats_signed_rank(const double *d, size_t n, struct paired *out)
{
	struct ranked *r = malloc(sizeof(*r) * (n ? n : 1));
	double tie_term, *counts = NULL;
	size_t used = 0, c;
	int ties, rc;
	memset(out, 0, sizeof(*out));
	out->p = 1;
	if (!r)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (d[i] != 0 && d[i] == d[i])
			r[used++] = (struct ranked){fabs(d[i]), d[i]};
	out->n = used;
	if (!used) {
		free(r);
		return n ? 0 : -1;
	}
	out->w_plus = signed_ranks(r, used, &tie_term, &ties);
	if (used <= PAIRED_EXACT_MAX && !ties &&
	    (counts = exact_counts(used))) {
		out->p = exact_p(counts, used, out->w_plus);
		c = exact_rank(counts, used, 0.05);
	} else {
		out->p = normal_p(out->w_plus, used, tie_term);
		c = normal_rank(used, tie_term);
	}
	rc = walsh(r, used, c, out);
	free(counts);
	free(r);
	return rc;
}

int stats_paired_ratio(const double *base, const double *head, size_t n,
		       struct paired *out)
{
	double *d = malloc(sizeof(double) * (n ? n : 1));
	size_t m = 0;
	int rc;
	if (!d)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (base[i] > 0 && head[i] > 0)
			d[m++] = log(head[i] / base[i]);
	rc = stats_signed_rank(d, m, out);
	out->shift = exp(out->shift);
	out->ci_lo = exp(out->ci_lo);
	out->ci_hi = exp(out->ci_hi);
	free(d);
	return rc;
}

struct indexed {
	double p;
	size_t i;
};

static int cmp_p(const void *a, const void *b)
{
	double x = ((const struct indexed *)a)->p,
	       y = ((const struct indexed *)b)->p;
	return (x > y) - (x < y);
}

static struct indexed *sorted_p(const double *p, size_t n)
{
	struct indexed *s = malloc(sizeof(*s) * (n ? n : 1));
	for (size_t i = 0; s && i < n; i++)
		s[i] = (struct indexed){p[i], i};
	if (s)
		qsort(s, n, sizeof(*s), cmp_p);
	return s;
}

void stats_holm(const double *p, size_t n, double *adj)
{
	struct indexed *s = sorted_p(p, n);
	double run = 0;
	if (!s) { /* no memory: Bonferroni, which Holm never exceeds */
		for (size_t i = 0; i < n; i++)
			adj[i] = fmin(1, p[i] * (double)n);
		return;
	}
	for (size_t k = 0; k < n; k++) {
		run = fmax(run, fmin(1, s[k].p * (double)(n - k)));
		adj[s[k].i] = run;
	}
	free(s);
}

void stats_bh(const double *p, size_t n, double *adj)
{
	struct indexed *s = sorted_p(p, n);
	double run = 1;
	if (!s) {
		for (size_t i = 0; i < n; i++)
			adj[i] = fmin(1, p[i] * (double)n);
		return;
	}
	for (size_t k = n; k-- > 0;) {
		run = fmin(run, s[k].p * (double)n / (double)(k + 1));
		adj[s[k].i] = run;
	}
	free(s);
}
