/* contend run: options → topology → cases → measure → tables and file. */
#include <errno.h>
#include <signal.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "goref.h"
#include "isolate.h"
#include "measure.h"
#include "options.h"
#include "registry.h"
#include "resources.h"
#include "report.h"

static const char run_usage[] =
	"usage: contend run [OPTIONS]\n"
	"\n"
	"Runs the selected benchmarks over threads x placements, prints the\n"
	"ns/op, allocation and counter tables, and writes\n"
	"results/<machine-id>/<UTC time>.json.\n"
	"\n"
	"  --filter GLOB,...     FAMILY/WORKLOAD globs; impl=GLOB selects\n"
	"                        implementations (default: everything but\n"
	"                        the variants `contend list` marks [full],\n"
	"                        which --full or any --filter includes)\n"
	"  --threads LIST        1,2,4 or 1-8 or all (default: 1 and all;\n"
	"                        --full: powers of two up to all)\n"
	"  --placement LIST      compact, scatter, cores, smt, none, "
	"cpus:LIST,\n"
	"                        smt-sibling, same-l2, same-l3, cross-l3,\n"
	"                        cross-numa, cross-package (default: compact;\n"
	"                        pair benchmarks: every pair class present)\n"
	"  --time S              target seconds per sample (200ms, 0.5)\n"
	"  --repeat N            samples per case\n"
	"  --warmup S            discarded running before the samples\n"
	"  --timeout S           per case; a case over it is recorded timeout\n"
	"  --counters LIST       cycles, instructions, l1d-misses, "
	"llc-misses,\n"
	"                        context-switches, page-faults, "
	"cpu-migrations;\n"
	"                        default (all, n/a where unsupported) or none\n"
	"  --format LIST         table, markdown, csv, json, gobench (stdout)\n"
	"  --out FILE|DIR|none   results file or directory (default: results)\n"
	"  --quick               0.1 s x 6 samples (what make bench runs)\n"
	"  --full                0.5 s x 10, every thread count and placement\n"
	"  --oversubscribe       allow more threads than allowed CPUs\n"
	"  --with-go             add Go's runtime running the same workloads\n"
	"                        (bench/go), impl go, with a C / Go table\n"
	"  --no-isolate          run cases in this process (debugging; a\n"
	"                        crash or hang then ends the whole run)\n"
	"  --no-progress         no progress line on stderr\n"
	"\n"
	"Defaults without --quick/--full: 0.2 s x 10 samples. Each case runs\n"
	"in a child process: a crash or a timeout is recorded and the run\n"
	"goes on. Ctrl-C (or SIGTERM) writes what was measured, marked\n"
	"interrupted, and exits 130 (143). Exit 0 when every case ran or was\n"
	"skipped, 1 when one failed or timed out, 2 on bad usage (nothing is\n"
	"run or written).\n";

enum {
	OPT_FILTER = 256,
	OPT_THREADS,
	OPT_PLACEMENT,
	OPT_TIME,
	OPT_REPEAT,
	OPT_WARMUP,
	OPT_TIMEOUT,
	OPT_COUNTERS,
	OPT_FORMAT,
	OPT_OUT,
	OPT_QUICK,
	OPT_FULL,
	OPT_OVERSUB,
	OPT_NOPROGRESS,
	OPT_NOISOLATE,
	OPT_WITHGO,
	OPT_HELP,
};

static const struct option run_longopts[] = {
	{"filter", required_argument, NULL, OPT_FILTER},
	{"threads", required_argument, NULL, OPT_THREADS},
	{"placement", required_argument, NULL, OPT_PLACEMENT},
	{"time", required_argument, NULL, OPT_TIME},
	{"repeat", required_argument, NULL, OPT_REPEAT},
	{"warmup", required_argument, NULL, OPT_WARMUP},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"counters", required_argument, NULL, OPT_COUNTERS},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"out", required_argument, NULL, OPT_OUT},
	{"quick", no_argument, NULL, OPT_QUICK},
	{"full", no_argument, NULL, OPT_FULL},
	{"oversubscribe", no_argument, NULL, OPT_OVERSUB},
	{"no-progress", no_argument, NULL, OPT_NOPROGRESS},
	{"no-isolate", no_argument, NULL, OPT_NOISOLATE},
	{"with-go", no_argument, NULL, OPT_WITHGO},
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0}};

