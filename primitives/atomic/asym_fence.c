#include <errno.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "atomic_value.h"

/* Transient failures (ENOMEM: the kernel could not allocate its CPU mask)
 * are tried again this often before the slower global command. */
#define ASYM_FENCE_TRIES 8

#ifdef CONTEND_SCHED_POINTS
/* the scripted tests decide what the call returns (sched_point.h) */
#define membarrier_call(cmd) contend_sched_membarrier(cmd)
#else
static long membarrier_call(int cmd)
{
	return syscall(SYS_membarrier, cmd, 0, 0);
}
#endif

int asym_fence_init(void)
{
	long q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	if (q < 0 || !(q & MEMBARRIER_CMD_PRIVATE_EXPEDITED))
		return 0;
	/* idempotent: every value may register, the first one counts */
	return syscall(SYS_membarrier,
		       MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
}

/* 1 once some command ran a full barrier on every thread of the process. */
static int membarrier_everywhere(void)
{
	for (int i = 0; i < ASYM_FENCE_TRIES; i++) {
		if (membarrier_call(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0)
			return 1;
		if (errno != ENOMEM && errno != EAGAIN && errno != EINTR)
			break;
		sched_yield();
	}
	/* every CPU passes a grace period: slow (milliseconds), as good */
	return membarrier_call(MEMBARRIER_CMD_GLOBAL) == 0;
}

void asym_fence_heavy(int asym)
{
	if (!asym) {
		asym_fence_light(0); /* a full fence, in a form TSan models */
		return;
	}
	/* The readers left out their fence on the promise of this barrier:
	 * this thread's own fence in its place would let a scan miss an
	 * announcement still in a reader's store buffer, and a value it holds
	 * be freed. Without a barrier there is no safe way on. */
	if (!membarrier_everywhere()) {
		fprintf(stderr,
			"contend: membarrier(2) failed (%s) after it "
			"was registered; cannot reclaim safely\n",
			strerror(errno));
		abort();
	}
	SCHED_POINT(membarrier); /* every thread ran a full barrier */
}
