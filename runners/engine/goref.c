/* The Go test binary runs as a child process per case: GOMAXPROCS from
 * -test.cpu, samples from -test.count, each calibrated by Go's own b.N to
 * -test.benchtime; the process is bound (sched_setaffinity, as taskset
 * does) to the placement's CPUs before exec. Its goroutines are not pinned
 * one by one: the record's note says what was and was not matched. */
#include "goref.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "measure.h"

void goref_name(const char *bench, char *out, size_t len)
{
	size_t n = snprintf(out, len, "Benchmark");
	int up = 1;
	for (; *bench && n + 1 < len; bench++) {
		if (!isalnum((unsigned char)*bench)) {
			up = 1;
			continue;
		}
		out[n++] = up ? (char)toupper((unsigned char)*bench) : *bench;
		up = 0;
	}
	out[n] = '\0';
}

/* Runs argv with stdout into buf (NUL-terminated); the child is bound to
 * cpus first when given. Returns the wait status, or -1; *timed_out or
 * *stopped say why it was killed. */
static int run_capture(char *const argv[], const cpu_set_t *cpus, char *buf,
		       size_t len, double timeout_s,
		       const volatile sig_atomic_t *stop, int *timed_out)
{
	int fd[2], status = -1;
	size_t used = 0;
	double t0;
	pid_t pid;
	*timed_out = 0;
	if (pipe(fd) != 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		dup2(fd[1], STDOUT_FILENO);
		close(fd[0]);
		close(fd[1]);
		if (cpus)
			sched_setaffinity(0, sizeof(*cpus), cpus);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	if (pid < 0) {
		close(fd[0]);
		return -1;
	}
	t0 = clock_mono_s();
	for (;;) {
		struct pollfd p = {fd[0], POLLIN, 0};
		ssize_t n;
		if (*stop ||
		    (timeout_s > 0 && clock_mono_s() - t0 > timeout_s)) {
			*timed_out = !*stop;
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&p, 1, 200) <= 0)
			continue;
		n = read(fd[0], buf + used, len - 1 - used);
		if (n <= 0)
			break;
		used += (size_t)n;
		if (used == len - 1)
			break;
	}
	buf[used] = '\0';
	close(fd[0]);
	waitpid(pid, &status, 0);
	return status;
}

void goref_open(struct goref *g)
{
	char exe[4096], *slash, out[16384];
	char *argv[5];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int timed_out;
	volatile sig_atomic_t never = 0;
	memset(g, 0, sizeof(*g));
	if (n <= 0) {
		snprintf(g->reason, sizeof(g->reason), "cannot find contend");
		return;
	}
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	*slash = '\0';
	snprintf(g->path, sizeof(g->path), "%.4000s/bench/contend-go.test",
		 exe);
	if (access(g->path, X_OK) != 0) {
		snprintf(g->reason, sizeof(g->reason),
			 "no Go toolchain when contend was built (install "
			 "golang-go and rebuild)");
		return;
	}
	argv[0] = g->path;
	argv[1] = "-test.list";
	argv[2] = "^Benchmark";
	argv[3] = NULL;
	if (run_capture(argv, NULL, out, sizeof(out), 30, &never, &timed_out) !=
	    0) {
		snprintf(g->reason, sizeof(g->reason),
			 "%.200s -test.list failed", g->path);
		return;
	}
	for (char *save = NULL, *l = strtok_r(out, "\n", &save);
	     l && g->nnames < 64; l = strtok_r(NULL, "\n", &save))
		if (strncmp(l, "Benchmark", 9) == 0)
			snprintf(g->names[g->nnames++], sizeof(g->names[0]),
				 "%s", l);
	g->available = 1;
}

/* The Go function of a Go row: BenchmarkX, BenchmarkXLocked or
 * BenchmarkXOneP (goref.h). */
static void go_func_name(const struct bench *b, char *out, size_t len)
{
	size_t n;
	goref_name(b->name, out, len);
	n = strlen(out);
	if (strcmp(b->impl, "go-locked") == 0)
		snprintf(out + n, len - n, "Locked");
	else if (strcmp(b->impl, "go-1p") == 0)
		snprintf(out + n, len - n, "OneP");
}

int goref_mirrors(const struct goref *g, const struct bench *b)
{
	char name[128];
	go_func_name(b, name, sizeof(name));
	for (int i = 0; i < g->nnames; i++)
		if (strcmp(g->names[i], name) == 0)
			return 1;
	return 0;
}

/* -test.bench pattern: ^BenchmarkX$ then one ^value$ level per param. */
static void bench_pattern(const struct bench *b, char *out, size_t len)
{
	char name[128], params[256];
	size_t n;
	go_func_name(b, name, sizeof(name));
	n = (size_t)snprintf(out, len, "^%s$", name);
	snprintf(params, sizeof(params), "%s", b->params);
	for (char *save = NULL, *t = strtok_r(params, ",", &save); t && n < len;
	     t = strtok_r(NULL, ",", &save))
		n += (size_t)snprintf(out + n, len - n, "/^%s$", t);
}

