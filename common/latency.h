/* Latency histogram for workloads that report percentiles as result fields
 * (a hand-off's round trip, a writer's wait, a close's broadcast).
 *
 * Log-linear buckets: 2^sub sub-buckets per power of two, so a percentile
 * is known to within 2^-sub from 1 ns to 2^63 ns, with no division or
 * allocation on the recording path. Two resolutions: struct latency_hist
 * (8 sub-buckets, within 12.5%, 4 KiB) and struct latency_hist_fine (16,
 * within ~6%, 8 KiB). One histogram per recording thread; merge after the
 * run.
 */
#ifndef CONTEND_LATENCY_H
#define CONTEND_LATENCY_H

#include <stdint.h>
#include <string.h>

#define LAT_SUB_BITS	  3
#define LAT_BUCKETS	  (64 << LAT_SUB_BITS)
#define LAT_FINE_SUB_BITS 4
#define LAT_FINE_BUCKETS  (64 << LAT_FINE_SUB_BITS)

struct latency_hist {
	uint64_t count[LAT_BUCKETS];
	uint64_t n, max;
};

struct latency_hist_fine {
	uint64_t count[LAT_FINE_BUCKETS];
	uint64_t n, max;
};

/* The bucket of ns with 2^sub sub-buckets per power of two (sub is a
 * constant at every call, so this folds to shifts). */
static inline unsigned latency_bucket_sub(uint64_t ns, unsigned sub)
{
	unsigned log;
	if (ns < (1u << sub))
		return (unsigned)ns; /* exact below 2^sub ns */
	log = 63u - (unsigned)__builtin_clzll(ns);
	/* the power of two, then the next sub bits below it */
	return ((log - sub + 1) << sub) |
	       (unsigned)((ns >> (log - sub)) & ((1u << sub) - 1));
}

/* The smallest value of a bucket: what a percentile reports. */
static inline uint64_t latency_bucket_floor_sub(unsigned b, unsigned sub)
{
	unsigned major = b >> sub, minor = b & ((1u << sub) - 1);
	if (major == 0)
		return minor;
	return ((uint64_t)((1u << sub) | minor)) << (major - 1);
}

/* The value at quantile q (0..1) of n values in count[nbuckets]: the floor
 * of the bucket holding it (max when rounding leaves it past the last). */
static inline double latency_quantile_sub(const uint64_t *count,
					  unsigned nbuckets, unsigned sub,
					  uint64_t n, uint64_t max, double q)
{
	uint64_t rank = (uint64_t)(q * (double)n), seen = 0;
	if (n == 0)
		return 0;
	for (unsigned i = 0; i < nbuckets; i++) {
		seen += count[i];
		if (seen > rank)
			return (double)latency_bucket_floor_sub(i, sub);
	}
	return (double)max;
}

static inline void latency_reset(struct latency_hist *h)
{
	memset(h, 0, sizeof(*h));
}

static inline unsigned latency_bucket(uint64_t ns)
{
	return latency_bucket_sub(ns, LAT_SUB_BITS);
}

static inline uint64_t latency_bucket_floor(unsigned b)
{
	return latency_bucket_floor_sub(b, LAT_SUB_BITS);
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

static inline double latency_quantile(const struct latency_hist *h, double q)
{
	return latency_quantile_sub(h->count, LAT_BUCKETS, LAT_SUB_BITS, h->n,
				    h->max, q);
}

static inline void latency_fine_reset(struct latency_hist_fine *h)
{
	memset(h, 0, sizeof(*h));
}

static inline void latency_fine_record(struct latency_hist_fine *h, uint64_t ns)
{
	h->count[latency_bucket_sub(ns, LAT_FINE_SUB_BITS)]++;
	h->n++;
	if (ns > h->max)
		h->max = ns;
}

static inline double latency_fine_quantile(const struct latency_hist_fine *h,
					   double q)
{
	return latency_quantile_sub(h->count, LAT_FINE_BUCKETS,
				    LAT_FINE_SUB_BITS, h->n, h->max, q);
}

#endif
