/* contend claims: the article's cost claims against this machine.
 *
 * The verdicts are computed here, in C, once (claims_eval.c), and printed
 * as a table, markdown or JSON; scripts/compare's claims section is this
 * command's JSON, not a second evaluation. C because the command has to
 * read the claim file anyway to know which rows to run, the suite's
 * runtime needs no Python, and a results file and a run just made are
 * judged by the same code. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claims.h"
#include "cli.h"
#include "registry.h"
#include "results_read.h"
#include "run.h"
#include "writers.h"

static const char claims_usage[] =
	"usage: contend claims [--with-go] [--format table|markdown|json]\n"
	"                      [--claims FILE] [--quick] [--time S] "
	"[--repeat N]\n"
	"                      [--warmup S] [--timeout S] [--out "
	"FILE|DIR|none]\n"
	"                      [--force] [--no-progress] [--no-isolate] "
	"[--no-rerun]\n"
	"                      [--bound time|count]\n"
	"                      [RESULTS.json]\n"
	"\n"
	"The cost claims of the article this suite grew from (its sections\n"
	"4.1 and 4.3), re-measured on this machine. Per claim: the article's\n"
	"figure, Go's figure here, the best C implementation's, Go here /\n"
	"article, and a verdict: holds (within the claim file's tolerance),\n"
	"off by Nx, not comparable (with the reason), or missing (the\n"
	"results lack its rows). Notes under the table say what each figure\n"
	"measures there and here.\n"
	"\n"
	"Without RESULTS.json it runs exactly the rows the claims need, as\n"
	"contend run does (progress on stderr), and writes the results file;\n"
	"with RESULTS.json it reads that file and runs nothing. A claim\n"
	"stated for more threads than this machine has CPUs is measured at\n"
	"the most it has, and the table says so.\n"
	"\n"
	"  --with-go             run the Go rows too (Go's figure is what is\n"
	"                        judged: without it, verdicts read missing)\n"
	"  --format FMT          table (default), markdown or json\n"
	"  --claims FILE         another claim file (schema contend.claims/1;\n"
	"                        default: bench/claims/article.json)\n"
	"  --quick               0.1 s x 6 samples per case\n"
	"  --time S, --repeat N, --warmup S, --timeout S, --out "
	"FILE|DIR|none,\n"
	"  --force, --no-progress, --no-isolate, --no-rerun, --bound B   as "
	"for\n"
	"                        contend run\n"
	"\n"
	"Exit 0 when every case ran (whatever the verdicts), 1 when a case\n"
	"failed or timed out, 2 on bad usage or a bad claim or results file.\n";

enum {
	OPT_WITHGO = OPTS_RUN_END,
	OPT_FORMAT,
	OPT_CLAIMS,
	OPT_HELP,
};

static const struct option claims_longopts[] = {
	{"with-go", no_argument, NULL, OPT_WITHGO},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"claims", required_argument, NULL, OPT_CLAIMS},
	{"help", no_argument, NULL, OPT_HELP},
	OPTIONS_RUN_LONGOPTS,
	{NULL, 0, NULL, 0}};

struct claims_cmd {
	struct run_state run; /* its options are the command's */
	struct claim_set set;
	struct claims_eval ev;
	const char *claims_path; /* --claims, or NULL */
	const char *results;	 /* RESULTS.json, or NULL: run */
	const char *run_option;	 /* the first option that only a run uses */
	unsigned format;	 /* its index in claims_writers */
};

/* What the writers print: the claims and their verdicts. */
struct claims_output {
	const struct claim_set *set;
	const struct claims_eval *ev;
};

static void claims_table(FILE *f, const void *out)
{
	const struct claims_output *o = out;
	claims_print(f, o->set, o->ev, 0);
}

static void claims_markdown(FILE *f, const void *out)
{
	const struct claims_output *o = out;
	claims_print(f, o->set, o->ev, 1);
}

