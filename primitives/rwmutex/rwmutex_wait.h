/* Helpers the rwmutex implementations share: the ground floor's spin-wait
 * and futex (common/), and a thread token that a lock hashes into its own
 * table of reader slots (BRAVO, ck_brlock). */
#ifndef CONTEND_RWMUTEX_WAIT_H
#define CONTEND_RWMUTEX_WAIT_H

#include <limits.h>
#include <pthread.h>
#include <stdint.h>

#include "futex.h"
#include "spin.h"

/* A value unique among live threads (the thread's descriptor address),
 * never 0: what a reader writes into a slot to say "mine". The thread
 * pointer register is that address on x86-64 and AArch64 glibc; reading it
 * inline saves pthread_self's call through the PLT on every read. */
static inline uintptr_t rwmutex_thread_token(void)
{
#if defined(__x86_64__) || defined(__aarch64__)
	return (uintptr_t)__builtin_thread_pointer();
#else
	return (uintptr_t)pthread_self();
#endif
}

/* Fibonacci hashing of the token into 2^bits slots: descriptors sit a
 * stack size apart, so the low bits alone would all collide. */
static inline unsigned rwmutex_slot_hash(uintptr_t token, unsigned bits)
{
	return (unsigned)(((uint64_t)token * 0x9E3779B97F4A7C15ull) >>
			  (64 - bits));
}

#endif
