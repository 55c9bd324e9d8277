/* prefetch.h's CPUID answer, asked once per process. */
#include "prefetch.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

_Atomic int prefetch_write_kept;

int prefetch_has_write_ask(void)
{
	/* not x86: __builtin_prefetch's write hint (AArch64 pstl1keep) */
	int has = 1;
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, c, d;
	has = __get_cpuid(0x80000001u, &a, &b, &c, &d) && (c & (1u << 8));
#endif
	/* relaxed: threads that race here store the same answer */
	atomic_store_explicit(&prefetch_write_kept, has ? 2 : 1,
			      memory_order_relaxed);
	return has;
}
