/* contend ab's sequential design: when a case has had enough rounds.
 *
 * A case is looked at after its first rounds and then each time their
 * number doubles, up to a most. The per-round ratios of contended cases
 * can spread 15-30% (which page a lock landed on moves a 2-thread case that
 * much from one fresh instance to the next, and longer samples do not
 * average it away), while a 1-thread case's interval is within 1% after ten
 * rounds: a fixed number of rounds is too many for the one and far too few
 * for the other. So a case stops as soon as its verdict is settled:
 *  - "same" at any look, when its 95% interval lies within the threshold
 *    (stopping to accept never adds a false flag);
 *  - "changed" at a look that may flag, when its p, weighted for that look
 *    and for every case of the run (Bonferroni), is already significant and
 *    its interval lies beyond the threshold or is narrower than it.
 * Flagging may happen at more than one look, so alpha is split between the
 * looks (a union bound): the case's p is divided by its stopping look's
 * weight, the weights of the looks summing to at most 1. Most of it goes
 * to the last looks, which only the hard cases reach; the first look,
 * where the exact test of so few rounds could never pass a correction over
 * hundreds of cases, flags nothing and costs nothing. */
#ifndef CONTEND_AB_LOOKS_H
#define CONTEND_AB_LOOKS_H

#include <stddef.h>

#include "stats_paired.h"

#define AB_LOOKS_MAX 16

struct ab_looks {
	int n;			     /* how many looks */
	int rounds[AB_LOOKS_MAX];    /* rounds a case has at each look */
	double weight[AB_LOOKS_MAX]; /* alpha's share spent there (0: none) */
};

enum ab_look_next {
	AB_LOOK_MORE,	 /* unsettled: take the next look's rounds */
	AB_LOOK_SAME,	 /* interval within the threshold */
	AB_LOOK_CHANGED, /* significant already, beyond the threshold */
	AB_LOOK_LAST,	 /* no look left */
	AB_LOOK_TIME,	 /* the next look would overrun the case's time */
};

/* Looks at first, 2 first, 4 first, ... and most (first <= most). */
void ab_looks_plan(int first, int most, struct ab_looks *lk);

/* After look k with its paired ratio pr: stop or go on. up is
 * 1 + threshold, ncases the run's cases (the Bonferroni bound on any
 * correction's first step). */
enum ab_look_next ab_looks_next(const struct ab_looks *lk, int k,
				const struct paired *pr, double up,
				double alpha, size_t ncases);

/* p as the correction sees it for a case stopped at look k: p divided by
 * the look's weight, at most 1 (1 where the look flags nothing). */
double ab_looks_p(const struct ab_looks *lk, int k, double p);

#endif
