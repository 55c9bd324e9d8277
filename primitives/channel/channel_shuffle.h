/* The random case order a select polls in: a fresh Fisher-Yates permutation
 * per poll, so each ready case is the first ready one tried with equal
 * probability (Go's selectgo pollorder). Shared by hchan and ring. */
#ifndef CONTEND_CHANNEL_SHUFFLE_H
#define CONTEND_CHANNEL_SHUFFLE_H

#include <stddef.h>
#include <stdint.h>

/* Per-thread xorshift32: selects on different threads share no state. The
 * modulo bias of % i is below i / 2^32, far under what a test can see. */
static inline uint32_t chan_random(void)
{
	static _Thread_local uint32_t state;
	if (!state)
		state = (uint32_t)(uintptr_t)&state | 1u;
	state ^= state << 13;
	state ^= state >> 17;
	state ^= state << 5;
	return state;
}

static inline void chan_shuffle(size_t *order, size_t n)
{
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j = chan_random() % i, t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
}

#endif
