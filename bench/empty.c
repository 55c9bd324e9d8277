/* empty family: the harness measured on itself.
 *
 * empty/loop is the per-op cost every other figure includes: the loop
 * increment and a keep() per iteration, no op. If it is not well under the
 * cheapest op measured (an atomic load), the figures above it mean little.
 * empty/malloc64 does exactly one 64-byte malloc and free per op: it must
 * report 64 B/op and 1 allocs/op, which checks the allocation counters.
 */
#include <stdlib.h>

#include "bench.h"

static uint64_t empty_loop_run(void *shared, struct bench_thread *t,
			       uint64_t iters)
{
	(void)shared;
	(void)t;
	for (uint64_t i = 0; i < iters; i++)
		keep(i);
	return iters;
}

BENCH_REGISTER(empty_loop, .name = "empty/loop", .impl = "none", .params = "",
	       .summary = "harness overhead: the timed loop with no op",
	       .run = empty_loop_run);

static uint64_t empty_malloc64_run(void *shared, struct bench_thread *t,
				   uint64_t iters)
{
	(void)shared;
	(void)t;
	for (uint64_t i = 0; i < iters; i++) {
		char *p = malloc(64);
		keep_ptr(p); /* the allocation may not be elided */
		free(p);
	}
	return iters;
}

BENCH_REGISTER(empty_malloc64, .name = "empty/malloc64", .impl = "libc",
	       .params = "size=64", .arg = 64,
	       .summary = "allocation counters check: one 64-byte malloc+free "
			  "per op (expect 64 B/op, 1 allocs/op)",
	       .run = empty_malloc64_run);
