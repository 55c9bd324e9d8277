/* The random case order a select polls in: a fresh Fisher-Yates permutation
 * per poll, so each ready case is the first ready one tried with equal
 * probability (Go's selectgo pollorder). Shared by hchan and ring. */
#ifndef CONTEND_CHANNEL_SHUFFLE_H
#define CONTEND_CHANNEL_SHUFFLE_H

#include <stddef.h>
#include <stdint.h>

/* Per-thread xorshift32: selects on different threads share no state. */
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
		/* j uniform in [0, i) by multiply and shift (Lemire, "Fast
		 * Random Integer Generation in an Interval", 2019) rather
		 * than a division; the bias, below i / 2^32, is far under
		 * what a test can see */
		size_t j = (size_t)(((uint64_t)chan_random() * i) >> 32);
		size_t t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
}

#endif
