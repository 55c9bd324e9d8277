/* One cache-line round trip between two threads: the floor of every
 * hand-off. c2c/pingpong times it as a benchmark; the runner also times a
 * burst of it between a hand-off case's own two threads after each of its
 * samples (measure.c), so that the C / c2c ratio compares figures taken at
 * the same moment: in a VM the distance between two vCPUs can change from
 * one second to the next (a 5x change in the round trip has been seen
 * within one run), which makes a floor measured in another case unsafe. */
#ifndef CONTEND_C2C_H
#define CONTEND_C2C_H

#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>

#include "clock.h"
#include "spin.h"

/* A wait this long means the partner is not running: it shares this CPU
 * (--oversubscribe, a cpuset) or the host took its vCPU. A round trip is
 * 0.05-0.5 us where both run. */
#define C2C_YIELD_NS 50000

/* Spins until the line holds want; after 1024 looks and C2C_YIELD_NS more
 * (50-130 us in all, by what a pause costs), yields at every look, so that
 * a partner on this CPU gets it at once. Returns the yields
 * (0 where both threads run: a wait that yielded timed the scheduler). Yielding
 * after a count of pauses instead (2^20: 7.6 ms a round trip on one CPU of a
 * Zen 5 guest, 88 s for the c2c workloads at --time 0.02, now 4 s) rested on
 * what a pause costs. The clock is read only every 1024 looks, never in a wait
 * that short. */
static inline unsigned c2c_wait(_Atomic uint64_t *line, uint64_t want)
{
	unsigned spins = 0, yields = 0;
	uint64_t start = 0;
	int yield = 0;
	/* acquire: pairs with the partner's release store of want */
	while (atomic_load_explicit(line, memory_order_acquire) != want) {
		if (yield) {
			sched_yield();
			yields++;
			continue;
		}
		spin_pause();
		if (++spins % 1024)
			continue;
		if (!start)
			start = clock_mono_ns();
		else if (clock_mono_ns() - start > C2C_YIELD_NS)
			yield = 1;
	}
	return yields;
}

/* One round trip: thread 0 writes seq + 1 and waits for seq + 2, which
 * thread 1 writes once it saw seq + 1. Both advance seq by 2 per call, in
 * step (the line starts at 0, seq at 0). Returns c2c_wait's yields. */
static inline unsigned c2c_round(_Atomic uint64_t *line, int tid, uint64_t seq)
{
	unsigned yields;
	if (tid == 0) {
		atomic_store_explicit(line, seq + 1, memory_order_release);
		return c2c_wait(line, seq + 2);
	}
	yields = c2c_wait(line, seq + 1);
	atomic_store_explicit(line, seq + 2, memory_order_release);
	return yields;
}

#endif