static void claims_json_out(FILE *f, const void *out)
{
	const struct claims_output *o = out;
	json_t *doc = claims_json(o->set, o->ev);
	writers_dump_json(f, doc);
	json_decref(doc);
}

/* table first: the default (index 0) */
static const struct writer claims_writers[] = {
	{"table", claims_table},
	{"markdown", claims_markdown},
	{"json", claims_json_out},
};
#define CLAIMS_NWRITERS (sizeof(claims_writers) / sizeof(*claims_writers))

/* The long name of option c, for messages. */
static const char *option_name(int c)
{
	for (const struct option *o = claims_longopts; o->name; o++)
		if (o->val == c)
			return o->name;
	return "?";
}

static int parse_one(struct claims_cmd *k, int c, const char *arg,
		     struct err *e)
{
	switch (c) {
	case OPT_WITHGO:
		k->run.opt.with_go = 1;
		return 0;
	case OPT_FORMAT:
		return writers_parse_one(claims_writers, CLAIMS_NWRITERS, arg,
					 &k->format, e);
	case OPT_CLAIMS:
		k->claims_path = arg;
		return *arg ? 0 : err_set(e, "empty --claims");
	default:
		if (!k->run_option)
			k->run_option = option_name(c);
		return options_parse_run(&k->run.opt, c, arg, e);
	}
}

/* 0 parsed, 1 --help printed, or EXIT_USAGE after printing the error. */
static int parse_claims_args(struct claims_cmd *k, int argc, char **argv)
{
	struct err e = {""};
	int c;
	opterr = 0;
	k->run.opt.progress = isatty(STDERR_FILENO);
	while ((c = getopt_long(argc, argv, ":h", claims_longopts, NULL)) !=
	       -1) {
		if (c == 'h' || c == OPT_HELP) {
			fputs(claims_usage, stdout);
			return 1;
		}
		if (c == '?' || c == ':')
			return bad_option("claims", c, argv);
		if (parse_one(k, c, optarg, &e) != 0)
			return usage_error(&e);
	}
	if (optind < argc)
		k->results = argv[optind++];
	if (optind < argc)
		err_set(&e,
			"claims: unexpected argument '%s' (one results "
			"file at most)",
			argv[optind]);
	else if (k->results && k->run_option)
		err_set(&e,
			"claims: --%s is for running; with a results file "
			"('%s') nothing is run",
			k->run_option, k->results);
	return e.msg[0] ? usage_error(&e) : 0;
}

/* The claim file, checked against the registered benchmarks. */
static int load_claims(struct claims_cmd *k, struct err *e)
{
	const struct bench **all = NULL;
	size_t nall = 0;
	char path[4096];
	int rc;
	if (k->claims_path)
		snprintf(path, sizeof(path), "%s", k->claims_path);
	else if (claims_default_path(path, sizeof(path), e) != 0)
		return -1;
	if (claims_load(path, &k->set, e) != 0 ||
	    registry_all(&all, &nall, e) != 0)
		return -1;
	rc = claims_check(&k->set, all, nall, e);
	free(all);
	return rc;
}

static void print_verdicts(const struct claims_cmd *k)
{
	struct claims_output out = {&k->set, &k->ev};
	writers_emit(claims_writers, CLAIMS_NWRITERS, 1u << k->format, stdout,
		     &out);
}

static int judge_file(struct claims_cmd *k, struct err *e)
{
	json_t *doc;
	snprintf(k->ev.source, sizeof(k->ev.source), "%s", k->results);
	doc = results_read(k->results, e);
	if (!doc)
		return -1;
	if (claims_evaluate(&k->set, doc, &k->ev, e) != 0) {
		json_decref(doc);
		return -1;
	}
	print_verdicts(k);
	json_decref(doc);
	return 0;
}

