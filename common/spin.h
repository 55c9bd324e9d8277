/* Spin-waiting: the pause hint every spin loop uses between polls of a word
 * (the primitives' locks, the workloads' hand-offs, the runner's barriers),
 * and spin budgets in time rather than in counts of pauses.
 *
 * Why time: a pause costs 10.8 ns on the Intel Xeon guests this suite has
 * seen and 23.8 ns on the AMD EPYC family 26 guest (and anything from 10 to
 * 140 cycles across CPU models), so "spin 512 pauses" is a different wait on
 * every machine. A budget is what a wait may cost, in ns; spin_pauses_ns
 * turns it into pauses with the cost of one pause measured on the CPU the
 * process runs on (spin_pause_ps, once per process). The primitives'
 * back-offs and spins before sleeping are all budgets, and so is c2c.h's
 * yield; the runner's barriers and the workloads' hand-offs still yield
 * after counts of polls, which only matter when a CPU is shared. */
#ifndef CONTEND_SPIN_H
#define CONTEND_SPIN_H

#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>

#include "cacheline.h"

/* The hint: tells the CPU this is a spin loop (no memory-order
 * mis-speculation on exit, and the SMT sibling gets the core meanwhile). */
static inline void spin_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#else
	__asm__ volatile("" ::: "memory");
#endif
}

/* Measured at the first call (or by spin_measure_all) and kept (spin.c):
 * 0 until then. On a line of their own: read on every spin step, written
 * once. */
struct spin_kept {
	_Alignas(CACHE_LINE) _Atomic uint32_t pause_ps, yield_after;
};
extern struct spin_kept spin_kept;
__attribute__((cold)) uint32_t spin_pause_ps_measure(void);
__attribute__((cold)) uint32_t spin_yield_after_measure(void);

/* Measures both now (the runner's main does, before any timed work). */
void spin_measure_all(void);

/* What one spin_pause costs here, in picoseconds (100 to 500000: spin.c
 * says how it is measured). */
static inline uint32_t spin_pause_ps(void)
{
	/* relaxed: a kept measurement publishes nothing else (spin.c) */
	uint32_t ps =
		atomic_load_explicit(&spin_kept.pause_ps, memory_order_relaxed);
	return ps ? ps : spin_pause_ps_measure();
}

/* How many pauses last about ns on this CPU (at least 1, at most
 * UINT32_MAX). */
static inline uint32_t spin_pauses_ns(uint64_t ns)
{
	uint64_t n = ns < UINT64_MAX / 1000u ? ns * 1000u / spin_pause_ps()
					     : UINT32_MAX;
	return n ? (n < UINT32_MAX ? (uint32_t)n : UINT32_MAX) : 1;
}

/* How long a waiter spins before it yields its CPU once: 200 us is far
 * longer than any wait for a running owner (a cache line crosses in under
 * 1 us on every machine seen), so on dedicated CPUs the yield never
 * happens. It happens when the thread waited for is not running (more
 * threads than CPUs, a busy machine): then it may be waiting for this very
 * CPU, and without the yield every hand-off would cost a time slice. */
#define SPIN_YIELD_NS 200000u

/* SPIN_YIELD_NS in pauses on this CPU. */
static inline uint32_t spin_yield_after(void)
{
	/* relaxed: as spin_pause_ps */
	uint32_t n = atomic_load_explicit(&spin_kept.yield_after,
					  memory_order_relaxed);
	return n ? n : spin_yield_after_measure();
}

/* One doubling of an exponential back-off's delay, up to max (a delay
 * already at or past max stays). */
static inline void spin_backoff_grow(uint32_t *delay, uint32_t max)
{
	if (*delay < max)
		*delay = *delay * 2 < max ? *delay * 2 : max;
}

/* One step of a spin-wait: a pause, and a yield every spin_yield_after()
 * of them (about SPIN_YIELD_NS); *spins counts them (start it at 0). */
static inline void spin_wait_step(unsigned *spins)
{
	spin_pause();
	if (++*spins >= spin_yield_after()) {
		*spins = 0;
		sched_yield();
	}
}

#endif
