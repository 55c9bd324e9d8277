/* The runner's clocks, once: the monotonic clock in ns and in seconds,
 * and the wall clock as ISO 8601 UTC. */
#ifndef CONTEND_CLOCK_H
#define CONTEND_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

static inline uint64_t clock_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline double clock_mono_s(void)
{
	return (double)clock_mono_ns() * 1e-9;
}

/* "2026-12-02T07:45:00Z", or for a file name "20261202T074500Z". */
static inline void clock_utc(char *buf, size_t len, int for_file)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, for_file ? "%Y%m%dT%H%M%SZ" : "%Y-%m-%dT%H:%M:%SZ",
		 &tm);
}

#endif
