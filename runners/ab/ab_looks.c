#include "ab_looks.h"

#include <math.h>

/* The weights of the J looks that may flag (all but the first, when there
 * are two or more): 1/2 to the last, 1/4 to the one before, and so on, the
 * first of them taking what is left, e.g. 1/16 1/16 1/8 1/4 1/2. */
static void spread_alpha(struct ab_looks *lk)
{
	int from = lk->n > 1 ? 1 : 0, j = lk->n - from;
	lk->weight[0] = 0;
	for (int k = from; k < lk->n; k++)
		lk->weight[k] = ldexp(1.0, k == from ? 1 - j : k - lk->n);
}

void ab_looks_plan(int first, int most, struct ab_looks *lk)
{
	int r = first;
	lk->n = 0;
	while (lk->n < AB_LOOKS_MAX - 1 && r < most) {
		lk->rounds[lk->n++] = r;
		r = r > most / 2 ? most : 2 * r;
	}
	lk->rounds[lk->n++] = most > first ? most : first;
	spread_alpha(lk);
}

double ab_looks_p(const struct ab_looks *lk, int k, double p)
{
	double w = lk->weight[k];
	return w > 0 ? fmin(1, p / w) : 1;
}

enum ab_look_next ab_looks_next(const struct ab_looks *lk, int k,
				const struct paired *pr, double up,
				double alpha, size_t ncases)
{
	double lo = pr->ci_lo, hi = pr->ci_hi;
	if (pr->ci_valid && lo > 1 / up && hi < up)
		return AB_LOOK_SAME;
	if (k + 1 >= lk->n)
		return AB_LOOK_LAST;
	/* narrower than the threshold (half of it either side): more rounds
	 * would only say on which side of the threshold a change that is
	 * already significant lies, which is within the noise of the
	 * threshold itself */
	int narrow = pr->ci_valid && log(hi / lo) < log(up);
	if (pr->ci_valid && ab_looks_p(lk, k, pr->p) * (double)ncases < alpha &&
	    (lo > up || hi < 1 / up || narrow))
		return AB_LOOK_CHANGED;
	return AB_LOOK_MORE;
}
