#include "busywork.h"

#include "clock.h"

/* Kept for the process, as spin.c's pause: a property of the CPU, so
 * whichever thread's store lands last is as good (relaxed). */
struct busy_kept busy_kept;

/* BUSY_WARM_NS of units first (a CPU that was idle may run slower for a
 * while), then rounds of at least BUSY_ROUND_NS, a clock read per chunk
 * of BUSY_CHUNK units (~20 us: a 20 ns read is 0.1% of it; with 1024
 * units up to 2%, every section that much short), the fastest of
 * BUSY_ROUNDS (an interrupt only makes a round slower); a clock that does
 * not move or a unit outside 0.05-100 ns gives BUSY_PS_DEFAULT (a
 * multiply-add is 3-5 cycles on every CPU this runs on). */
enum {
	BUSY_WARM_NS = 2000000,
	BUSY_ROUNDS = 10,
	BUSY_CHUNK = 16384,
	BUSY_ROUND_NS = 100000,
	BUSY_MAX_CHUNKS = 1 << 16,
	BUSY_PS_MIN = 50,
	BUSY_PS_MAX = 100000,
	BUSY_PS_DEFAULT = 1500,
};

static uint64_t busy_round_ps(uint64_t *x, uint64_t round_ns)
{
	uint64_t t0 = clock_mono_ns(), dt = 0, n = 0;
	while (dt < round_ns && n < (uint64_t)BUSY_CHUNK * BUSY_MAX_CHUNKS) {
		*x = busy_units(BUSY_CHUNK, *x);
		n += BUSY_CHUNK;
		dt = clock_mono_ns() - t0;
	}
	return dt < round_ns ? 0 : dt * 1000u / n;
}

uint32_t busy_unit_ps_time(void)
{
	uint64_t best = UINT64_MAX, x = 1;
	busy_round_ps(&x, BUSY_WARM_NS);
	for (int r = 0; r < BUSY_ROUNDS; r++) {
		uint64_t ps = busy_round_ps(&x, BUSY_ROUND_NS);
		if (ps && ps < best)
			best = ps;
	}
	__asm__ volatile("" : : "r"(x)); /* the chain is used */
	if (best < BUSY_PS_MIN || best > BUSY_PS_MAX)
		best = BUSY_PS_DEFAULT;
	return (uint32_t)best;
}

uint32_t busy_unit_ps_measure(void)
{
	uint32_t ps = busy_unit_ps_time();
	atomic_store_explicit(&busy_kept.unit_ps, ps, memory_order_relaxed);
	return ps;
}
