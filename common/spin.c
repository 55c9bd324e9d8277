#include "spin.h"

#include "clock.h"

/* The measurements, kept for the process: the cost of a pause is a property
 * of the CPU, not state anyone changes, so every thread that measures it
 * finds about the same value and whichever store lands last is as good as
 * the first (relaxed: nothing else is published with it). 0: not yet. */
struct spin_kept spin_kept;

/* A round pauses in chunks until PAUSE_ROUND_NS have passed (so a clock
 * read, 20 ns in a VM or a microsecond where it is a system call, is a
 * small part of it, and a coarse clock still gives a figure); the fastest
 * of PAUSE_ROUNDS counts (an interrupt only makes a round slower). A
 * clock that does not move, or a figure outside what any CPU does (a
 * pause of 0.1 to 500 ns), gives PAUSE_PS_DEFAULT instead. */
enum {
	PAUSE_ROUNDS = 5,
	PAUSE_CHUNK = 64,
	PAUSE_ROUND_NS = 20000,
	PAUSE_MAX_CHUNKS = 1 << 16,
	PAUSE_PS_MIN = 100,
	PAUSE_PS_MAX = 500000,
	PAUSE_PS_DEFAULT = 20000,
};

static uint64_t pause_round_ps(void)
{
	uint64_t t0 = clock_mono_ns(), dt = 0, n = 0;
	while (dt < PAUSE_ROUND_NS &&
	       n < (uint64_t)PAUSE_CHUNK * PAUSE_MAX_CHUNKS) {
		for (int i = 0; i < PAUSE_CHUNK; i++)
			spin_pause();
		n += PAUSE_CHUNK;
		dt = clock_mono_ns() - t0;
	}
	return dt < PAUSE_ROUND_NS ? 0 : dt * 1000u / n;
}

uint32_t spin_pause_ps_measure(void)
{
	uint64_t best = UINT64_MAX;
	for (int r = 0; r < PAUSE_ROUNDS; r++) {
		uint64_t ps = pause_round_ps();
		if (ps && ps < best)
			best = ps;
	}
	if (best < PAUSE_PS_MIN || best > PAUSE_PS_MAX)
		best = PAUSE_PS_DEFAULT;
	atomic_store_explicit(&spin_kept.pause_ps, (uint32_t)best,
			      memory_order_relaxed);
	return (uint32_t)best;
}

uint32_t spin_yield_after_measure(void)
{
	uint32_t n = spin_pauses_ns(SPIN_YIELD_NS);
	atomic_store_explicit(&spin_kept.yield_after, n, memory_order_relaxed);
	return n;
}

void spin_measure_all(void)
{
	spin_pause_ps_measure();
	spin_yield_after_measure();
}
