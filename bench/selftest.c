/* selftest family: benchmarks that misbehave on purpose, to prove the
 * runner's guards (tests/test_cli.py). Hidden from users: selectable only
 * with CONTEND_SELFTEST=1 in the environment.
 *
 * selftest/crash aborts on its first run; selftest/hang never returns from
 * run; selftest/slow-exit measures normally, then takes a minute to tear
 * down. Each must become one failed or timeout record, naming the signal or
 * the phase, while the cases around it keep their results.
 * selftest/stall-first loses 50 ms in its first run only, as a case does
 * whose first sample another task interrupted: its samples must still run
 * as many iterations as the op's cost calls for.
 * selftest/uneven (BENCH_TIMED): thread 1's op costs 10x thread 0's, the
 * threads otherwise independent: run for a time, the threads end together
 * and their ops differ; with --bound count, thread 0 ends early.
 */
#include <stdlib.h>
#include <unistd.h>

#include "bench.h"

static uint64_t selftest_crash_run(void *shared, struct bench_thread *t,
				   uint64_t iters)
{
	(void)shared;
	(void)t;
	(void)iters;
	abort();
}

static uint64_t selftest_hang_run(void *shared, struct bench_thread *t,
				  uint64_t iters)
{
	(void)shared;
	(void)t;
	(void)iters;
	for (;;)
		pause();
	return 0; /* not reached */
}

static uint64_t selftest_quick_run(void *shared, struct bench_thread *t,
				   uint64_t iters)
{
	(void)shared;
	(void)t;
	for (uint64_t i = 0; i < iters; i++)
		keep(i);
	return iters;
}

static int selftest_stall_setup(const struct bench *b, int nthreads,
				void **shared, struct err *e)
{
	(void)b;
	(void)nthreads;
	*shared = calloc(1, sizeof(int));
	return *shared ? 0 : err_set(e, "selftest: out of memory");
}

static uint64_t selftest_stall_first_run(void *shared, struct bench_thread *t,
					 uint64_t iters)
{
	int *stalled = shared;
	if (!*stalled) {
		*stalled = 1;
		usleep(50000);
	}
	return selftest_quick_run(shared, t, iters);
}

static uint64_t selftest_uneven_run(void *shared, struct bench_thread *t,
				    uint64_t iters)
{
	uint64_t work = t->tid == 1 ? 10 : 1;
	(void)shared;
	for (uint64_t i = 0; i < iters * work; i++)
		keep(i);
	return iters;
}

static void selftest_slow_teardown(void *shared)
{
	(void)shared;
	sleep(60);
}

BENCH_REGISTER(selftest_crash, .name = "selftest/crash", .impl = "abort",
	       .params = "", .flags = BENCH_HIDDEN,
	       .summary = "aborts in its first run (runner test)",
	       .run = selftest_crash_run);

BENCH_REGISTER(selftest_hang, .name = "selftest/hang", .impl = "pause",
	       .params = "", .flags = BENCH_HIDDEN,
	       .summary = "never returns from run (runner test)",
	       .run = selftest_hang_run);

BENCH_REGISTER(selftest_slow_exit, .name = "selftest/slow-exit",
	       .impl = "sleep", .params = "", .flags = BENCH_HIDDEN,
	       .summary = "a minute in teardown (runner test)",
	       .teardown = selftest_slow_teardown, .run = selftest_quick_run);

BENCH_REGISTER(selftest_stall_first, .name = "selftest/stall-first",
	       .impl = "sleep", .params = "", .flags = BENCH_HIDDEN,
	       .summary = "50 ms lost in its first run only (runner test)",
	       .setup = selftest_stall_setup, .teardown = free,
	       .run = selftest_stall_first_run);

BENCH_REGISTER(selftest_uneven, .name = "selftest/uneven", .impl = "spin",
	       .params = "", .flags = BENCH_HIDDEN | BENCH_TIMED,
	       .summary = "thread 1's op costs 10x thread 0's (runner test)",
	       .run = selftest_uneven_run);
