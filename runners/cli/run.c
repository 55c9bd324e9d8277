/* The machinery of a run (run.h): cases in, records and a results file
 * out. */
#include "run.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "cli.h"
#include "isolate.h"
#include "measure.h"
#include "registry.h"
#include "resources.h"
#include "report.h"
#include "results_file.h"

static int same_workload(const struct bench *a, const struct bench *b)
{
	return strcmp(a->name, b->name) == 0 &&
	       strcmp(a->params, b->params) == 0;
}

/* The forms of a Go row beside impl "go", where the Go module has them
 * (goref.h says what each is). */
static const char *const go_forms[] = {"go-locked", "go-1p"};
#define GO_FORMS (sizeof(go_forms) / sizeof(go_forms[0]))

/* The Go bench standing for the workload of b in one form (impl "go" or
 * one of go_forms), made once. */
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
				   .flags = b->flags | BENCH_GO,
				   .min_threads = b->min_threads};
	return &gob[(*ngo)++];
}

/* After each workload's C cases, one Go case per threads x placement they
 * used, when the Go module mirrors the workload (or Go is missing: then the
 * rows show up skipped, saying so). */
static struct run_case *add_go_cases(struct run_case *cs, size_t n,
				     const struct goref *g, struct bench *gob,
				     int *ngo, int with_forms, size_t *nout)
{
	struct run_case *out = calloc((2 + GO_FORMS) * n + 1, sizeof(*out));
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
			out[m++] = (struct run_case){
				go_bench_for(gob, ngo, cs[j].b, "go"),
				cs[j].threads, cs[j].place, 1};
			for (size_t k = 0; with_forms && k < GO_FORMS; k++) {
				const struct bench *f = go_bench_for(
					gob, ngo, cs[j].b, go_forms[k]);
				if (g->available && goref_mirrors(g, f))
					out[m++] = (struct run_case){
						f, cs[j].threads, cs[j].place,
						1};
			}
		}
		start = i + 1;
	}
	free(cs);
	*nout = m;
	return out;
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

/* Decides the results path and proves it writable before any case runs,
 * by creating (and removing) the very temp file the writer will use. The
 * name in a directory is only chosen here; results_publish takes it at
 * the end, refusing to replace a file (results_file.h). */
static int prepare_out(struct run_state *s, struct err *e)
{
	const struct options *o = &s->opt;
	const char *out = o->out ? o->out : "results";
	size_t l = strlen(out);
	char *dir = s->out_dir, probe[4200];
	struct stat st;
	FILE *f;
	s->path[0] = '\0';
	if (!strcmp(out, "none"))
		return 0;
	clock_utc_file(s->out_stamp, sizeof(s->out_stamp));
	s->out_file = l > 5 && !strcmp(out + l - 5, ".json");
	if (s->out_file) {
		const char *slash = strrchr(out, '/');
		if (snprintf(s->path, sizeof(s->path), "%s", out) >=
		    (int)sizeof(s->path))
			return err_set(e, "--out path too long");
		if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
			return err_set(e, "--out '%s' is a directory", out);
		if (stat(out, &st) == 0 && !o->force)
			return err_set(e,
				       "results file '%s' exists (--force "
				       "replaces it)",
				       out);
		if (slash == out)
			snprintf(dir, sizeof(s->out_dir), "/");
		else if (slash)
			snprintf(dir, sizeof(s->out_dir), "%.*s",
				 (int)(slash - out), out);
		else
			snprintf(dir, sizeof(s->out_dir), ".");
	} else {
		if (snprintf(dir, sizeof(s->out_dir), "%s/%s", out,
			     s->machine.id) >= (int)sizeof(s->out_dir))
			return err_set(e, "--out path too long");
	}
	if (mkdirs(dir) != 0)
		return err_set(e, "cannot create results directory '%s': %s",
			       dir, strerror(errno));
	if (!s->out_file && results_file_name(s->path, sizeof(s->path), dir,
					      s->out_stamp, e) != 0)
		return -1;
	results_temp_path(s->path, probe, sizeof(probe));
	if (!(f = fopen(probe, "w")) || fputs("x", f) == EOF ||
	    fclose(f) != 0) {
		int err = errno;
		unlink(probe);
		return err_set(e, "cannot write results file '%s': %s", s->path,
			       strerror(err));
	}
	unlink(probe);
	return 0;
}

static void progress(const struct options *o, size_t i, size_t n,
		     const struct run_case *c, double start)
{
	double el = clock_mono_s() - start;
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

static int run_planned(const struct measure_params *mp, const struct options *o,
		       const struct run_case *c, const struct goref *g,
		       const int *cpus, struct record *r)
{
	if (c->go)
		return run_go(mp, g, cpus, r);
	if (!o->no_isolate)
		return isolate_case(mp, cpus, r, &stop_signal) ==
				       ISOLATE_INTERRUPTED
			       ? 2
			       : 0;
	return measure_case(mp, cpus, r) != 0;
}

static int run_one(const struct measure_params *mp, const struct options *o,
		   const struct run_case *c, long headroom, const char *limit,
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
	} else {
		/* threads sharing a CPU are oversubscribed whatever the count
		 * (cpus:0,0, or cpus:0 for two with --oversubscribe) */
		r->oversubscribed |= cpus_first_repeat(cpus, c->threads) >= 0;
		rc = run_planned(mp, o, c, g, cpus, r);
	}
	free(cpus);
	return rc;
}