static int parse_placements(struct options *o, const char *arg, struct err *e)
{
	free(o->placements);
	o->placements = calloc(MAX_PLACEMENTS, sizeof(*o->placements));
	if (!o->placements)
		return err_set(e, "out of memory");
	o->nplacements =
		placement_parse_list(arg, o->placements, MAX_PLACEMENTS, e);
	return o->nplacements < 0 ? -1 : 0;
}

static int parse_one(struct options *o, int c, const char *arg, struct err *e)
{
	switch (c) {
	case OPT_FILTER:
		o->filter = arg;
		return *arg ? 0 : err_set(e, "empty --filter");
	case OPT_THREADS:
		o->nthreads = parse_thread_list(arg, o->threads,
						MAX_THREAD_COUNTS, e);
		return o->nthreads < 0 ? -1 : 0;
	case OPT_PLACEMENT:
		return parse_placements(o, arg, e);
	case OPT_TIME:
		o->time_set = 1;
		return parse_seconds(arg, "--time", &o->time_s, e);
	case OPT_WARMUP:
		o->warmup_set = 1;
		return parse_seconds_or_zero(arg, "--warmup", &o->warmup_s, e);
	case OPT_TIMEOUT:
		o->timeout_set = 1;
		return parse_seconds(arg, "--timeout", &o->timeout_s, e);
	case OPT_REPEAT:
		o->repeat_set = 1;
		return parse_positive_int(arg, "--repeat", &o->repeat, e);
	case OPT_COUNTERS:
		return counters_parse(arg, o->wanted_counters, e);
	case OPT_FORMAT:
		return parse_formats(arg, &o->formats, e);
	case OPT_OUT:
		o->out = arg;
		return *arg ? 0
			    : err_set(e, "empty --out (a file, a directory "
					 "or none)");
	case OPT_QUICK:
	case OPT_FULL:
		o->mode = c == OPT_QUICK ? MODE_QUICK : MODE_FULL;
		return 0;
	case OPT_OVERSUB:
		o->oversubscribe = 1;
		return 0;
	case OPT_NOPROGRESS:
		o->progress = 0;
		return 0;
	case OPT_NOISOLATE:
		o->no_isolate = 1;
		return 0;
	case OPT_WITHGO:
		o->with_go = 1;
		return 0;
	default:
		return err_set(e, "internal: option %d", c);
	}
}

/* 0 parsed, 1 --help printed, or EXIT_USAGE after printing the error. */
static int parse_run_args(struct options *o, int argc, char **argv)
{
	struct err e = {""};
	int c;
	opterr = 0;
	o->progress = isatty(STDERR_FILENO);
	while ((c = getopt_long(argc, argv, ":h", run_longopts, NULL)) != -1) {
		if (c == 'h' || c == OPT_HELP) {
			fputs(run_usage, stdout);
			return 1;
		}
		if (c == '?' || c == ':')
			return bad_option("run", c, argv);
		if (parse_one(o, c, optarg, &e) != 0)
			return usage_error(&e);
	}
	if (optind < argc) {
		err_set(&e, "run: unexpected argument '%s'", argv[optind]);
		return usage_error(&e);
	}
	return 0;
}

struct case_spec {
	const struct bench *b;
	int threads;
	const struct placement *place;
	int go; /* a Go reference row */
};

/* benchmarks × threads × placements; pair benchmarks run with 2 threads
 * over the pair classes this machine has unless placements were given;
 * single-thread benchmarks run once per placement, at 1 thread. */
