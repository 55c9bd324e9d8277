/* The benchmark contract: what a workload gives the runner, and nothing more.
 *
 * A workload is one file in bench/ that registers one struct bench per
 * (workload, implementation, parameter set) with BENCH_REGISTER. The runner
 * owns threads, pinning, timing, counters and output; a workload only says
 * how to set up shared state and what one thread does for `iters` operations.
 *
 * The hot loop lives inside run(): the runner calls it once per sample per
 * thread, so the per-op cost of the harness is one loop increment (measured by
 * empty/loop). Ops inside the loop must be static inline so the compiler
 * inlines them; keep() stops it from deleting the work.
 */
#ifndef CONTEND_BENCH_H
#define CONTEND_BENCH_H

#include <stdint.h>

#include "cacheline.h"
#include "err.h"

enum bench_flags {
	/* Exactly two threads: a hand-off between them. Default placements are
	 * the pair distance classes the machine has. */
	BENCH_PAIR = 1u << 0,
	/* A test of the runner itself (crashes, hangs): never listed or run
	 * unless CONTEND_SELFTEST=1 is in the environment. */
	BENCH_HIDDEN = 1u << 1,
	/* A variant only --full (or an explicit --filter) runs, to keep the
	 * quick sweep quick. */
	BENCH_FULL = 1u << 2,
	/* A pair workload whose op moves data between the two threads (a
	 * round trip or a transfer): the C / c2c table puts it against
	 * c2c/pingpong of the same placement, its floor. */
	BENCH_HANDOFF = 1u << 4,
	/* One thread only, whatever --threads says (an uncontended fast
	 * path): the case expansion runs it at 1 thread per placement. */
	BENCH_SINGLE = 1u << 3,
	/* A row Go's runtime measured (bench/go): set once, by the runner, on
	 * the benches it makes for the Go module's mirrors; never by a
	 * workload. Everything that asks "is this a Go row?" reads it. */
	BENCH_GO = 1u << 5,
	/* Threads that never wait for each other's ops (each locks, swaps,
	 * sends and receives on its own): with 2+ threads the runner runs
	 * them for the same wall time, calling run in chunks until the
	 * sample's time is up, and ns/op is the span over the total ops. With
	 * a fixed count per thread, an unfair primitive lets one thread
	 * finish early and the rest run uncontended at the end (lockhammer
	 * #66). run must then count its ops itself and keep no state from
	 * one call to the next that a chunk would cut short. */
	BENCH_TIMED = 1u << 6,
};

struct bench;

/* What run() sees of its thread. */
struct bench_thread {
	int tid;
	int nthreads;
	void *local;		   /* from thread_init, or NULL */
	const struct bench *bench; /* the benchmark being run */
};

/* A result beside the timing that a workload reports (e.g. the peak
 * number of retired values a reclamation scheme held). The name is held,
 * not pointed to: a record keeps it whoever named it (a workload, or a
 * metric the Go benchmark printed). */
#define BENCH_FIELD_NAME 32
struct bench_field {
	char name[BENCH_FIELD_NAME]; /* [a-z0-9_], as results files key it */
	double value;
};

#define BENCH_MAX_FIELDS 4

struct bench {
	const char *name;    /* FAMILY/WORKLOAD, e.g. "chan/pingpong" */
	const char *impl;    /* implementation, e.g. "mutexcond" */
	const char *params;  /* "key=value,..." or "" */
	const char *summary; /* one line for `contend list` */
	const char *note;    /* optional: what every record of it must say */
	long arg;	     /* the numeric parameter the workload reads */
	long arg2;	     /* a second one, where there are two */
	unsigned flags;
	int min_threads; /* fewer threads: the case is skipped (0: any) */
	/* Optional: builds the shared state for nthreads threads. */
	int (*setup)(const struct bench *b, int nthreads, void **shared,
		     struct err *e);
	void (*teardown)(void *shared);
	/* Optional, on the worker thread after it is pinned (first touch). */
	int (*thread_init)(void *shared, int tid, void **local, struct err *e);
	void (*thread_fini)(void *shared, void *local);
	/* Optional, after the samples and the threads' fini, before teardown:
	 * fills up to max fields, returns how many. */
	int (*fields)(void *shared, struct bench_field *out, int max);
	/* Does iters iterations; returns the ops this thread counts (the
	 * runner divides time by the sum over threads). */
	uint64_t (*run)(void *shared, struct bench_thread *t, uint64_t iters);
};

/* Registration: a pointer to each struct bench goes into one linker section;
 * the runner walks it (registry.c). Adding a benchmark is adding a file. */
#define BENCH_REGISTER(ident, ...)                                             \
	static const struct bench ident = {__VA_ARGS__};                       \
	static const struct bench *const ident##_entry                         \
		__attribute__((used, section("contend_bench"))) = &ident

/* What the runner gives a workload beside the calls above: counts one
 * allocation of bytes made through another allocator's own API (mimalloc's
 * mi_malloc, jemalloc's mallocx), which the runner's malloc interposer
 * (runners/engine/alloc.c) cannot see; a no-op when the thread is not
 * counting. */
void bench_count_foreign_alloc(uint64_t bytes);

/* Forces v to be computed and treats memory as read: the compiler may not
 * delete or hoist the work that produced it. */
static inline void keep(uint64_t v)
{
	__asm__ volatile("" : : "r"(v) : "memory");
}

static inline void keep_ptr(const void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

#endif
