/* The machinery behind `contend run`, shared by the commands that measure
 * (run, claims): the machine and its defaults, the case list with its Go
 * rows, measuring each case (isolated, with progress and Ctrl-C), the
 * tables and the results file. A command chooses the cases; this runs
 * them. */
#ifndef CONTEND_RUN_H
#define CONTEND_RUN_H

#include <jansson.h>
#include <stddef.h>

#include "goref.h"
#include "machine.h"
#include "options.h"
#include "placement.h"
#include "topology.h"

/* One case: a benchmark at a thread count and placement. */
struct run_case {
	const struct bench *b;
	int threads;
	const struct placement *place;
	int go; /* a Go reference row */
};

struct run_state {
	struct options opt;
	struct topo topo;
	struct machine machine;
	struct counter_plan counters;
	const struct bench **all; /* every registered benchmark */
	size_t nall;
	struct goref go;
	struct bench *go_benches; /* the Go rows' benches, one per workload */
	int ngo;
	long task_headroom; /* more tasks the limits allow; -1 unlimited */
	char task_limit[256];
	struct placement *defaults; /* the mode's policies, then pair classes */
	int npolicies, npairs;
	char path[4096];    /* the results file; "" with --out none */
	char out_dir[4096]; /* the directory it is in */
	char out_stamp[32]; /* the start time in its name */
	int out_file;	    /* --out named the file itself */
};

/* After the options are parsed: topology, the mode's defaults for what was
 * not given, the registry, the default placements and the machine. -1 with
 * a message (bad usage). */
int run_prepare(struct run_state *s, struct err *e);
/* Decides the results path (--out) and proves it writable, creating its
 * directory: the last check before anything runs. */
int run_open_results(struct run_state *s, struct err *e);
/* The mode's placement policies (compact; --full: every policy), and the
 * pair classes this machine has (one absent class on a one-CPU machine,
 * so pair cases show up skipped). */
const struct placement *run_policies(const struct run_state *s, int *n);
const struct placement *run_pair_classes(const struct run_state *s, int *n);
/* Adds the Go rows after each workload's C cases (for every threads x
 * placement they use): impl go, and when forms is set go-locked and go-1p
 * where the Go module has those forms (goref.h). Frees cases; returns the
 * new list (or cases when out of memory: the C rows stand). */
struct run_case *run_add_go(struct run_state *s, struct run_case *cases,
			    size_t n, int forms, size_t *nout);
/* Measures the cases in order (progress on stderr), prints what
 * opt.formats asks for on stdout and writes the results file. *doc, when
 * doc is not NULL, gets the results document (the caller decrefs it).
 * Returns EXIT_OK, EXIT_CASE_FAILED (a case failed or timed out, or the
 * file could not be written) or 128 + the signal that stopped the run. */
int run_cases(struct run_state *s, const struct run_case *cases, size_t n,
	      json_t **doc);
/* The command line of `contend run` (and of `contend serve`, which takes
 * the same options): 0 parsed, 1 --help printed (usage), or EXIT_USAGE
 * after printing the error. Lives in cmd_run.c. */
int run_parse_args(struct options *o, int argc, char **argv, const char *cmd,
		   const char *usage);
/* run_prepare, then the cases the options select, as `contend run` runs
 * them (Go rows with --with-go). NULL with a message. In cmd_run.c. */
struct run_case *run_select_cases(struct run_state *s, size_t *ncases,
				  struct err *e);
/* Frees what run_prepare and run_add_go allocated. */
void run_state_free(struct run_state *s);

#endif
