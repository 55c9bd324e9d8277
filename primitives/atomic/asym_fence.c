#include <errno.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "atomic_value.h"

/* ENOMEM, the one transient error (the CPU mask, allocated only with
 * CONFIG_CPUMASK_OFFSTACK; in practice for an OOM victim), is tried again
 * this often before the slower global command. EAGAIN and EINTR are never
 * returned; they are taken as transient all the same. */
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

static int registered(void)
{
	return syscall(SYS_membarrier,
		       MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
}

int asym_fence_init(void)
{
	long q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	if (q < 0 || !(q & MEMBARRIER_CMD_PRIVATE_EXPEDITED))
		return 0;
	/* idempotent: every value may register, the first one counts */
	return registered();
}

/* 1 once some command ran a full barrier on every thread of the process;
 * else 0, with each command's errno in err[0] (private) and err[1]. */
static int membarrier_everywhere(int err[2])
{
	int reregistered = 0;
	err[1] = 0;
	for (int i = 0; i < ASYM_FENCE_TRIES; i++) {
		if (membarrier_call(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0)
			return 1;
		err[0] = errno;
		/* only exec drops the registration; once more, to be sure */
		if (err[0] == EPERM && !reregistered++ && registered())
			continue;
		if (err[0] != ENOMEM && err[0] != EAGAIN && err[0] != EINTR)
			break;
		sched_yield();
	}
	/* waits for an RCU grace period: every CPU passes a quiescent state
	 * with a full barrier that orders its user-mode accesses too;
	 * milliseconds; refused (EINVAL) under nohz_full */
	if (membarrier_call(MEMBARRIER_CMD_GLOBAL) == 0)
		return 1;
	err[1] = errno;
	return 0;
}

void asym_fence_heavy(int asym)
{
	if (!asym) {
		asym_fence_light(0); /* a full fence, in a form TSan models */
		return;
	}
	/* The readers left out their fence on the promise of this barrier:
	 * this thread's own fence in its place would let a scan miss an
	 * announcement still in a reader's store buffer (x86) or not yet
	 * visible (AArch64), and a value it holds be freed. Turning the
	 * readers' fences back on would not help those already in a section.
	 * Without a barrier there is no safe way on. */
	int err[2];
	if (!membarrier_everywhere(err)) {
		char e0[64], e1[64];
		fprintf(stderr,
			"contend: membarrier(2) failed after it was registered "
			"(private expedited: %s; global: %s); cannot reclaim "
			"safely\n",
			strerror_r(err[0], e0, sizeof(e0)),
			strerror_r(err[1], e1, sizeof(e1)));
		abort();
	}
	SCHED_POINT(membarrier); /* every thread ran a full barrier */
}
