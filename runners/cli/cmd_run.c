/* contend run: options → topology → cases → measure → tables and file. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "registry.h"
#include "report.h"
#include "run.h"

static const char run_usage[] =
	"usage: contend run [OPTIONS]\n"
	"\n"
	"Runs the selected benchmarks over threads x placements, prints the\n"
	"ns/op, allocation and counter tables, and writes\n"
	"results/<machine-id>/<UTC time>-<random>.json (runs started\n"
	"together never share a name).\n"
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
	"  --bound time|count    time (default): where threads never wait\n"
	"                        for each other's ops (mutex/lock, atomic,\n"
	"                        chan/buffered...), all run for the same\n"
	"                        time, so an unfair primitive cannot finish\n"
	"                        one thread early; count: each runs the\n"
	"                        same count (the fairness table says which)\n"
	"  --counters LIST       cycles, instructions, l1d-misses, "
	"llc-misses,\n"
	"                        context-switches, page-faults, "
	"cpu-migrations;\n"
	"                        default (all, n/a where unsupported) or none\n"
	"  --format LIST         table, markdown, csv, json, gobench (stdout)\n"
	"  --out FILE|DIR|none   results file or directory (default: results)\n"
	"  --force               replace an --out FILE that exists (without\n"
	"                        it such a file is refused)\n"
	"  --quick               0.1 s x 6 samples (what make bench runs)\n"
	"  --full                0.5 s x 10, every thread count and placement\n"
	"  --oversubscribe       allow more threads than allowed CPUs, and\n"
	"                        a cpus: list naming a CPU twice (such\n"
	"                        records say oversubscribed)\n"
	"  --with-go             add Go's runtime running the same workloads\n"
	"                        (bench/go), impl go, with a C / Go table\n"
	"  --no-rerun            keep disturbed cases (#) as first measured\n"
	"                        (default: re-run them once at the end, up\n"
	"                        to a fifth of the run's cases)\n"
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
	OPT_FILTER = OPTS_RUN_END,
	OPT_THREADS,
	OPT_PLACEMENT,
	OPT_COUNTERS,
	OPT_FORMAT,
	OPT_FULL,
	OPT_OVERSUB,
	OPT_WITHGO,
	OPT_HELP,
};

static const struct option run_longopts[] = {
	{"filter", required_argument, NULL, OPT_FILTER},
	{"threads", required_argument, NULL, OPT_THREADS},
	{"placement", required_argument, NULL, OPT_PLACEMENT},
	{"counters", required_argument, NULL, OPT_COUNTERS},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"full", no_argument, NULL, OPT_FULL},
	{"oversubscribe", no_argument, NULL, OPT_OVERSUB},
	{"with-go", no_argument, NULL, OPT_WITHGO},
	{"help", no_argument, NULL, OPT_HELP},
	OPTIONS_RUN_LONGOPTS,
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
	case OPT_COUNTERS:
		return counters_parse(arg, o->wanted_counters, e);
	case OPT_FORMAT:
		return writers_parse(report_writers, report_nwriters, arg,
				     &o->formats, e);
	case OPT_FULL:
		if (o->mode == MODE_QUICK)
			return err_set(e, "--quick and --full exclude each "
					  "other");
		o->mode = MODE_FULL;
		return 0;
	case OPT_OVERSUB:
		o->oversubscribe = 1;
		return 0;
	case OPT_WITHGO:
		o->with_go = 1;
		return 0;
	default:
		return options_parse_run(o, c, arg, e);
	}
}

/* A cpus: list naming a CPU twice puts two threads on it: that is
 * oversubscription, asked for as such or refused before anything runs. */
static int check_shared_cpus(const struct options *o, struct err *e)
{
	for (int i = 0; !o->oversubscribe && i < o->nplacements; i++) {
		const struct placement *p = &o->placements[i];
		int twice = p->kind == PLACE_CPUS
				    ? cpus_first_repeat(p->cpus, p->ncpus)
				    : -1;
		if (twice >= 0)
			return err_set(e,
				       "placement '%s' lists CPU %d twice: two "
				       "threads would share it (use "
				       "--oversubscribe)",
				       p->name, twice);
	}
	return 0;
}