static struct case_spec *expand_cases(const struct options *o,
				      const struct bench **sel, size_t nsel,
				      const struct placement *pairs, int npairs,
				      const struct placement *policies,
				      int npolicies, size_t *ncases)
{
	size_t max = nsel * (size_t)(o->nthreads * (o->nplacements + 6) +
				     PAIR_CLASS_COUNT + 1);
	struct case_spec *cs = calloc(max ? max : 1, sizeof(*cs));
	size_t n = 0;
	for (size_t i = 0; cs && i < nsel; i++) {
		int pair = sel[i]->flags & BENCH_PAIR;
		int single = sel[i]->flags & BENCH_SINGLE;
		const struct placement *pl = o->placements;
		int npl = o->nplacements;
		if (!pl) {
			pl = pair ? pairs : policies;
			npl = pair ? npairs : npolicies;
		}
		for (int t = 0; t < (pair || single ? 1 : o->nthreads); t++)
			for (int p = 0; p < npl; p++)
				cs[n++] = (struct case_spec){
					sel[i],
					pair	 ? 2
					: single ? 1
						 : o->threads[t],
					&pl[p], 0};
	}
	*ncases = n;
	return cs;
}

static int same_workload(const struct bench *a, const struct bench *b)
{
	return strcmp(a->name, b->name) == 0 &&
	       strcmp(a->params, b->params) == 0;
}

/* The Go bench standing for the workload of b in one form (impl "go" or
 * "go-locked"), made once. */
static const struct bench *go_bench_for(struct bench *gob, int *ngo,
					const struct bench *b, const char *impl)
{
	for (int i = 0; i < *ngo; i++)
		if (gob[i].name && same_workload(&gob[i], b) &&
		    !strcmp(gob[i].impl, impl))
			return &gob[i];
	gob[*ngo] = (struct bench){.name = b->name,
				   .impl = impl,
				   .params = b->params,
				   .summary = "Go's runtime (bench/go)",
				   .arg = b->arg,
				   .flags = b->flags,
				   .min_threads = b->min_threads};
	return &gob[(*ngo)++];
}

/* After each workload's C cases, one Go case per threads x placement they
 * used, when the Go module mirrors the workload (or Go is missing: then the
 * rows show up skipped, saying so). */
static struct case_spec *add_go_cases(struct case_spec *cs, size_t n,
				      const struct goref *g, struct bench *gob,
				      int *ngo, size_t *nout)
{
	struct case_spec *out = calloc(3 * n + 1, sizeof(*out));
	const struct bench *locked;
	size_t m = 0, start = 0;
	if (!out)
		return cs; /* no memory for Go rows: the C rows stand */
	for (size_t i = 0; i < n; i++) {
		out[m++] = cs[i];
		if (i + 1 < n && same_workload(cs[i + 1].b, cs[i].b))
			continue;
		if (g->available && !goref_mirrors(g, cs[i].b))
			start = i + 1;
		for (size_t j = start; j <= i; j++) {
			int dup = 0;
			for (size_t k = start; k < j && !dup; k++)
				dup = cs[k].threads == cs[j].threads &&
				      cs[k].place == cs[j].place;
			if (dup)
				continue;
			out[m++] = (struct case_spec){
				go_bench_for(gob, ngo, cs[j].b, "go"),
				cs[j].threads, cs[j].place, 1};
			locked = go_bench_for(gob, ngo, cs[j].b, "go-locked");
			if (g->available && goref_mirrors(g, locked))
				out[m++] = (struct case_spec){
					locked, cs[j].threads, cs[j].place, 1};
		}
		start = i + 1;
	}
	free(cs);
	*nout = m;
	return out;
}

static void iso_now(char *buf, size_t len, int for_file)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, for_file ? "%Y%m%dT%H%M%SZ" : "%Y-%m-%dT%H:%M:%SZ",
		 &tm);
}

static int mkdirs(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, 0755) != 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* results/<id>/<stamp>.json, or <stamp>-2.json ... when runs share a second */
static void pick_name(char *path, size_t len, const char *dir,
		      const char *stamp)
{
	snprintf(path, len, "%.3900s/%.31s.json", dir, stamp);
	for (int k = 2; access(path, F_OK) == 0 && k < 1000; k++)
		snprintf(path, len, "%.3900s/%.31s-%d.json", dir, stamp, k);
}

/* Decides the results path and proves it writable before any case runs,
 * by creating (and removing) the very temp file the writer will use. */
