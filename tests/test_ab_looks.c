/* contend ab's sequential design (ab_looks.h): the looks and their
 * weights on known plans, each stopping rule, and, by simulation under no
 * change, that a case stopped at any look is flagged at most alpha of the
 * time once its p is divided by its look's weight, while the same p taken
 * as it is would flag more often (so the weights are needed, and the test
 * can fail). */
#include <math.h>
#include <stdint.h>

#include "ab_looks.h"
#include "test_check.h"

static void plans(void)
{
	struct ab_looks lk;
	double sum = 0;
	ab_looks_plan(10, 320, &lk);
	CHECK(lk.n == 6);
	for (int k = 0; k < lk.n; k++) {
		CHECK(lk.rounds[k] == 10 << k);
		sum += lk.weight[k];
	}
	CHECK(sum == 1 && lk.weight[0] == 0 && lk.weight[1] == 1.0 / 16 &&
	      lk.weight[2] == 1.0 / 16 && lk.weight[5] == 0.5);
	ab_looks_plan(16, 16, &lk); /* a fixed design: one look, all alpha */
	CHECK(lk.n == 1 && lk.rounds[0] == 16 && lk.weight[0] == 1);
	ab_looks_plan(8, 16, &lk);
	CHECK(lk.n == 2 && lk.weight[0] == 0 && lk.weight[1] == 1);
	ab_looks_plan(10, 25, &lk); /* the last look is the most, not 40 */
	CHECK(lk.n == 3 && lk.rounds[1] == 20 && lk.rounds[2] == 25);
	CHECK(lk.weight[1] == 0.5 && lk.weight[2] == 0.5);
	CHECK(ab_looks_p(&lk, 0, 1e-9) == 1);
	CHECK(ab_looks_p(&lk, 2, 0.01) == 0.02 && ab_looks_p(&lk, 2, 0.9) == 1);
}

static struct paired ratio(double shift, double lo, double hi, double p)
{
	struct paired pr = {.n = 40, .p = p, .shift = shift};
	pr.ci_lo = lo;
	pr.ci_hi = hi;
	pr.ci_valid = 1;
	return pr;
}

static void rules(void)
{
	struct ab_looks lk;
	struct paired pr;
	ab_looks_plan(10, 320, &lk);
	pr = ratio(1.001, 0.99, 1.01, 0.8); /* within 5%: same, at any look */
	CHECK(ab_looks_next(&lk, 0, &pr, 1.05, 0.05, 200) == AB_LOOK_SAME);
	pr = ratio(1.10, 1.08, 1.12, 1e-12); /* the first look flags nothing */
	CHECK(ab_looks_next(&lk, 0, &pr, 1.05, 0.05, 200) == AB_LOOK_MORE);
	CHECK(ab_looks_next(&lk, 1, &pr, 1.05, 0.05, 200) == AB_LOOK_CHANGED);
	pr = ratio(0.90, 0.88, 0.92, 1e-12); /* faster beyond it alike */
	CHECK(ab_looks_next(&lk, 1, &pr, 1.05, 0.05, 200) == AB_LOOK_CHANGED);
	/* 1e-4 x 16 x 200 > 0.05: not yet significant over the run */
	pr = ratio(1.10, 1.08, 1.12, 1e-4);
	CHECK(ab_looks_next(&lk, 1, &pr, 1.05, 0.05, 200) == AB_LOOK_MORE);
	CHECK(ab_looks_next(&lk, 4, &pr, 1.05, 0.05, 100) == AB_LOOK_CHANGED);
	/* significant, its interval across the threshold and wide: more */
	pr = ratio(1.05, 1.02, 1.09, 1e-12);
	CHECK(ab_looks_next(&lk, 2, &pr, 1.05, 0.05, 200) == AB_LOOK_MORE);
	/* ... and narrower than the threshold: settled */
	pr = ratio(1.05, 1.035, 1.065, 1e-12);
	CHECK(ab_looks_next(&lk, 2, &pr, 1.05, 0.05, 200) == AB_LOOK_CHANGED);
	pr = ratio(1.05, 0.9, 1.2, 0.5); /* the last look: whatever it says */
	CHECK(ab_looks_next(&lk, 5, &pr, 1.05, 0.05, 200) == AB_LOOK_LAST);
	CHECK(ab_looks_next(&lk, 4, &pr, 1.05, 0.05, 200) == AB_LOOK_MORE);
	pr.ci_valid = 0; /* too few pairs for an interval: never settled */
	CHECK(ab_looks_next(&lk, 1, &pr, 1.05, 0.05, 200) == AB_LOOK_MORE);
}

/* splitmix64 and Box-Muller: N(0, 1) draws, the same on every machine. */
static double normal(uint64_t *s)
{
	uint64_t z[2];
	for (int i = 0; i < 2; i++) {
		z[i] = (*s += 0x9e3779b97f4a7c15ull);
		z[i] = (z[i] ^ (z[i] >> 30)) * 0xbf58476d1ce4e5b9ull;
		z[i] = (z[i] ^ (z[i] >> 27)) * 0x94d049bb133111ebull;
		z[i] ^= z[i] >> 31;
	}
	double u1 = ((double)(z[0] >> 11) + 0.5) / 9007199254740992.0,
	       u2 = (double)(z[1] >> 11) / 9007199254740992.0;
	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

/* One case under no change, its per-round log ratios spread by sd, taken
 * look by look as contend ab does (one case in the run, alpha 0.05, a 1%
 * threshold: every significant one is beyond it): the
 * p, weighted for its look, that it stops with. */
static double one_null_case(const struct ab_looks *lk, double sd, uint64_t *s)
{
	double base[80], head[80];
	struct paired pr;
	int k = 0;
	for (int i = 0; i < lk->rounds[lk->n - 1]; i++) {
		base[i] = 1;
		head[i] = exp(sd * normal(s));
	}
	for (;; k++) {
		stats_paired_ratio(base, head, (size_t)lk->rounds[k], &pr);
		if (ab_looks_next(lk, k, &pr, 1.01, 0.05, 1) != AB_LOOK_MORE)
			return ab_looks_p(lk, k, pr.p);
	}
}

/* The same cases flagged by the split weights, and by weights of 1 at
 * every look that may flag (each look tested at the full alpha). */
static void error_rate(void)
{
	enum { TRIALS = 1500 };
	struct ab_looks lk, unsplit;
	uint64_t s = 42, s2 = 42;
	int flagged = 0, naive = 0;
	ab_looks_plan(10, 80, &lk);
	unsplit = lk;
	for (int k = 1; k < unsplit.n; k++)
		unsplit.weight[k] = 1;
	for (int t = 0; t < TRIALS; t++) {
		/* a contended case's spread: most stop neither way early */
		flagged += one_null_case(&lk, 0.15, &s) < 0.05;
		naive += one_null_case(&unsplit, 0.15, &s2) < 0.05;
	}
	printf("under no change: %d of %d flagged, %d without the split\n",
	       flagged, TRIALS, naive);
	/* 5% of 1500 is 75, its sd 8.4: 100 is 3 sd over */
	CHECK(flagged <= 100);
	CHECK(naive > 100);
}

int main(void)
{
	plans();
	rules();
	error_rate();
	if (fails)
		printf("%d failure(s)\n", fails);
	return fails != 0;
}
