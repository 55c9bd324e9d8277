/* Asking for a line before it is needed, for reading or for writing.
 *
 * Why for writing: a line another CPU wrote last reaches this one shared
 * with the read prefetch, and the store that follows still waits for its
 * ownership; on a guest whose vCPUs sit far apart that is a second round
 * trip (300-500 ns). x86 has prefetchw where CPUID says so (AMD's
 * 3DNowPrefetch bit, Intel's PRFCHW since Broadwell); Intel's Core 2 to
 * Haswell run it as a no-op without saying so, and NetBurst faults on it,
 * so without the bit a caller uses the read prefetch. */
#ifndef CONTEND_PREFETCH_H
#define CONTEND_PREFETCH_H

#include <stdatomic.h>
#include <stddef.h>

#include "cacheline.h"

/* CPUID's answer, kept once per process (prefetch.c): 0 not asked yet,
 * 1 no prefetch for writing, 2 one. CPUID traps to the hypervisor in a
 * VM: asked on every chan_new, it made chan/close-broadcast (a channel
 * per round) 1.37x slower on the Zen 5 guest. */
extern _Atomic int prefetch_write_kept;
__attribute__((cold)) int prefetch_has_write_ask(void);

/* 1 if prefetch_lines may be asked for writing on this CPU. */
static inline int prefetch_has_write(void)
{
	/* relaxed: the kept answer publishes nothing else */
	int k = atomic_load_explicit(&prefetch_write_kept,
				     memory_order_relaxed);
	return k ? k == 2 : prefetch_has_write_ask();
}

/* Asks for the lines of [p, p + size) in this CPU's cache, for writing if
 * w (only where prefetch_has_write said so). */
static inline void prefetch_lines(const void *p, size_t size, int w)
{
	const char *b = p;
	for (size_t off = 0; off < size; off += CACHE_LINE) {
#if defined(__x86_64__) || defined(__i386__)
		if (w)
			__asm__ volatile("prefetchw %0" ::"m"(b[off]));
		else
			__builtin_prefetch(b + off, 0, 3);
#else
		/* the hint must be a constant */
		if (w)
			__builtin_prefetch(b + off, 1, 3);
		else
			__builtin_prefetch(b + off, 0, 3);
#endif
	}
}

#endif
