#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "atomic_value.h"

int asym_fence_init(void)
{
	long q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	if (q < 0 || !(q & MEMBARRIER_CMD_PRIVATE_EXPEDITED))
		return 0;
	/* idempotent: every value may register, the first one counts */
	return syscall(SYS_membarrier,
		       MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
}

void asym_fence_heavy(int asym)
{
	if (!asym || syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED,
			     0, 0) != 0)
		asym_fence_light(0); /* a full fence, in a form TSan models */
	else
		SCHED_POINT(membarrier); /* every thread ran a full barrier */
}
