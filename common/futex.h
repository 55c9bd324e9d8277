/* The futex, once: sleep while a 32-bit word holds a value (the kernel
 * checks atomically), with or without a time limit, and wake its sleepers.
 * Process-private futexes, but for futex/wake's pair of calls, which
 * measures both kinds. Spurious and EAGAIN/EINTR returns are the caller's
 * loop's business. */
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

/* Sleeps while *word == val (no limit), on a process-private futex or
 * (private_ 0) a shared one, which the kernel keys by the page's inode or
 * mm and offset instead of the address alone. 0 or -1 with errno. */
static inline int futex_wait_kind(_Atomic uint32_t *word, uint32_t val,
				  int private_)
{
	return (int)syscall(SYS_futex, word,
			    private_ ? FUTEX_WAIT_PRIVATE : FUTEX_WAIT, val,
			    NULL, NULL, 0);
}

/* Wakes up to n sleepers of that kind; how many it woke, or -1. */
static inline int futex_wake_kind(_Atomic uint32_t *word, int n, int private_)
{
	return (int)syscall(SYS_futex, word,
			    private_ ? FUTEX_WAKE_PRIVATE : FUTEX_WAKE, n, NULL,
			    NULL, 0);
}

#endif
