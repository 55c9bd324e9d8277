/* The Go reference rows: the same workloads on Go's runtime, run by the Go
 * test binary built from bench/go, ingested as records with impl "go". */
#ifndef CONTEND_GOREF_H
#define CONTEND_GOREF_H

#include <signal.h>
#include <stddef.h>

#include "bench.h"
#include "record.h"
#include "topology.h"

struct goref {
	char path[4096];  /* the Go test binary */
	int available;	  /* found and runnable */
	char reason[256]; /* why not, when not */
	char names[64]
		  [128]; /* its top-level benchmarks: BenchmarkChanPingpong */
	int nnames;
};

/* Finds the Go test binary beside this executable and lists its
 * benchmarks. Never fails: an unavailable reference says why. */
void goref_open(struct goref *g);
/* "Benchmark" + CamelCase of FAMILY/WORKLOAD: chan/pingpong ->
 * BenchmarkChanPingpong. */
void goref_name(const char *bench, char *out, size_t len);
/* 1 when the Go module mirrors this workload in b's form: impl "go" is
 * BenchmarkX, impl "go-locked" BenchmarkXLocked (each goroutine on its own
 * OS thread, pinned to its own CPU of the placement), impl "go-1p"
 * BenchmarkXOneP (the same goroutines with GOMAXPROCS=1: where go is as
 * fast, Go's figure is one core's goroutine switches). */
int goref_mirrors(const struct goref *g, const struct bench *b);

struct goref_params {
	double time_s;
	int repeat;
	double timeout_s;
};

/* Runs the mirror of r->b (impl "go") with r->threads as GOMAXPROCS, the
 * process bound to cpus (all -1: unbound), and fills r. Returns 1 when
 * *stop was raised (the record is abandoned), else 0. */
int goref_run(const struct goref *g, const struct goref_params *gp,
	      const struct topo *tp, const int *cpus, struct record *r,
	      const volatile sig_atomic_t *stop);

#endif
