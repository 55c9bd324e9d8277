/* The latency histogram behind the lat_* and wake_* result fields: every
 * bucket's floor is within 12.5% below the values it holds, quantiles of
 * known distributions land where they should, merging adds up. */
#include <stdint.h>
#include <stdio.h>

#include "latency.h"

static int fails;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("FAIL line %d: %s\n", __LINE__, #cond);         \
			fails++;                                               \
		}                                                              \
	} while (0)

static void test_bucket_bounds(void)
{
	unsigned last = 0;
	for (uint64_t v = 1; v < ((uint64_t)1 << 62); v = v * 3 / 2 + 1) {
		unsigned b = latency_bucket(v);
		uint64_t lo = latency_bucket_floor(b);
		CHECK(b < LAT_BUCKETS);
		CHECK(lo <= v);
		CHECK((double)(v - lo) <= 0.125 * (double)v);
		CHECK(b >= last); /* monotonic */
		last = b;
	}
	for (uint64_t v = 0; v < 8; v++)
		CHECK(latency_bucket_floor(latency_bucket(v)) == v);
}

static void test_quantiles(void)
{
	static struct latency_hist h, g;
	latency_reset(&h);
	latency_reset(&g);
	/* 1..1000 ns once each */
	for (uint64_t v = 1; v <= 1000; v++)
		latency_record(&h, v);
	CHECK(h.n == 1000 && h.max == 1000);
	CHECK(latency_quantile(&h, 0.5) >= 500 * 0.875);
	CHECK(latency_quantile(&h, 0.5) <= 501);
	CHECK(latency_quantile(&h, 0.99) >= 990 * 0.875);
	CHECK(latency_quantile(&h, 0.99) <= 991);
	/* a tail: 99 fast, 1 slow, merged from a second histogram */
	for (int i = 0; i < 99; i++)
		latency_record(&g, 100);
	latency_record(&g, 1000000);
	latency_merge(&h, &g);
	CHECK(h.n == 1100 && h.max == 1000000);
	latency_reset(&h);
	latency_merge(&h, &g);
	CHECK(latency_quantile(&h, 0.5) == 96 ||
	      latency_quantile(&h, 0.5) == 100);
	CHECK(latency_quantile(&h, 0.999) >= 1000000 * 0.875);
	CHECK(latency_quantile(&(struct latency_hist){0}, 0.5) == 0);
}

int main(void)
{
	test_bucket_bounds();
	test_quantiles();
	printf("%d failures\n", fails);
	return fails != 0;
}
