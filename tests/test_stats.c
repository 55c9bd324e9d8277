/* Statistics on known data. */
#include <math.h>
#include <stdio.h>

#include "stats.h"

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
	printf("%d failures\n", fails);
	return fails != 0;
}
