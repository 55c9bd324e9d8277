/* Critical and parallel sections (lockhammer's -c and -p) for the lock
 * workloads mutex/sections and rwmutex/sections: busy work of cs ns while
 * holding the lock and ps ns after it, in the measured unit of
 * common/busywork.h, and Amdahl's bound for the case.
 *
 * The bound, on the scale of ns/op (the span over all threads' ops): an
 * exclusive hold overlaps nothing and shared holds overlap only each
 * other, at best T at a time, so the span is at least ops x (w cs +
 * (1 - w) cs / T) for a write share w; every thread's ops take cs + ps
 * each, so it is at least ops x (cs + ps) / T. ideal_ns_per_op is the
 * larger (a mutex: w = 1, max(cs, (cs + ps) / T)); the runner adds
 * overhead_ns_per_op, ns/op minus it (records_add_overhead). A lock that
 * serialises its readers shows it as overhead. T is the threads, but no
 * more than the CPUs the case's process may use: with more threads than
 * CPUs (--oversubscribe) only that many sections run at once. (A cpus:
 * list naming one CPU twice is not seen: the process may use them all.)
 */
#ifndef CONTEND_SECTIONS_H
#define CONTEND_SECTIONS_H

#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "busywork.h"

/* a section of over a second is a mistake, refused */
#define SECTION_MAX_NS 1000000000ull

struct sections {
	uint64_t cs_ns, ps_ns, cs_units, ps_units;
	unsigned read; /* percent of ops that hold the lock shared */
	int parallel;  /* threads that run at once: min(threads, CPUs) */
	_Atomic uint64_t sink; /* the busy work's results, kept */
	/* the unit kept at init over the one each worker measures on its own
	 * CPU after the samples, minus 1, in ppm: the largest in magnitude
	 * (sections_check); checked: some worker measured */
	_Atomic int64_t drift_ppm;
	_Atomic int checked;
	uint32_t unit_ps; /* the unit the sections were cut with */
	int on;		  /* sections_init ran: a sections case */
};

/* Parses "[read=N,]cs=NS,ps=NS" (the read= part where has_read), measures
 * the unit again in the case's own process (a CPU still ramping its
 * clock at the runner's start would make every section short), and turns
 * the sections into units. -1 with e set on bad params. */
static inline int sections_init(struct sections *sec, const struct bench *b,
				int nthreads, int has_read, struct err *e)
{
	unsigned long long cs = 0, ps = 0;
	unsigned read = 0;
	int end = 0, ok;
	const char *p = b->params;
	cpu_set_t cpus;
	memset(sec, 0, sizeof(*sec));
	sec->parallel = nthreads;
	if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0 &&
	    CPU_COUNT(&cpus) > 0 && CPU_COUNT(&cpus) < nthreads)
		sec->parallel = CPU_COUNT(&cpus);
	if (strchr(p, '-'))
		return err_set(e, "%s: bad params '%s'", b->name, p);
	ok = has_read ? sscanf(p, "read=%u,cs=%llu,ps=%llu%n", &read, &cs, &ps,
			       &end) == 3
		      : sscanf(p, "cs=%llu,ps=%llu%n", &cs, &ps, &end) == 2;
	if (!ok || p[end] != '\0' || read > 100 || cs > SECTION_MAX_NS ||
	    ps > SECTION_MAX_NS)
		return err_set(e, "%s: bad params '%s'", b->name, p);
	busy_unit_ps_measure();
	sec->read = read;
	sec->cs_ns = cs;
	sec->ps_ns = ps;
	sec->unit_ps = busy_unit_ps();
	sec->cs_units = busy_units_ns(cs);
	sec->ps_units = busy_units_ns(ps);
	sec->on = 1;
	return 0;
}

static inline void sections_sink(struct sections *sec, uint64_t x)
{
	/* relaxed: only that the result is used matters */
	atomic_fetch_xor_explicit(&sec->sink, x, memory_order_relaxed);
}

/* On a worker, after the samples (thread_fini): the unit measured again on
 * this thread's CPU (its bound one; unbound or oversubscribed workers
 * share CPUs, which the fastest of 10 rounds mostly filters out) against
 * the one the sections were cut with. |d| cannot overflow: both units are
 * clamped to 50-100000 ps (busywork.c). In a VM a
 * vCPU can run this arithmetic 40% faster than at the calibration (seen
 * on Zen 4 guests: its host core's sibling went idle, or it moved), and
 * every section is then that much shorter than its ns: unit_drift says
 * so. Each measurement takes 3 ms, outside the samples. */
static inline void sections_check(struct sections *sec)
{
	if (!sec->on)
		return;
	double kept = (double)sec->unit_ps, now = (double)busy_unit_ps_time();
	int64_t d = (int64_t)((kept / now - 1) * 1e6), old;
	/* relaxed: read by the fields callback after the workers joined */
	old = atomic_load_explicit(&sec->drift_ppm, memory_order_relaxed);
	while ((d < 0 ? -d : d) > (old < 0 ? -old : old) &&
	       !atomic_compare_exchange_weak_explicit(&sec->drift_ppm, &old, d,
						      memory_order_relaxed,
						      memory_order_relaxed))
		;
	atomic_store_explicit(&sec->checked, 1, memory_order_relaxed);
}

/* ideal_ns_per_op (the top) and unit_drift (sections_check): above 0 the
 * sections ran that much shorter than their ns on some CPU, below 0
 * longer. */
static inline int sections_fields(const struct sections *sec,
				  struct bench_field *out, int max)
{
	double cs = (double)sec->cs_ns, ps = (double)sec->ps_ns;
	double w = (100 - sec->read) / 100.0;
	double excl = w * cs + (1 - w) * cs / (double)sec->parallel;
	double par = (cs + ps) / (double)sec->parallel;
	int n = 0;
	if (max > n)
		out[n++] = (struct bench_field){"ideal_ns_per_op",
						excl > par ? excl : par};
	if (max > n &&
	    atomic_load_explicit(&sec->checked, memory_order_relaxed))
		out[n++] = (struct bench_field){
			"unit_drift",
			(double)atomic_load_explicit(&sec->drift_ppm,
						     memory_order_relaxed) /
				1e6};
	return n;
}

/* After a critical section's work, before the unlock: a clobber the
 * compiler cannot move the unlock above, so the work stays inside. */
#define SECTION_KEEP_INSIDE(x) __asm__ volatile("" : "+r"(x) : : "memory")

#endif
