/* The spin-wait hint the spinning locks use between polls of a lock word:
 * it tells the CPU this is a spin loop (no memory-order mis-speculation on
 * exit, and the SMT sibling gets the core's resources meanwhile). The same
 * instruction as bench.h's cpu_relax, kept here so primitives do not depend
 * on the benchmark harness. */
#ifndef CONTEND_SPIN_PAUSE_H
#define CONTEND_SPIN_PAUSE_H

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

#endif
