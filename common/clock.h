/* The clocks, once: the monotonic clock in ns and in seconds (what
 * primitives, workloads, the runner and the tests time with), and the wall
 * clock as ISO 8601 UTC. */
#ifndef CONTEND_CLOCK_H
#define CONTEND_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

/* "2026-12-02T07:45:00Z". */
static inline void clock_utc(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* For a file name, to the microsecond: "20261202T074500.123456Z" (runs
 * started in the same second still sort by when they started). */
static inline void clock_utc_file(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char sec[16];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(sec, sizeof(sec), "%Y%m%dT%H%M%S", &tm);
	snprintf(buf, len, "%s.%06uZ", sec,
		 (unsigned)(ts.tv_nsec / 1000) % 1000000u);
}

#endif
