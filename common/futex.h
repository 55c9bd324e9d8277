/* The futex, once: sleep while a 32-bit word holds a value (the kernel
 * checks atomically), with or without a time limit, and wake its sleepers.
 * Process-private futexes only. Spurious and EAGAIN/EINTR returns are the
 * caller's loop's business. */
#ifndef CONTEND_FUTEX_H
#define CONTEND_FUTEX_H

#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Sleeps while *word == val, at most *timeout (relative; NULL: no limit).
 * 0, or -1 with errno (ETIMEDOUT, EAGAIN, EINTR). */
static inline int futex_wait(_Atomic uint32_t *word, uint32_t val,
			     const struct timespec *timeout)
{
	return (int)syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, val, timeout,
			    NULL, 0);
}

/* Sleeps while *word == val, until deadline (absolute CLOCK_MONOTONIC,
 * NULL: none). 0, or -1 with errno (ETIMEDOUT, EAGAIN, EINTR). */
static inline int futex_wait_until(_Atomic uint32_t *word, uint32_t val,
				   const struct timespec *deadline)
{
	return (int)syscall(SYS_futex, word, FUTEX_WAIT_BITSET_PRIVATE, val,
			    deadline, NULL, FUTEX_BITSET_MATCH_ANY);
}

/* Wakes up to n sleepers on word. */
static inline void futex_wake(_Atomic uint32_t *word, int n)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

#endif