/* What one Go benchmark line says. */
struct go_line {
	unsigned long long iters;
	double ns, bytes, allocs;
	/* b.ReportMetric units: a record's fields and the goroutines' shares */
	struct bench_field extra[BENCH_MAX_FIELDS + 3];
	int nfields; /* of the extras, those not shares: fields */
	int nextra;
};

/* The goroutines' shares, as bench/go's shares reports them: their
 * slowest and fastest rate over the mean and the rates' coefficient of
 * variation. They are fairness, not fields: a line keeps them beside as
 * many fields as a record holds. */
static const char *const share_units[3] = {"rate_min", "rate_max", "rate_cv"};

/* Which share UNIT is (0-2), -1 for none. */
static int share_index(const char *unit)
{
	for (int u = 0; u < 3; u++)
		if (!strcmp(unit, share_units[u]))
			return u;
	return -1;
}

/* A b.ReportMetric unit that can be a record's field: what the C rows'
 * fields are ([a-z0-9_]), short enough to hold. "ns/op" and the like are
 * not. */
static int field_unit(const char *unit)
{
	size_t n = strspn(unit, "abcdefghijklmnopqrstuvwxyz0123456789_");
	return n > 0 && unit[n] == '\0' && n < BENCH_FIELD_NAME;
}

/* One "BenchmarkX/p=v-T  N  x ns/op [v unit]...  y B/op  z allocs/op"
 * line. */
static int parse_line(char *l, struct go_line *g)
{
	char *save = NULL, *tok, *end;
	int have_ns = 0;
	memset(g, 0, sizeof(*g));
	strtok_r(l, " \t", &save);	    /* the name */
	tok = strtok_r(NULL, " \t", &save); /* the iterations */
	if (!tok || sscanf(tok, "%llu", &g->iters) != 1)
		return 0;
	while ((tok = strtok_r(NULL, " \t", &save))) {
		double v = strtod(tok, &end);
		char *unit = strtok_r(NULL, " \t", &save);
		if (end == tok || *end || !unit)
			return 0;
		if (strcmp(unit, "ns/op") == 0) {
			g->ns = v;
			have_ns = 1;
		} else if (strcmp(unit, "B/op") == 0) {
			g->bytes = v;
		} else if (strcmp(unit, "allocs/op") == 0) {
			g->allocs = v;
		} else if (field_unit(unit) &&
			   g->nextra < BENCH_MAX_FIELDS + 3 &&
			   (share_index(unit) >= 0 ||
			    g->nfields < BENCH_MAX_FIELDS)) {
			g->nfields += share_index(unit) < 0;
			struct bench_field *f = &g->extra[g->nextra++];
			snprintf(f->name, sizeof(f->name), "%s", unit);
			f->value = v;
		}
	}
	return have_ns;
}

/* Extra metrics become the record's fields, in the order the first sample
 * printed them (sums here; ingest takes the mean over the samples). */
static void add_extra(struct record *r, const struct go_line *g)
{
	for (int i = 0; i < g->nextra; i++) {
		int f;
		for (f = 0; f < r->nfields &&
			    strcmp(r->fields[f].name, g->extra[i].name) != 0;
		     f++)
			;
		if (f == BENCH_MAX_FIELDS)
			continue;
		if (f == r->nfields)
			r->fields[r->nfields++] = (struct bench_field){"", 0};
		snprintf(r->fields[f].name, sizeof(r->fields[f].name), "%s",
			 g->extra[i].name);
		r->fields[f].value += g->extra[i].value;
	}
}

/* The shares summed over the samples that printed all three. */
struct go_shares {
	double sum[3];
	int n;
};

/* Takes the share metrics out of the line (they are fairness, not
 * fields) and adds them up where the line has all three. */
static void take_shares(struct go_line *g, struct go_shares *sh)
{
	double v[3];
	int found = 0, kept = 0;
	for (int i = 0; i < g->nextra; i++) {
		int u = share_index(g->extra[i].name);
		if (u >= 0) {
			v[u] = g->extra[i].value;
			found |= 1 << u;
		} else {
			g->extra[kept++] = g->extra[i];
		}
	}
	g->nextra = kept;
	if (found != 7)
		return;
	for (int u = 0; u < 3; u++)
		sh->sum[u] += v[u];
	sh->n++;
}

/* The shares become the record's fairness, as a time-bound C row's:
 * RunParallel's goroutines draw ops from one pool and stop together. No
 * all_running: Go reports no per-goroutine time. */
static void set_shares(struct record *r, const struct go_shares *sh)
{
	if (r->threads < 2 || sh->n == 0 || sh->n != r->nsamples)
		return;
	r->fair_valid = 1;
	r->time_bound = 1;
	r->all_running = NAN;
	r->rate_min = sh->sum[0] / sh->n;
	r->rate_max = sh->sum[1] / sh->n;
	r->rate_cv = sh->sum[2] / sh->n;
}

