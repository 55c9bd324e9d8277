/* The random case order a select polls in: a fresh uniform permutation per
 * poll, so each ready case is the first ready one tried with equal
 * probability (Go's selectgo pollorder). Shared by hchan and ring.
 *
 * Up to 16 cases the permutation lives in one register, four bits a
 * position: building it is a handful of ALU operations per case and no
 * memory traffic. An array of size_t, filled by stores and shuffled by
 * reloads, cost a select over two ready channels about a quarter of its
 * time (store-to-load round trips on the critical path). */
#ifndef CONTEND_CHANNEL_SHUFFLE_H
#define CONTEND_CHANNEL_SHUFFLE_H

#include <stddef.h>
#include <stdint.h>

#define CHAN_PERM_PACKED 16

/* Per-thread xorshift32: selects on different threads share no state. */
static inline uint32_t chan_random(void)
{
	static _Thread_local uint32_t state;
	uint32_t out = state;
	/* the value out was computed by the previous call: a select waits
	 * only for its load, not for the shifts, before it locks a channel */
	if (!out)
		out = (uint32_t)(uintptr_t)&state | 1u;
	state = out ^ out << 13;
	state ^= state >> 17;
	state ^= state << 5;
	return out;
}

/* j uniform in [0, bound) by multiply and shift (Lemire, "Fast Random
 * Integer Generation in an Interval", 2019) rather than a division; the
 * bias, below bound / 2^32, is far under what a test can see. */
static inline size_t chan_random_below(size_t bound)
{
	return (size_t)(((uint64_t)chan_random() * bound) >> 32);
}

/* A permutation of 0..n-1: packed when n <= CHAN_PERM_PACKED, else in
 * big (n entries, the caller's). */
struct chan_perm {
	uint64_t packed;
	size_t *big;
};

/* Inside-out Fisher-Yates: position i takes the value at a random j <= i,
 * and j takes i; uniform over the n! orders. */
static inline void chan_perm_init(struct chan_perm *p, size_t n, size_t *big)
{
	p->packed = 0;
	p->big = n > CHAN_PERM_PACKED ? big : NULL;
	if (p->big) {
		for (size_t i = 0; i < n; i++) {
			size_t j = chan_random_below(i + 1);
			big[i] = j == i ? i : big[j];
			big[j] = i;
		}
		return;
	}
	for (size_t i = 1; i < n; i++) {
		unsigned sj = 4 * (unsigned)chan_random_below(i + 1);
		uint64_t vj = (p->packed >> sj) & 15;
		p->packed |= vj << (4 * i); /* position i was 0 */
		p->packed &= ~(15ull << sj);
		p->packed |= (uint64_t)i << sj;
	}
}

static inline size_t chan_perm_at(const struct chan_perm *p, size_t k)
{
	return p->big ? p->big[k] : (size_t)(p->packed >> (4 * k)) & 15;
}

#endif
