/* The runner's options: the only mutable state the run shares. */
#ifndef CONTEND_OPTIONS_H
#define CONTEND_OPTIONS_H

#include "counters.h"
#include "err.h"
#include "placement.h"

enum run_mode { MODE_DEFAULT, MODE_QUICK, MODE_FULL };

#define MAX_THREAD_COUNTS 256
#define MAX_PLACEMENTS	  32
#define THREADS_ALL	  (-1)

struct options {
	const char *filter;
	/* As given; THREADS_ALL stands for every allowed CPU until resolved */
	int threads[MAX_THREAD_COUNTS];
	int nthreads;
	struct placement *placements; /* NULL: the mode's default */
	int nplacements;
	double time_s, warmup_s, timeout_s;
	int repeat;
	int time_set, warmup_set, repeat_set, timeout_set;
	int wanted_counters[CTR_COUNT];
	unsigned formats; /* a bit per report_writers entry (report.h) */
	const char *out;  /* NULL: results/; "none": no file */
	int force;	  /* an --out FILE that exists may be replaced */
	enum run_mode mode;
	int oversubscribe;
	int no_isolate;	      /* run cases in this process (for debugging) */
	int no_rerun;	      /* keep disturbed cases as first measured */
	int count_bound;      /* --bound count: no case runs for a time */
	int with_go;	      /* add the Go reference rows */
	int progress;	      /* progress line on stderr */
	const char *topology; /* NULL: this machine */
	int argc;
	char **argv;
};

void options_init(struct options *o, int argc, char **argv);
void options_free(struct options *o);

/* Value parsers: -1 with a message naming the bad value. */
int parse_thread_list(const char *s, int *out, int max, struct err *e);
int parse_seconds(const char *s, const char *what, double *out, struct err *e);
/* As parse_seconds, but 0 (with or without a unit) is allowed. */
int parse_seconds_or_zero(const char *s, const char *what, double *out,
			  struct err *e);
int parse_positive_int(const char *s, const char *what, int *out,
		       struct err *e);

/* The options of a run that `contend run` and `contend claims` share:
 * their getopt codes (a command's own codes start at OPTS_RUN_END), their
 * rows of a getopt_long table, and their parser. */
enum {
	OPTS_TIME = 256,
	OPTS_REPEAT,
	OPTS_WARMUP,
	OPTS_TIMEOUT,
	OPTS_OUT,
	OPTS_QUICK,
	OPTS_NOPROGRESS,
	OPTS_NOISOLATE,
	OPTS_NORERUN,
	OPTS_FORCE,
	OPTS_BOUND,
	OPTS_RUN_END
};
/* clang-format off */
#define OPTIONS_RUN_LONGOPTS                                   \
	{"time", required_argument, NULL, OPTS_TIME},          \
	{"repeat", required_argument, NULL, OPTS_REPEAT},      \
	{"warmup", required_argument, NULL, OPTS_WARMUP},      \
	{"timeout", required_argument, NULL, OPTS_TIMEOUT},    \
	{"out", required_argument, NULL, OPTS_OUT},            \
	{"quick", no_argument, NULL, OPTS_QUICK},              \
	{"no-progress", no_argument, NULL, OPTS_NOPROGRESS},   \
	{"no-isolate", no_argument, NULL, OPTS_NOISOLATE},     \
	{"no-rerun", no_argument, NULL, OPTS_NORERUN},         \
	{"force", no_argument, NULL, OPTS_FORCE},              \
	{"bound", required_argument, NULL, OPTS_BOUND}
/* clang-format on */
/* Option c (one of OPTS_*) with its argument: 0, or -1 with a message. */
int options_parse_run(struct options *o, int c, const char *arg, struct err *e);

/* Fills the mode's defaults for what was not given, and expands "all". */
int options_resolve(struct options *o, int npus, struct err *e);

#endif
