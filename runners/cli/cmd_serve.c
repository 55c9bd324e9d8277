/* contend serve: the measuring end of `contend ab`. It selects the cases
 * `contend run` would (same options), lists them, then measures one case
 * at a time, one sample per request, with the iteration count it is given:
 * so that two builds can take turns sample by sample on the same CPUs.
 *
 * The protocol is lines on stdin and stdout (stdout carries nothing else):
 *   -> contend-serve 1 NCASES
 *   -> case I <TAB> BENCHMARK <TAB> IMPL <TAB> PARAMS <TAB> THREADS <TAB>
 *      PLACEMENT <TAB> GO                                   (NCASES lines)
 *   -> ready
 *   <- open I          -> ok CPUS | skip REASON | fail REASON
 *   <- calibrate       -> iters N  (the open case, to --time; Go rows: 0)
 *   <- sample N        -> sample NS_PER_OP WAIT FLOOR_NS DISTURBED
 *                         | fail REASON
 *   <- close           -> closed FIELD=VALUE ...
 *   <- quit (or end of input)
 * Bad options: the one-line error comes instead of the list (and exit 2),
 * so that the asking side can say it once. Only the protocol writes to
 * the original stdout.
 * A crash or hang costs the process; the asking side restarts it. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "measure.h"
#include "run.h"

static const char serve_usage[] =
	"usage: contend serve [contend run's case options]\n"
	"\n"
	"The measuring end of `contend ab` (not meant to be typed): selects\n"
	"the cases `contend run` would with the same options, lists them on\n"
	"stdout, then measures one sample per request read from stdin. The\n"
	"protocol is described at the top of runners/cli/cmd_serve.c.\n";

#define SERVE_PROTOCOL 1

struct served {
	FILE *out; /* the protocol: the original stdout; fd 1 is stderr */
	struct run_state *s;
	struct run_case *cases;
	size_t n;
	struct measure_params mp;
	long open; /* the open case, or -1 */
	struct case_session *cs;
	struct record r;
	int *cpus;
	uint64_t rng; /* layout jitter seeds, one per instance */
};

static void list_cases(const struct served *sv)
{
	fprintf(sv->out, "contend-serve %d %zu\n", SERVE_PROTOCOL, sv->n);
	for (size_t i = 0; i < sv->n; i++) {
		const struct run_case *c = &sv->cases[i];
		fprintf(sv->out, "case %zu\t%s\t%s\t%s\t%d\t%s\t%d\n", i,
			c->b->name, c->b->impl,
			c->b->params[0] ? c->b->params : "-", c->threads,
			c->place->name, c->go);
	}
	fprintf(sv->out, "ready\n");
	fflush(sv->out);
}

static void close_case(struct served *sv)
{
	if (sv->open < 0)
		return;
	measure_close(sv->cs, &sv->r);
	sv->cs = NULL;
	record_free(&sv->r);
	free(sv->cpus);
	sv->cpus = NULL;
	sv->open = -1;
	memset(&sv->r, 0, sizeof(sv->r));
}

static void reply_fields(const struct served *sv, const struct record *r)
{
	fprintf(sv->out, "closed");
	for (int i = 0; i < r->nfields; i++)
		fprintf(sv->out, " %s=%.9g", r->fields[i].name,
			r->fields[i].value);
	fprintf(sv->out, "\n");
}

/* Each instance its own layout (measure.c, layout_jitter). */
static void next_seed(struct served *sv)
{
	sv->rng ^= sv->rng << 13;
	sv->rng ^= sv->rng >> 7;
	sv->rng ^= sv->rng << 17;
	sv->mp.jitter_seed = (unsigned)(sv->rng >> 32) | 1u;
}

static void open_case(struct served *sv, long i)
{
	const struct run_case *c;
	char reason[256] = "";
	close_case(sv);
	if (i < 0 || (size_t)i >= sv->n) {
		fprintf(sv->out, "fail no case %ld\n", i);
		return;
	}
	c = &sv->cases[i];
	memset(&sv->r, 0, sizeof(sv->r));
	sv->r.b = c->b;
	sv->r.threads = c->threads;
	sv->cpus = malloc(sizeof(int) * (size_t)c->threads);
	if (!sv->cpus) {
		fprintf(sv->out, "fail out of memory\n");
		return;
	}
	if (c->threads < c->b->min_threads) {
		fprintf(sv->out, "skip needs at least %d threads\n",
			c->b->min_threads);
	} else if (placement_plan(&sv->s->topo, c->place, c->threads,
				  sv->s->opt.oversubscribe, sv->cpus, reason,
				  sizeof(reason)) != 0) {
		fprintf(sv->out, "skip %s\n", reason);
	} else if (c->go && !sv->s->go.available) {
		fprintf(sv->out, "skip Go rows: %s\n", sv->s->go.reason);
	} else if (!c->go &&
		   (next_seed(sv),
		    !(sv->cs = measure_open(&sv->mp, sv->cpus, &sv->r)))) {
		fprintf(sv->out, "fail %s\n", sv->r.reason);
		record_free(&sv->r);
	} else {
		sv->open = i;
		fprintf(sv->out, "ok");
		for (int t = 0; t < c->threads; t++)
			fprintf(sv->out, "%c%d", t ? ',' : ' ', sv->cpus[t]);
		fprintf(sv->out, "\n");
		return;
	}
	free(sv->cpus);
	sv->cpus = NULL;
}

