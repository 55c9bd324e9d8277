/* Latency histogram for workloads that report percentiles as result fields
 * (a hand-off's round trip, a writer's wait, a close's broadcast).
 *
 * Log-linear buckets: 8 sub-buckets per power of two, so a percentile is
 * known to within 12.5% from 1 ns to 2^63 ns, in 4 KiB, with no division or
 * allocation on the recording path. One histogram per recording thread;
 * merge after the run.
 */
#ifndef CONTEND_LATENCY_H
#define CONTEND_LATENCY_H

#include <stdint.h>
#include <string.h>

#define LAT_SUB_BITS 3
#define LAT_BUCKETS  (64 << LAT_SUB_BITS)

struct latency_hist {
	uint64_t count[LAT_BUCKETS];
	uint64_t n, max;
};

static inline void latency_reset(struct latency_hist *h)
{
	memset(h, 0, sizeof(*h));
}

static inline unsigned latency_bucket(uint64_t ns)
{
	unsigned log;
	if (ns < (1u << LAT_SUB_BITS))
		return (unsigned)ns; /* exact below 8 ns */
	log = 63u - (unsigned)__builtin_clzll(ns);
	/* the power of two, then the next LAT_SUB_BITS bits below it */
	return ((log - LAT_SUB_BITS + 1) << LAT_SUB_BITS) |
	       (unsigned)((ns >> (log - LAT_SUB_BITS)) &
			  ((1u << LAT_SUB_BITS) - 1));
}

/* The smallest value of a bucket: what a percentile reports. */
static inline uint64_t latency_bucket_floor(unsigned b)
{
	unsigned major = b >> LAT_SUB_BITS,
		 sub = b & ((1u << LAT_SUB_BITS) - 1);
	if (major == 0)
		return sub;
	return ((uint64_t)((1u << LAT_SUB_BITS) | sub)) << (major - 1);
}

static inline void latency_record(struct latency_hist *h, uint64_t ns)
{
	h->count[latency_bucket(ns)]++;
	h->n++;
	if (ns > h->max)
		h->max = ns;
}

static inline void latency_merge(struct latency_hist *into,
				 const struct latency_hist *h)
{
	for (unsigned i = 0; i < LAT_BUCKETS; i++)
		into->count[i] += h->count[i];
	into->n += h->n;
	if (h->max > into->max)
		into->max = h->max;
}

/* The value at quantile q (0..1): the floor of the bucket holding it. */
static inline double latency_quantile(const struct latency_hist *h, double q)
{
	uint64_t rank = (uint64_t)(q * (double)h->n), seen = 0;
	if (h->n == 0)
		return 0;
	for (unsigned i = 0; i < LAT_BUCKETS; i++) {
		seen += h->count[i];
		if (seen > rank)
			return (double)latency_bucket_floor(i);
	}
	return (double)h->max;
}

#endif