int run_parse_args(struct options *o, int argc, char **argv, const char *cmd,
		   const char *usage)
{
	struct err e = {""};
	int c;
	opterr = 0;
	o->progress = isatty(STDERR_FILENO);
	while ((c = getopt_long(argc, argv, ":h", run_longopts, NULL)) != -1) {
		if (c == 'h' || c == OPT_HELP) {
			fputs(usage, stdout);
			return 1;
		}
		if (c == '?' || c == ':')
			return bad_option(cmd, c, argv);
		if (parse_one(o, c, optarg, &e) != 0)
			return usage_error(&e);
	}
	if (optind < argc) {
		err_set(&e, "%s: unexpected argument '%s'", cmd, argv[optind]);
		return usage_error(&e);
	}
	if (check_shared_cpus(o, &e) != 0)
		return usage_error(&e);
	return 0;
}

/* benchmarks × threads × placements; pair benchmarks run with 2 threads
 * over the pair classes this machine has unless placements were given;
 * single-thread benchmarks run once per placement, at 1 thread. */
static struct run_case *expand_cases(const struct options *o,
				     const struct bench **sel, size_t nsel,
				     const struct placement *pairs, int npairs,
				     const struct placement *policies,
				     int npolicies, size_t *ncases)
{
	size_t max = nsel * (size_t)(o->nthreads * (o->nplacements + 6) +
				     PAIR_CLASS_COUNT + 1);
	struct run_case *cs = calloc(max ? max : 1, sizeof(*cs));
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
				cs[n++] = (struct run_case){
					sel[i],
					pair	 ? 2
					: single ? 1
						 : o->threads[t],
					&pl[p], 0};
	}
	*ncases = n;
	return cs;
}

/* Variants marked BENCH_FULL run with --full or when a filter chose them. */
static void drop_full_only(const struct options *o, const struct bench **sel,
			   size_t *nsel)
{
	size_t kept = 0;
	if (o->mode == MODE_FULL || o->filter)
		return;
	for (size_t i = 0; i < *nsel; i++)
		if (!(sel[i]->flags & BENCH_FULL))
			sel[kept++] = sel[i];
	*nsel = kept;
}

struct run_case *run_select_cases(struct run_state *s, size_t *ncases,
				  struct err *e)
{
	const struct bench **sel = NULL;
	const struct placement *policies, *pairs;
	struct run_case *cases;
	size_t nsel = 0;
	int npolicies, npairs;
	*ncases = 0;
	if (run_prepare(s, e) != 0 ||
	    registry_filter(s->all, s->nall, s->opt.filter, &sel, &nsel, e) !=
		    0) {
		free(sel); /* the filter may have made its list before failing
			    */
		return NULL;
	}
	drop_full_only(&s->opt, sel, &nsel);
	policies = run_policies(s, &npolicies);
	pairs = run_pair_classes(s, &npairs);
	cases = expand_cases(&s->opt, sel, nsel, pairs, npairs, policies,
			     npolicies, ncases);
	free(sel);
	if (!cases) {
		err_set(e, "out of memory");
		return NULL;
	}
	if (s->opt.with_go)
		cases = run_add_go(s, cases, *ncases, 1, ncases);
	return cases;
}

int cmd_run(int argc, char **argv)
{
	struct run_state *s = calloc(1, sizeof(*s));
	struct run_case *cases = NULL;
	struct err e = {""};
	size_t ncases = 0;
	int rc, help;
	if (!s)
		return EXIT_CASE_FAILED;
	options_init(&s->opt, argc, argv);
	rc = run_parse_args(&s->opt, argc, argv, "run", run_usage);
	help = rc == 1;
	/* the cases, then the results path: a bad filter is refused before
	 * any directory is made */
	if (rc == 0 && (!(cases = run_select_cases(s, &ncases, &e)) ||
			run_open_results(s, &e) != 0))
		rc = usage_error(&e);
	if (rc == 0)
		rc = run_cases(s, cases, ncases, NULL);
	free(cases);
	run_state_free(s);
	free(s);
	return help ? EXIT_OK : rc;
}