static int prepare_out(const struct options *o, const char *machine_id,
		       char *path, size_t len, struct err *e)
{
	const char *out = o->out ? o->out : "results";
	size_t l = strlen(out);
	char dir[3950], stamp[32], probe[4200];
	FILE *f;
	path[0] = '\0';
	if (!strcmp(out, "none"))
		return 0;
	iso_now(stamp, sizeof(stamp), 1);
	if (l > 5 && !strcmp(out + l - 5, ".json")) {
		const char *slash = strrchr(out, '/');
		if (snprintf(path, len, "%s", out) >= (int)len)
			return err_set(e, "--out path too long");
		if (slash == out)
			snprintf(dir, sizeof(dir), "/");
		else if (slash)
			snprintf(dir, sizeof(dir), "%.*s", (int)(slash - out),
				 out);
		else
			snprintf(dir, sizeof(dir), ".");
	} else {
		if (snprintf(dir, sizeof(dir), "%s/%s", out, machine_id) >=
		    (int)sizeof(dir))
			return err_set(e, "--out path too long");
	}
	if (mkdirs(dir) != 0)
		return err_set(e, "cannot create results directory '%s': %s",
			       dir, strerror(errno));
	if (!path[0])
		pick_name(path, len, dir, stamp);
	report_temp_path(path, probe, sizeof(probe));
	if (!(f = fopen(probe, "w")) || fputs("x", f) == EOF ||
	    fclose(f) != 0) {
		int err = errno;
		unlink(probe);
		return err_set(e, "cannot write results file '%s': %s", path,
			       strerror(err));
	}
	unlink(probe);
	return 0;
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void progress(const struct options *o, size_t i, size_t n,
		     const struct case_spec *c, double start)
{
	double el = mono_s() - start;
	double eta = i ? el / (double)i * (double)(n - i) : 0;
	if (!o->progress)
		return;
	fprintf(stderr,
		"\r\033[K[%zu/%zu] %s %s %s %dT %s  %d:%02d elapsed, ETA "
		"%d:%02d",
		i + 1, n, c->b->name, c->b->impl, c->b->params, c->threads,
		c->place->name, (int)el / 60, (int)el % 60, (int)eta / 60,
		(int)eta % 60);
	fflush(stderr);
}

/* The signal that asked the run to stop (SIGINT or SIGTERM), or 0. A
 * signal handler can only talk through a global: this is the one. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

static void catch_stop_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* 0 measured (or skipped), 1 stop the run (threads of a timed-out case
 * still run in this process), 2 interrupted: the record is abandoned. */
static int run_go(const struct measure_params *mp, const struct goref *g,
		  const int *cpus, struct record *r)
{
	struct goref_params gp = {mp->time_s, mp->repeat, mp->timeout_s};
	if (!g->available) {
		r->status = REC_SKIPPED;
		snprintf(r->reason, sizeof(r->reason), "Go rows: %.200s",
			 g->reason);
		return 0;
	}
	return goref_run(g, &gp, mp->topo, cpus, r, &stop_signal) ? 2 : 0;
}

static int run_one(const struct measure_params *mp, const struct options *o,
		   const struct case_spec *c, long headroom, const char *limit,
		   const struct goref *g, struct record *r)
{
	int *cpus = malloc(sizeof(int) * (size_t)c->threads);
	int rc = 0;
	memset(r, 0, sizeof(*r));
	r->b = c->b;
	if (c->b->note)
		snprintf(r->note, sizeof(r->note), "%s", c->b->note);
	r->threads = c->threads;
	r->oversubscribed = c->threads > topo_npus(mp->topo);
	snprintf(r->placement, sizeof(r->placement), "%s", c->place->name);
	/* the case's threads, plus its own process when isolated */
	long needed = c->threads + (o->no_isolate ? 0 : 1);
	if (!cpus) {
		r->status = REC_FAILED;
		snprintf(r->reason, sizeof(r->reason), "out of memory");
	} else if (c->threads < c->b->min_threads) {
		r->status = REC_SKIPPED;
		snprintf(r->reason, sizeof(r->reason),
			 "needs at least %d threads", c->b->min_threads);
	} else if (headroom >= 0 && needed > headroom) {
		r->status = REC_SKIPPED;
		snprintf(r->reason, sizeof(r->reason),
			 "needs %ld more tasks, limits allow %ld (%.180s)",
			 needed, headroom, limit);
	} else if (placement_plan(mp->topo, c->place, c->threads,
				  o->oversubscribe, cpus, r->reason,
				  sizeof(r->reason)) != 0) {
		r->status = REC_SKIPPED;
	} else if (c->go) {
		rc = run_go(mp, g, cpus, r);
	} else if (!o->no_isolate) {
		rc = isolate_case(mp, cpus, r, &stop_signal) ==
				     ISOLATE_INTERRUPTED
			     ? 2
			     : 0;
	} else {
		rc = measure_case(mp, cpus, r) != 0;
	}
	free(cpus);
	return rc;
}

static void emit(const struct report *rp, unsigned formats)
{
	if (formats & FMT_TABLE)
		report_tables(stdout, rp, 0);
	if (formats & FMT_MARKDOWN)
		report_tables(stdout, rp, 1);
	if (formats & FMT_CSV)
		report_csv(stdout, rp);
	if (formats & FMT_GOBENCH)
		report_gobench(stdout, rp);
	if (formats & FMT_JSON) {
		json_t *doc = report_json(rp);
		json_dumpf(doc, stdout,
			   JSON_INDENT(1) | JSON_REAL_PRECISION(9));
		printf("\n");
		json_decref(doc);
	}
	fflush(stdout);
}

struct run_state {
	struct options opt;
	struct topo topo;
	struct machine machine;
	struct counter_plan counters;
	const struct bench **all, **sel;
	size_t nall, nsel;
	struct goref go;
	struct bench *go_benches; /* the Go rows' benches, one per workload */
	int ngo;
	long task_headroom; /* more tasks the limits allow; -1 unlimited */
	char task_limit[256];
	struct placement *defaults; /* the mode's policies, then pair classes */
	int npolicies, npairs;
	char path[4096];
};

/* Variants marked BENCH_FULL run with --full or when a filter chose them. */
static void drop_full_only(struct run_state *s)
{
	size_t kept = 0;
	if (s->opt.mode == MODE_FULL || s->opt.filter)
		return;
	for (size_t i = 0; i < s->nsel; i++)
		if (!(s->sel[i]->flags & BENCH_FULL))
			s->sel[kept++] = s->sel[i];
	s->nsel = kept;
}

static int prepare(struct run_state *s, struct err *e)
{
	int present[PAIR_CLASS_COUNT];
	if (topo_load(&s->topo, NULL, e) != 0 ||
	    options_resolve(&s->opt, topo_npus(&s->topo), e) != 0 ||
	    registry_all(&s->all, &s->nall, e) != 0 ||
	    registry_filter(s->all, s->nall, s->opt.filter, &s->sel, &s->nsel,
			    e) != 0)
		return -1;
	drop_full_only(s);
	static const char *const full[] = {"compact", "scatter", "cores", "smt",
					   "none"};
	s->npolicies = s->opt.mode == MODE_FULL ? 5 : 1;
	s->defaults = calloc(PAIR_CLASS_COUNT + 6, sizeof(*s->defaults));
	if (!s->defaults)
		return err_set(e, "out of memory");
	for (int i = 0; i < s->npolicies; i++)
		placement_parse(full[i], &s->defaults[i], e);
	pair_classes_present(&s->topo, present);
	for (int c = 0; c < PAIR_CLASS_COUNT; c++)
		if (present[c])
			placement_parse(
				pair_class_name((enum pair_class)c),
				&s->defaults[s->npolicies + s->npairs++], e);
	if (!s->npairs) /* one CPU: the pair cases show up as skipped */
		placement_parse("cross-l3",
				&s->defaults[s->npolicies + s->npairs++], e);
	machine_read(&s->machine, &s->topo);
	s->task_headroom =
		resources_task_headroom(s->task_limit, sizeof(s->task_limit));
	return prepare_out(&s->opt, s->machine.id, s->path, sizeof(s->path), e);
}

static int execute(struct run_state *s, struct case_spec *cases, size_t n,
		   struct report *rp)
{
	struct measure_params mp = {
		.time_s = s->opt.time_s,
		.warmup_s = s->opt.warmup_s,
		.repeat = s->opt.repeat,
		.timeout_s = s->opt.timeout_s,
		.topo = &s->topo,
		.counters = &s->counters,
	};
	double start = mono_s();
	int failed = 0;
	iso_now(rp->started, sizeof(rp->started), 0);
	for (size_t i = 0; i < n && !stop_signal; i++) {
		int r;
		progress(&s->opt, i, n, &cases[i], start);
		r = run_one(&mp, &s->opt, &cases[i], s->task_headroom,
			    s->task_limit, &s->go, &rp->recs[rp->n++]);
		if (r == 2) { /* abandoned: only completed records are kept */
			record_free(&rp->recs[--rp->n]);
			break;
		}
		if (r == 1) {
			/* threads of a timed-out case still run in this
			 * process: stop here, keep what was measured */
			rp->interrupted = 1;
			failed = 1;
			break;
		}
		failed |= rp->recs[rp->n - 1].status == REC_FAILED ||
			  rp->recs[rp->n - 1].status == REC_TIMEOUT;
	}
	if (s->opt.progress)
		fprintf(stderr, "\r\033[K");
	if (stop_signal) {
		rp->interrupted = 1;
		fprintf(stderr,
			"contend: interrupted by SIG%s after %zu of %zu "
			"cases; writing what was measured\n",
			sigabbrev_np(stop_signal), rp->n, n);
	}
	iso_now(rp->finished, sizeof(rp->finished), 0);
	records_link_go(rp->recs, rp->n);
	records_link_c2c(rp->recs, rp->n);
	return failed;
}

static int finish(struct run_state *s, struct report *rp)
{
	struct err e = {""};
	json_t *doc;
	int rc = 0;
	emit(rp, s->opt.formats);
	if (!s->path[0])
		return 0;
	doc = report_json(rp);
	if (!doc || report_write_file(doc, s->path, &e) != 0) {
		fprintf(stderr, "contend: %s\n",
			doc ? e.msg : "cannot build results");
		rc = -1;
	} else {
		fprintf(stderr, "results: %s\n", s->path);
	}
	json_decref(doc);
	return rc;
}

int cmd_run(int argc, char **argv)
{
	struct run_state *s = calloc(1, sizeof(*s));
	struct report rp;
	struct case_spec *cases = NULL;
	struct err e = {""};
	size_t ncases = 0;
	int rc;
	if (!s)
		return EXIT_CASE_FAILED;
	options_init(&s->opt, argc, argv);
	rc = parse_run_args(&s->opt, argc, argv);
	if (rc == 0 && prepare(s, &e) != 0)
		rc = usage_error(&e);
	if (rc == 0)
		cases = expand_cases(&s->opt, s->sel, s->nsel,
				     s->defaults + s->npolicies, s->npairs,
				     s->defaults, s->npolicies, &ncases);
	if (rc == 0 && cases && s->opt.with_go) {
		goref_open(&s->go);
		/* two forms per workload: go, go-locked */
		s->go_benches = calloc(2 * s->nsel + 1, sizeof(*s->go_benches));
		if (s->go_benches)
			cases = add_go_cases(cases, ncases, &s->go,
					     s->go_benches, &s->ngo, &ncases);
	}
	if (rc == 0) {
		memset(&rp, 0, sizeof(rp));
		rp.machine = &s->machine;
		rp.counters = &s->counters;
		rp.opt = &s->opt;
		rp.recs = calloc(ncases ? ncases : 1, sizeof(*rp.recs));
		counters_probe(&s->counters, s->opt.wanted_counters);
		if (s->opt.no_isolate)
			counters_attach(&s->counters);
		catch_stop_signals();
		rc = cases && rp.recs && execute(s, cases, ncases, &rp)
			     ? EXIT_CASE_FAILED
			     : EXIT_OK;
		if (finish(s, &rp) != 0)
			rc = EXIT_CASE_FAILED;
		for (size_t i = 0; i < rp.n; i++)
			record_free(&rp.recs[i]);
		free(rp.recs);
		counters_shutdown(&s->counters);
	}
	free(cases);
	free(s->all);
	free(s->sel);
	free(s->defaults);
	free(s->go_benches);
	topo_free(&s->topo);
	options_free(&s->opt);
	free(s);
	if (stop_signal && cases)
		return 128 + stop_signal;
	return rc == 1 && !cases ? EXIT_OK : rc;
}