int run_prepare(struct run_state *s, struct err *e)
{
	static const char *const full[] = {"compact", "scatter", "cores", "smt",
					   "none"};
	int present[PAIR_CLASS_COUNT];
	if (topo_load(&s->topo, NULL, e) != 0 ||
	    options_resolve(&s->opt, topo_npus(&s->topo), e) != 0 ||
	    registry_all(&s->all, &s->nall, e) != 0)
		return -1;
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
	return 0;
}

int run_open_results(struct run_state *s, struct err *e)
{
	return prepare_out(s, e);
}

const struct placement *run_policies(const struct run_state *s, int *n)
{
	*n = s->npolicies;
	return s->defaults;
}

const struct placement *run_pair_classes(const struct run_state *s, int *n)
{
	*n = s->npairs;
	return s->defaults + s->npolicies;
}

struct run_case *run_add_go(struct run_state *s, struct run_case *cases,
			    size_t n, int forms, size_t *nout)
{
	*nout = n;
	goref_open(&s->go);
	/* at most 1 + GO_FORMS forms per case */
	free(s->go_benches);
	s->ngo = 0;
	s->go_benches = calloc((1 + GO_FORMS) * n + 1, sizeof(*s->go_benches));
	if (!s->go_benches)
		return cases;
	return add_go_cases(cases, n, &s->go, s->go_benches, &s->ngo, forms,
			    nout);
}

/* A control probe (control.h) at the start, when CONTROL_EVERY_S passed
 * since the last, and at the end (force). */
static void maybe_probe(struct report *rp, double start, long after, int force)
{
	double t = clock_mono_s() - start;
	struct control_probe *p;
	if (!force && rp->ncontrols &&
	    t - rp->controls[rp->ncontrols - 1].t_s < CONTROL_EVERY_S)
		return;
	if (rp->ncontrols == rp->maxcontrols) {
		size_t m = rp->maxcontrols ? 2 * rp->maxcontrols : 16;
		p = realloc(rp->controls, m * sizeof(*p));
		if (!p)
			return; /* a probe fewer: the cases stand */
		rp->controls = p;
		rp->maxcontrols = m;
	}
	control_probe_take(&rp->controls[rp->ncontrols++], t, after);
}

/* A case disturbed by other tasks, or whose samples came at two levels (the
 * machine changed under it), is measured once more at the end (at most a
 * fifth of the cases, so a machine busy all along costs a fifth more time,
 * not double); the record with fewer of those marks stays, of two alike
 * the less disturbed. */
/* 1 when a re-run timed out with threads still running (the run stops
 * there, as in the main loop), else 0. */
static int marks(const struct record *r)
{
	return (r->intf.disturbed != 0) + (r->shift.at != 0);
}

/* fewer marks, or as many and less of the CPUs taken by others */
static int fresher(const struct record *fresh, const struct record *old)
{
	return marks(fresh) < marks(old) ||
	       (marks(fresh) == marks(old) && fresh->intf.max < old->intf.max);
}

static int rerun_disturbed(struct run_state *s, const struct run_case *cases,
			   struct report *rp, const struct measure_params *mp,
			   double start)
{
	size_t budget = (rp->n + 4) / 5, todo = 0, done = 0;
	for (size_t i = 0; i < rp->n; i++)
		todo += record_needs_rerun(&rp->recs[i]) != 0;
	if (s->opt.no_rerun || !todo)
		return 0;
	if (s->opt.progress)
		fprintf(stderr, "\r\033[K");
	fprintf(stderr,
		"contend: %zu case(s) were disturbed by other tasks or "
		"changed level mid-case; re-running %zu\n",
		todo, todo < budget ? todo : budget);
	for (size_t i = 0; i < rp->n && done < budget && !stop_signal; i++) {
		struct record *old = &rp->recs[i], fresh;
		if (!record_needs_rerun(old))
			continue;
		done++;
		progress(&s->opt, i, rp->n, &cases[i], start);
		int r = run_one(mp, &s->opt, &cases[i], s->task_headroom,
				s->task_limit, &s->go, &fresh);
		if (r != 0) { /* interrupted, or threads left running */
			record_free(&fresh);
			rp->interrupted = 1;
			return r == 1;
		}
		if (fresh.status == REC_TIMEOUT || fresh.status == REC_FAILED) {
			/* the same case failed on its second run: that is
			 * news, not noise */
			record_free(old);
			*old = fresh;
			old->rerun = 1;
			continue;
		}
		if (fresh.status == REC_OK && fresher(&fresh, old)) {
			record_free(old);
			*old = fresh;
		} else {
			record_free(&fresh);
		}
		old->rerun = 1;
	}
	return 0;
}