static void ingest(char *out, struct record *r, int max)
{
	double bytes = 0, allocs = 0;
	struct go_shares sh = {{0, 0, 0}, 0};
	for (char *save = NULL, *l = strtok_r(out, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		struct go_line g;
		if (strncmp(l, "Benchmark", 9) != 0 || !parse_line(l, &g))
			continue;
		r->samples[r->nsamples++] = g.ns;
		r->ops += g.iters;
		r->iters = g.iters;
		bytes += g.bytes;
		allocs += g.allocs;
		take_shares(&g, &sh);
		add_extra(r, &g);
		if (r->nsamples == max)
			break;
	}
	if (r->nsamples == 0)
		return;
	for (int f = 0; f < r->nfields; f++)
		r->fields[f].value /= r->nsamples;
	set_shares(r, &sh);
	stats_summarize(r->samples, (size_t)r->nsamples, &r->ns);
	r->noisy = r->ns.cv > NOISY_CV;
	stats_level_shift(r->samples, (size_t)r->nsamples, SHIFT_RATIO,
			  &r->shift);
	r->ns_thread = NAN; /* Go reports no per-goroutine time */
	r->alloc_valid = 1;
	r->bytes_per_op = bytes / r->nsamples;
	r->allocs_per_op = allocs / r->nsamples;
}

/* The floor between the case's first two CPUs, timed just before and just
 * after the Go benchmark, as measure.c times one after each C sample (0
 * where there are not two distinct CPUs). */
static double case_floor(const struct record *r, const int *cpus)
{
	if (r->threads < 2 || cpus[0] < 0 || cpus[1] < 0 || cpus[0] == cpus[1])
		return 0;
	return measure_c2c_floor(cpus);
}

/* The Go row's floor: the mean of the two around it (a change of the vCPUs'
 * distance while Go ran shows as a floor between the two states). */
static void set_floor(struct record *r, double before, double after)
{
	if (before <= 0 || after <= 0 || r->nsamples == 0)
		return;
	r->c2c_floor_ns = (before + after) / 2;
	if (record_is_pair(r))
		r->c2c_ratio = r->ns.median / r->c2c_floor_ns;
}

int goref_run(const struct goref *g, const struct goref_params *gp,
	      const struct topo *tp, const int *cpus, struct record *r,
	      const volatile sig_atomic_t *stop)
{
	char pattern[512], count[32], cpu[32], benchtime[64], *out;
	char *argv[10];
	cpu_set_t set;
	int bound = 0, status, timed_out;
	size_t cap = 65536;
	double floor_ns;
	(void)tp;
	CPU_ZERO(&set);
	for (int i = 0; i < r->threads; i++)
		if (cpus[i] >= 0 && cpus[i] < CPU_SETSIZE) {
			CPU_SET(cpus[i], &set);
			bound = 1;
		}
	r->cpus = malloc(sizeof(int) * (size_t)r->threads);
	r->samples = calloc((size_t)gp->repeat + 1, sizeof(double));
	out = malloc(cap);
	if (!r->cpus || !r->samples || !out) {
		free(out);
		r->status = REC_FAILED;
		snprintf(r->reason, sizeof(r->reason), "out of memory");
		return 0;
	}
	memcpy(r->cpus, cpus, sizeof(int) * (size_t)r->threads);
	bench_pattern(r->b, pattern, sizeof(pattern));
	snprintf(count, sizeof(count), "-test.count=%d", gp->repeat);
	snprintf(cpu, sizeof(cpu), "-test.cpu=%d", r->threads);
	snprintf(benchtime, sizeof(benchtime), "-test.benchtime=%gs",
		 gp->time_s);
	argv[0] = (char *)g->path;
	argv[1] = "-test.run=^$";
	argv[2] = "-test.bench";
	argv[3] = pattern;
	argv[4] = "-test.benchmem";
	argv[5] = count;
	argv[6] = cpu;
	argv[7] = benchtime;
	argv[8] = NULL;
	floor_ns = case_floor(r, cpus);
	status = run_capture(argv, bound ? &set : NULL, out, cap, gp->timeout_s,
			     stop, &timed_out);
	if (*stop) {
		free(out);
		return 1;
	}
	snprintf(r->note, sizeof(r->note),
		 "Go: GOMAXPROCS=%d, %s; goroutines are not pinned one by one",
		 r->threads,
		 bound ? "process bound to the placement's CPUs"
		       : "process unbound");
	ingest(out, r, gp->repeat);
	free(out);
	set_floor(r, floor_ns, case_floor(r, cpus));
	if (timed_out) {
		r->status = REC_TIMEOUT;
		snprintf(r->reason, sizeof(r->reason),
			 "Go benchmark timed out after %g s; killed",
			 gp->timeout_s);
	} else if (r->nsamples != gp->repeat) {
		r->status = REC_FAILED;
		snprintf(r->reason, sizeof(r->reason),
			 "Go benchmark %.120s gave %d of %d samples (exit "
			 "status "
			 "%d)",
			 pattern, r->nsamples, gp->repeat,
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	return 0;
}
