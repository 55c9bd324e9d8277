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

#include "spin.h"

/* Spins until the line holds want. Yields now and then so that two threads
 * forced onto one CPU still progress (never happens with pair placements). */
static inline void c2c_wait(_Atomic uint64_t *line, uint64_t want)
{
	unsigned spins = 0;
	/* acquire: pairs with the partner's release store of want */
	while (atomic_load_explicit(line, memory_order_acquire) != want) {
		spin_pause();
		if (++spins == 1u << 20) {
			spins = 0;
			sched_yield();
		}
	}
}

/* One round trip: thread 0 writes seq + 1 and waits for seq + 2, which
 * thread 1 writes once it saw seq + 1. Both advance seq by 2 per call, in
 * step (the line starts at 0, seq at 0). */
static inline void c2c_round(_Atomic uint64_t *line, int tid, uint64_t seq)
{
	if (tid == 0) {
		atomic_store_explicit(line, seq + 1, memory_order_release);
		c2c_wait(line, seq + 2);
	} else {
		c2c_wait(line, seq + 1);
		atomic_store_explicit(line, seq + 2, memory_order_release);
	}
}

#endif