static int execute(struct run_state *s, const struct run_case *cases, size_t n,
		   struct report *rp)
{
	struct measure_params mp = {
		.time_s = s->opt.time_s,
		.warmup_s = s->opt.warmup_s,
		.repeat = s->opt.repeat,
		.timeout_s = s->opt.timeout_s,
		.count_bound = s->opt.count_bound,
		.topo = &s->topo,
		.counters = &s->counters,
	};
	double start = clock_mono_s();
	int failed = 0;
	clock_utc(rp->started, sizeof(rp->started));
	for (size_t i = 0; i < n && !stop_signal; i++) {
		int r;
		maybe_probe(rp, start, (long)i - 1, i == 0);
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
	if (!stop_signal && !rp->interrupted &&
	    rerun_disturbed(s, cases, rp, &mp, start))
		failed = 1;
	for (size_t i = 0; i < rp->n; i++)
		failed |= rp->recs[i].status == REC_FAILED ||
			  rp->recs[i].status == REC_TIMEOUT;
	if (!stop_signal && rp->n)
		maybe_probe(rp, start, (long)rp->n - 1, 1);
	if (s->opt.progress)
		fprintf(stderr, "\r\033[K");
	if (stop_signal) {
		rp->interrupted = 1;
		fprintf(stderr,
			"contend: interrupted by SIG%s after %zu of %zu "
			"cases; writing what was measured\n",
			sigabbrev_np(stop_signal), rp->n, n);
	}
	clock_utc(rp->finished, sizeof(rp->finished));
	records_link_go(rp->recs, rp->n);
	records_link_c2c(rp->recs, rp->n);
	records_add_overhead(rp->recs, rp->n);
	return failed;
}

/* The results file under the name prepare_out chose. A directory's file
 * never replaces another (two runs started together): on a clash it takes
 * a fresh suffix. An --out FILE replaces only with --force; one that
 * appeared during the run is left alone, the results kept in the temp
 * file, which the message names. */
static int write_results(struct run_state *s, json_t *doc, struct err *e)
{
	char tmp[4200];
	int rc;
	results_temp_path(s->path, tmp, sizeof(tmp));
	if (results_write_temp(doc, tmp, e) != 0)
		return -1;
	/* a clash in a directory takes a fresh suffix; the path's length
	 * does not change, so the name always fits */
	for (int tries = 0; tries < 16; tries++) {
		rc = results_publish(tmp, s->path, s->out_file && s->opt.force,
				     e);
		if (rc != RESULTS_EXISTS)
			break;
		if (s->out_file)
			break;
		results_file_name(s->path, sizeof(s->path), s->out_dir,
				  s->out_stamp, e);
	}
	if (rc == RESULTS_EXISTS) /* nothing lost: the temp file stays */
		return err_set(e, "'%s' %s; the results are in '%s'", s->path,
			       s->out_file ? "was created during the run and "
					     "is left alone"
					   : "and 15 other names were taken",
			       tmp);
	if (rc != 0)
		unlink(tmp);
	return rc;
}

static int finish(struct run_state *s, struct report *rp, json_t **out)
{
	struct err e = {""};
	json_t *doc;
	int rc = 0;
	writers_emit(report_writers, report_nwriters, s->opt.formats, stdout,
		     rp);
	if (!s->path[0] && !out)
		return 0;
	doc = report_json(rp);
	if (!doc) {
		fprintf(stderr, "contend: cannot build results\n");
		rc = -1;
	} else if (s->path[0] && write_results(s, doc, &e) != 0) {
		fprintf(stderr, "contend: %s\n", e.msg);
		rc = -1;
	} else if (s->path[0]) {
		fprintf(stderr, "results: %s\n", s->path);
	}
	if (out)
		*out = doc;
	else
		json_decref(doc);
	return rc;
}

int run_cases(struct run_state *s, const struct run_case *cases, size_t n,
	      json_t **doc)
{
	struct report rp;
	int rc;
	memset(&rp, 0, sizeof(rp));
	rp.machine = &s->machine;
	rp.counters = &s->counters;
	rp.opt = &s->opt;
	rp.recs = calloc(n ? n : 1, sizeof(*rp.recs));
	if (!rp.recs)
		return EXIT_CASE_FAILED;
	machine_print_warnings(stderr, &s->machine);
	counters_probe(&s->counters, s->opt.wanted_counters);
	if (s->opt.no_isolate)
		counters_attach(&s->counters);
	catch_stop_signals();
	rc = execute(s, cases, n, &rp) ? EXIT_CASE_FAILED : EXIT_OK;
	if (finish(s, &rp, doc) != 0)
		rc = EXIT_CASE_FAILED;
	for (size_t i = 0; i < rp.n; i++)
		record_free(&rp.recs[i]);
	free(rp.recs);
	free(rp.controls);
	counters_shutdown(&s->counters);
	return stop_signal ? 128 + stop_signal : rc;
}

void run_state_free(struct run_state *s)
{
	free(s->all);
	free(s->defaults);
	free(s->go_benches);
	topo_free(&s->topo);
	options_free(&s->opt);
}