/* The distinct thread counts the claims need benchmark b at. */
static int threads_for(const struct claim_set *cs, const struct bench *b,
		       int npus, int *ts)
{
	int n = 0;
	for (size_t i = 0; i < cs->n; i++) {
		int t, dup = 0;
		if (!claims_wants(&cs->claims[i], b))
			continue;
		t = claims_threads(&cs->claims[i], b, npus);
		for (int j = 0; j < n && !dup; j++)
			dup = ts[j] == t;
		if (!dup)
			ts[n++] = t;
	}
	return n;
}

/* Exactly the cases the claims need, in registry order (a workload's
 * implementations together, as the Go rows' insertion expects): each at
 * its thread counts, over the mode's policy (compact) or, for a pair
 * workload, every pair class the machine has. */
static struct run_case *claim_cases(const struct claims_cmd *k, size_t *n)
{
	const struct run_state *s = &k->run;
	int npol, npair, npus = topo_npus(&s->topo);
	const struct placement *pol = run_policies(s, &npol);
	const struct placement *pairs = run_pair_classes(s, &npair);
	int *ts = calloc(k->set.n + 1, sizeof(int));
	size_t max = s->nall * (k->set.n + 1) * (size_t)(npol + npair);
	struct run_case *cs = calloc(max ? max : 1, sizeof(*cs));
	*n = 0;
	for (size_t i = 0; ts && cs && i < s->nall; i++) {
		const struct bench *b = s->all[i];
		int pair = (b->flags & BENCH_PAIR) != 0;
		int nt = threads_for(&k->set, b, npus, ts);
		for (int t = 0; t < nt; t++)
			for (int p = 0; p < (pair ? npair : npol); p++)
				cs[(*n)++] = (struct run_case){
					b, ts[t], pair ? &pairs[p] : &pol[p],
					0};
	}
	free(ts);
	return cs;
}

static int measure_and_judge(struct claims_cmd *k, struct err *e)
{
	struct run_case *cases;
	json_t *doc = NULL;
	size_t n;
	int rc;
	if (run_prepare(&k->run, e) != 0 || run_open_results(&k->run, e) != 0)
		return -EXIT_USAGE;
	cases = claim_cases(k, &n);
	if (!cases)
		return -EXIT_CASE_FAILED;
	if (k->run.opt.with_go)
		cases = run_add_go(&k->run, cases, n, 0, &n);
	fprintf(stderr, "contend claims: %zu cases for %zu claims (%s)%s\n", n,
		k->set.n, k->set.path,
		k->run.opt.with_go ? "" : "; no Go rows without --with-go");
	rc = run_cases(&k->run, cases, n, &doc);
	free(cases);
	snprintf(k->ev.source, sizeof(k->ev.source), "%s",
		 k->run.path[0] ? k->run.path : "this run (not written)");
	if (doc && claims_evaluate(&k->set, doc, &k->ev, e) == 0)
		print_verdicts(k);
	else if (doc)
		fprintf(stderr, "contend: %s\n", e->msg);
	json_decref(doc);
	return rc;
}

int cmd_claims(int argc, char **argv)
{
	struct claims_cmd *k = calloc(1, sizeof(*k));
	struct err e = {""};
	int rc;
	if (!k)
		return EXIT_CASE_FAILED;
	options_init(&k->run.opt, argc, argv);
	k->run.opt.formats = 0; /* the claims table, not the run's tables */
	rc = parse_claims_args(k, argc, argv);
	if (rc == 1)
		rc = EXIT_OK;
	else if (rc == 0 && load_claims(k, &e) != 0)
		rc = usage_error(&e);
	else if (rc == 0 && k->results)
		rc = judge_file(k, &e) != 0 ? usage_error(&e) : EXIT_OK;
	else if (rc == 0 && (rc = measure_and_judge(k, &e)) < 0)
		rc = rc == -EXIT_USAGE ? usage_error(&e) : -rc;
	claims_eval_free(&k->ev);
	claims_free(&k->set);
	run_state_free(&k->run);
	free(k);
	return rc;
}
