/* Busy work of a given length in ns: the critical and parallel sections of
 * mutex/sections (lockhammer's -c/-p). A unit is one step of a dependent
 * multiply-add chain the compiler cannot fold (the asm makes each result
 * opaque) and that touches no memory, so a section costs the same inside
 * and outside a lock and on every core; what a unit costs here is measured
 * once per process (busywork.c), so a section is a time on every CPU, not a
 * count tuned on one.
 */
#ifndef CONTEND_BUSYWORK_H
#define CONTEND_BUSYWORK_H

#include <stdatomic.h>
#include <stdint.h>

#include "cacheline.h"

struct busy_kept {
	_Alignas(CACHE_LINE) _Atomic uint32_t unit_ps; /* 0: not yet */
};
extern struct busy_kept busy_kept;
/* Measures a unit's cost on this thread's CPU now and keeps it. */
__attribute__((cold)) uint32_t busy_unit_ps_measure(void);
/* Measures it without keeping it (sections check the kept one with it). */
__attribute__((cold)) uint32_t busy_unit_ps_time(void);

/* Runs n units on x; returns the chain's end (sink it: the work is kept
 * because its result is used). */
static inline uint64_t busy_units(uint64_t n, uint64_t x)
{
	for (uint64_t i = 0; i < n; i++) {
		x = x * UINT64_C(6364136223846793005) +
		    UINT64_C(1442695040888963407);
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

/* What one unit costs here, in picoseconds. */
static inline uint32_t busy_unit_ps(void)
{
	/* relaxed: a kept measurement publishes nothing else (busywork.c) */
	uint32_t ps =
		atomic_load_explicit(&busy_kept.unit_ps, memory_order_relaxed);
	return ps ? ps : busy_unit_ps_measure();
}

/* How many units last about ns here (0 for 0). */
static inline uint64_t busy_units_ns(uint64_t ns)
{
	return ns < UINT64_MAX / 1000u ? ns * 1000u / busy_unit_ps()
				       : UINT64_MAX;
}

#endif
