/* Statistics on known data. */
#include <math.h>
#include <stdio.h>

#include "stats.h"
#include "stats_paired.h"

static int near(double a, double b)
{
	return fabs(a - b) < 1e-9 * (fabs(b) + 1);
}

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("FAIL line %d: %s\n", __LINE__, #cond);         \
			fails++;                                               \
		}                                                              \
	} while (0)

/* The Hamilton depression scale pairs of Hollander & Wolfe (3rd ed.,
 * table 3.1, x before and y after): R's wilcox.test(x, y, paired = TRUE,
 * conf.int = TRUE) gives V = 40, p = 0.03906 (20/512, exact), estimate
 * 0.46 and the interval [0.010, 0.786]; the same figures come from
 * enumerating all 512 sign choices and the 45 Walsh averages by hand. */
static int paired_known_answers(void)
{
	const double x[] = {1.83, 0.50, 1.62, 2.48, 1.68,
			    1.88, 1.55, 3.06, 1.30};
	const double y[] = {0.878, 0.647, 0.598, 2.05, 1.06,
			    1.29,  1.06,  3.14,	 1.29};
	const double p4[] = {0.01, 0.04, 0.03, 0.005};
	double d[9], base[12], head[12], adj[4];
	struct paired pr;
	int fails = 0;
	for (int i = 0; i < 9; i++)
		d[i] = x[i] - y[i];
	CHECK(stats_signed_rank(d, 9, &pr) == 0);
	CHECK(pr.n == 9 && near(pr.w_plus, 40));
	CHECK(near(pr.p, 20.0 / 512));
	CHECK(fabs(pr.shift - 0.46) < 1e-12);
	CHECK(pr.ci_valid && fabs(pr.ci_lo - 0.010) < 1e-12 &&
	      fabs(pr.ci_hi - 0.786) < 1e-12);
	/* twelve rounds, head 5% slower in every one: every sign agrees, so
	 * p = 2 / 2^12, and the ratio is exactly 1.05 */
	for (int i = 0; i < 12; i++) {
		base[i] = 100 + i;
		head[i] = base[i] * (1.05 + 0.001 * i); /* no ties in |d| */
	}
	CHECK(stats_paired_ratio(base, head, 12, &pr) == 0);
	CHECK(near(pr.p, 2.0 / 4096));
	CHECK(pr.shift > 1.05 && pr.shift < 1.061 && pr.ci_lo > 1.05 &&
	      pr.ci_hi < 1.061);
	/* five pairs cannot reach 95% (1 - 2/32 < 0.95 at best) */
	CHECK(stats_signed_rank(d, 5, &pr) == 0 && !pr.ci_valid);
	/* identical sides: no information, p = 1 */
	CHECK(stats_paired_ratio(base, base, 12, &pr) == 0 && pr.n == 0 &&
	      near(pr.p, 1));
	/* Holm and Benjamini-Hochberg by hand: sorted 0.005, 0.01, 0.03,
	 * 0.04 -> Holm 0.02, 0.03, max(0.06, .), max(0.04, 0.06);
	 * BH 0.02, 0.02, 0.04, 0.04 */
	stats_holm(p4, 4, adj);
	CHECK(near(adj[0], 0.03) && near(adj[1], 0.06) && near(adj[2], 0.06) &&
	      near(adj[3], 0.02));
	stats_bh(p4, 4, adj);
	CHECK(near(adj[0], 0.02) && near(adj[1], 0.04) && near(adj[2], 0.04) &&
	      near(adj[3], 0.02));
	/* past the exact limit, the normal approximation: a balanced set
	 * (signs alternate over increasing |d|) is far from significant, a
	 * one-sided one is overwhelmingly so */
	{
		double e[80];
		struct paired ap;
		for (int i = 0; i < 80; i++)
			e[i] = (i % 2 ? 1.0 : -1.0) * (1 + i * 0.37);
		CHECK(stats_signed_rank(e, 80, &ap) == 0 && ap.p > 0.5);
		for (int i = 0; i < 80; i++)
			e[i] = 1 + i * 0.37;
		CHECK(stats_signed_rank(e, 80, &ap) == 0 && ap.p < 1e-12 &&
		      ap.ci_valid && ap.ci_lo > 1);
	}
	return fails;
}

/* The c2c/pingpong samples of a run whose vCPUs moved on the host after
 * its second sample, and what must not count as two levels. */
static int level_shift_cases(void)
{
	const double moved[] = {53.4, 64.2, 418.9, 395.1, 387.8, 385.1};
	const double back[] = {390, 385, 401, 52, 55, 60};
	const double outlier[] = {53, 55, 54, 390, 56, 52};
	const double last_only[] = {53, 55, 54, 56, 52, 390};
	const double spread[] = {50, 60, 70, 80, 90, 100};
	struct level_shift ls;
	int fails = 0;
	CHECK(stats_level_shift(moved, 6, 1.5, &ls) == 2 &&
	      near(ls.before, (53.4 + 64.2) / 2) &&
	      near(ls.after, (395.1 + 387.8) / 2));
	CHECK(stats_level_shift(back, 6, 1.5, &ls) == 3 && near(ls.after, 55));
	CHECK(stats_level_shift(outlier, 6, 1.5, &ls) == 0 && ls.at == 0);
	CHECK(stats_level_shift(last_only, 6, 1.5, &ls) == 0);
	CHECK(stats_level_shift(spread, 6, 1.5, &ls) == 0);
	CHECK(stats_level_shift(moved, 3, 1.5, &ls) == 0);
	return fails;
}

int main(void)
{
	const double ten[] = {7, 3, 10, 1, 5, 2, 9, 4, 8, 6};
	const double six[] = {5, 1, 4, 2, 6, 3};
	const double five[] = {2, 2, 2, 2, 2};
	struct summary s;
	int fails = 0;

	stats_summarize(ten, 10, &s);
	CHECK(near(s.median, 5.5));
	CHECK(near(s.min, 1) && near(s.max, 10) && near(s.mean, 5.5));
	/* sample standard deviation of 1..10 is sqrt(55/6) */
	CHECK(near(s.cv, sqrt(55.0 / 6.0) / 5.5));
	/* n = 10: [x(1), x(8)] covers the median with P = 1 - 22/1024 */
	CHECK(s.ci_valid && near(s.ci_lo, 2) && near(s.ci_hi, 9));

	stats_summarize(six, 6, &s);
	CHECK(near(s.median, 3.5));
	CHECK(s.ci_valid && near(s.ci_lo, 1) && near(s.ci_hi, 6));

	stats_summarize(five, 5, &s);
	CHECK(near(s.median, 2) && near(s.cv, 0));
	CHECK(!s.ci_valid); /* 1 - 2/32 < 0.95 */

	stats_summarize(ten, 1, &s);
	CHECK(near(s.median, 7) && near(s.cv, 0) && !s.ci_valid);

	CHECK(stats_median_ci_rank(5, 0.95) == -1);
	CHECK(stats_median_ci_rank(6, 0.95) == 0);
	CHECK(stats_median_ci_rank(10, 0.95) == 1);
	/* n = 100: the textbook ranks 40 and 61 (1-based) */
	CHECK(stats_median_ci_rank(100, 0.95) == 39);
	fails += level_shift_cases();
	fails += paired_known_answers();
	printf("%d failures\n", fails);
	return fails != 0;
}
