#include "spin.h"

#include "clock.h"

/* The measurements, kept for the process: the cost of a pause is a property
 * of the CPU, not state anyone changes, so every thread that measures it
 * finds about the same value and whichever store lands last is as good as
 * the first (relaxed: nothing else is published with it). 0: not yet. */
_Atomic uint32_t spin_pause_ps_kept, spin_yield_after_kept;

enum { PAUSE_ROUNDS = 8, PAUSES_PER_ROUND = 128 };

/* The fastest of PAUSE_ROUNDS timed runs: a run that an interrupt or
 * another task cut into is only slower, never faster. */
uint32_t spin_pause_ps_measure(void)
{
	uint64_t best = UINT64_MAX, ps;
	for (int r = 0; r < PAUSE_ROUNDS; r++) {
		uint64_t t0 = clock_mono_ns();
		for (int i = 0; i < PAUSES_PER_ROUND; i++)
			spin_pause();
		uint64_t dt = clock_mono_ns() - t0;
		if (dt < best)
			best = dt;
	}
	ps = best * 1000u / PAUSES_PER_ROUND;
	ps = ps ? (ps < UINT32_MAX ? ps : UINT32_MAX) : 1;
	atomic_store_explicit(&spin_pause_ps_kept, (uint32_t)ps,
			      memory_order_relaxed);
	return (uint32_t)ps;
}

uint32_t spin_yield_after_measure(void)
{
	uint32_t n = spin_pauses_ns(SPIN_YIELD_NS);
	atomic_store_explicit(&spin_yield_after_kept, n, memory_order_relaxed);
	return n;
}
