/* Spin budgets (common/spin.h): a pause's cost is measured once and kept,
 * and budgets in ns become the pauses that last them at that cost. (That a
 * forked case inherits the runner's measurement is fork's semantics; no
 * fork here: the test also runs under qemu-user, where a child can hang.) */
#include <stdint.h>
#include <stdio.h>

#include "spin.h"
#include "test_check.h"

static void test_measured_and_kept(void)
{
	uint32_t ps = spin_pause_ps();
	CHECK(ps >= 100 && ps <= 500000); /* a pause of 0.1 to 500 ns */
	CHECK(atomic_load(&spin_kept.pause_ps) == ps);
	CHECK(spin_pause_ps() == ps); /* kept */
	uint32_t again = spin_pause_ps_measure();
	CHECK(again >= 100 && again <= 500000);
	CHECK(spin_pauses_ns(0) == 1);
	uint32_t last = 0;
	for (uint64_t ns = 1; ns < 100000000; ns = ns * 5 / 4 + 1) {
		uint32_t n = spin_pauses_ns(ns);
		CHECK(n >= last && n >= 1);
		last = n;
	}
}

/* With a known cost the arithmetic is exact: 10 ns and 23.8 ns pauses. */
static void test_conversion(void)
{
	uint32_t kept = atomic_load(&spin_kept.pause_ps);
	atomic_store(&spin_kept.pause_ps, 10000);
	CHECK(spin_pauses_ns(1000) == 100);
	CHECK(spin_pauses_ns(5) == 1); /* never 0 */
	atomic_store(&spin_kept.yield_after, 0);
	CHECK(spin_yield_after() == SPIN_YIELD_NS / 10);
	atomic_store(&spin_kept.pause_ps, 23800);
	CHECK(spin_pauses_ns(1500) == 63);
	CHECK(spin_pauses_ns(UINT64_MAX) == UINT32_MAX); /* saturates */
	atomic_store(&spin_kept.pause_ps, 1);
	CHECK(spin_pauses_ns(UINT64_MAX / 1000) == UINT32_MAX);
	atomic_store(&spin_kept.pause_ps, kept);
	atomic_store(&spin_kept.yield_after, 0);
}

int main(void)
{
	test_measured_and_kept();
	test_conversion();
	printf("spin: pause %.1f ns, %s\n", spin_pause_ps() / 1000.0,
	       fails ? "FAILED" : "ok");
	return fails != 0;
}