/* A Go row's sample: one run of the Go benchmark, calibrated by Go's own
 * b.N to --time (Go's harness takes no iteration count from outside). */
static void go_sample(struct served *sv)
{
	static volatile sig_atomic_t never;
	const struct run_case *c = &sv->cases[sv->open];
	struct goref_params gp = {sv->mp.time_s, 1, sv->s->opt.timeout_s};
	struct record r;
	memset(&r, 0, sizeof(r));
	r.b = c->b;
	r.threads = c->threads;
	goref_run(&sv->s->go, &gp, &sv->s->topo, sv->cpus, &r, &never);
	if (r.status != REC_OK || r.nsamples < 1)
		fprintf(sv->out, "fail %s\n",
			r.reason[0] ? r.reason : "no sample");
	else
		fprintf(sv->out, "sample %.9g nan %.9g 0\n", r.samples[0],
			r.c2c_floor_ns);
	record_free(&r);
}

static void sample_case(struct served *sv, unsigned long long iters)
{
	struct session_sample s;
	if (sv->open < 0) {
		fprintf(sv->out, "fail no open case\n");
	} else if (sv->cases[sv->open].go) {
		go_sample(sv);
	} else if (iters < 1 || measure_sample(sv->cs, iters, &s) != 0) {
		fprintf(sv->out, "fail benchmark counted no ops\n");
	} else {
		fprintf(sv->out, "sample %.9g %.9g %.9g %d\n", s.ns_per_op,
			s.wait, s.floor_ns, s.disturbed);
	}
}

static int handle(struct served *sv, const char *line)
{
	long i;
	unsigned long long n;
	if (sscanf(line, "open %ld", &i) == 1) {
		open_case(sv, i);
	} else if (!strncmp(line, "calibrate", 9)) {
		if (sv->open < 0)
			fprintf(sv->out, "fail no open case\n");
		else
			fprintf(sv->out, "iters %llu\n",
				sv->cases[sv->open].go
					? 0ull
					: (unsigned long long)measure_calibrate(
						  sv->cs));
	} else if (sscanf(line, "sample %llu", &n) == 1 && line[7] != '-' &&
		   n <= 1000000000ull) {
		sample_case(sv, n);
	} else if (!strncmp(line, "close", 5)) {
		if (sv->open >= 0 && sv->cs)
			measure_close(sv->cs, &sv->r);
		sv->cs = NULL;
		reply_fields(sv, &sv->r);
		close_case(sv);
	} else if (!strncmp(line, "quit", 4)) {
		return 1;
	} else {
		fprintf(sv->out, "fail unknown request\n");
	}
	fflush(sv->out);
	return 0;
}

static void serve(struct served *sv)
{
	char line[256];
	list_cases(sv);
	while (fgets(line, sizeof(line), stdin))
		if (handle(sv, line))
			break;
	close_case(sv);
}

int cmd_serve(int argc, char **argv)
{
	struct served sv = {.open = -1};
	struct err e = {""};
	int rc, saved;
	if (!(sv.s = calloc(1, sizeof(*sv.s))))
		return EXIT_CASE_FAILED;
	options_init(&sv.s->opt, argc, argv);
	/* the protocol keeps the real stdout to itself; anything else that
	 * writes to fd 1 (a library, a benchmark, the Go listing) lands on
	 * stderr instead of between two replies */
	if (!(sv.out = fdopen(dup(STDOUT_FILENO), "w")) ||
	    dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
		free(sv.s);
		return EXIT_CASE_FAILED;
	}
	/* option errors go to the protocol, the asking side's only reader */
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fileno(sv.out), STDERR_FILENO);
	rc = run_parse_args(&sv.s->opt, argc, argv, "serve", serve_usage);
	fflush(stderr);
	if (saved >= 0) {
		dup2(saved, STDERR_FILENO);
		close(saved);
	}
	if (rc == 0 && !(sv.cases = run_select_cases(sv.s, &sv.n, &e))) {
		fprintf(sv.out, "contend: %s\n", e.msg);
		rc = EXIT_USAGE;
	}
	fflush(sv.out);
	if (rc == 0) {
		/* no counters: a sample is timed, and its interference read */
		static const int none[CTR_COUNT];
		counters_probe(&sv.s->counters, none);
		sv.rng = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^
			 (uint64_t)getpid() << 17 ^ (uint64_t)clock();
		sv.rng |= 1;
		sv.mp = (struct measure_params){.time_s = sv.s->opt.time_s,
						.repeat = 1,
						.topo = &sv.s->topo,
						.counters = &sv.s->counters};
		serve(&sv);
		counters_shutdown(&sv.s->counters);
	}
	free(sv.cases);
	run_state_free(sv.s);
	free(sv.s);
	fclose(sv.out);
	return rc == 1 ? EXIT_OK : rc;
}
