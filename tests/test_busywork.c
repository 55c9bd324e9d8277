/* Busy work in ns (common/busywork.h): a unit's cost is measured once and
 * kept, a length in ns becomes the units that last it at that cost, and
 * the work is a chain the compiler cannot drop. No time is asserted. */
#include <stdint.h>
#include <stdio.h>

#include "busywork.h"
#include "clock.h"
#include "test_check.h"

static void test_measured_and_kept(void)
{
	uint32_t ps = busy_unit_ps();
	CHECK(ps >= 50 && ps <= 100000); /* a unit of 0.05 to 100 ns */
	CHECK(atomic_load(&busy_kept.unit_ps) == ps);
	CHECK(busy_unit_ps() == ps); /* kept */
	uint32_t again = busy_unit_ps_measure();
	CHECK(again >= 50 && again <= 100000);
	uint64_t last = 0;
	for (uint64_t ns = 1; ns < 100000000; ns = ns * 5 / 4 + 1) {
		uint64_t n = busy_units_ns(ns);
		CHECK(n >= last);
		last = n;
	}
}

/* With a known cost the arithmetic is exact: 1 ns and 1.5 ns units. */
static void test_conversion(void)
{
	uint32_t kept = atomic_load(&busy_kept.unit_ps);
	atomic_store(&busy_kept.unit_ps, 1000);
	CHECK(busy_units_ns(0) == 0); /* no section: no work */
	CHECK(busy_units_ns(500) == 500);
	atomic_store(&busy_kept.unit_ps, 1500);
	CHECK(busy_units_ns(1500) == 1000);
	CHECK(busy_units_ns(UINT64_MAX) == UINT64_MAX); /* saturates */
	atomic_store(&busy_kept.unit_ps, kept);
}

/* The chain runs: each unit changes the value, and the same start and
 * count give the same end (the work is arithmetic, not time). */
static void test_chain(void)
{
	CHECK(busy_units(0, 7) == 7);
	CHECK(busy_units(1, 7) != 7);
	CHECK(busy_units(1000, 7) == busy_units(1000, 7));
	CHECK(busy_units(1000, 7) != busy_units(999, 7));
	CHECK(busy_units(2, 7) == busy_units(1, busy_units(1, 7)));
}

/* The work is done, not folded: four times the units take well over twice
 * the time (the least of several tries each: a ratio, not a time). */
static uint64_t least_ns(uint64_t units)
{
	uint64_t best = UINT64_MAX, x = 3;
	for (int i = 0; i < 7; i++) {
		uint64_t t0 = clock_mono_ns();
		x = busy_units(units, x);
		uint64_t dt = clock_mono_ns() - t0;
		if (dt < best)
			best = dt;
	}
	CHECK(x != 3);
	return best;
}

static void test_work_scales(void)
{
	uint64_t one = least_ns(200000), four = least_ns(800000);
	CHECK(four > 2 * one);
}

int main(void)
{
	test_measured_and_kept();
	test_conversion();
	test_chain();
	test_work_scales();
	printf("busywork: unit %.2f ns, %s\n", busy_unit_ps() / 1000.0,
	       fails ? "FAILED" : "ok");
	return fails != 0;
}
