/* The spin-wait hint every spin loop uses between polls of a word (the
 * primitives' locks, the workloads' hand-offs, the runner's barriers): it
 * tells the CPU this is a spin loop (no memory-order mis-speculation on
 * exit, and the SMT sibling gets the core's resources meanwhile). */
#ifndef CONTEND_SPIN_H
#define CONTEND_SPIN_H

#include <sched.h>

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

/* Pauses a waiter makes before it yields its CPU once: 2^14 pauses are
 * 0.1-2 ms (pause takes 10-140 cycles), far longer than any wait for a
 * running owner, so on dedicated CPUs the yield never happens. It happens
 * when the thread waited for is not running (more threads than CPUs, a busy
 * machine): then it may be waiting for this very CPU, and without the yield
 * every hand-off would cost a scheduler time slice. */
#define SPIN_YIELD_AFTER (1u << 14)

/* One step of a spin-wait: a pause, and a yield every SPIN_YIELD_AFTER
 * steps; *spins counts them (start it at 0). */
static inline void spin_wait_step(unsigned *spins)
{
	spin_pause();
	if (++*spins == SPIN_YIELD_AFTER) {
		*spins = 0;
		sched_yield();
	}
}

#endif
