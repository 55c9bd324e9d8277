#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "list.h"

void options_init(struct options *o, int argc, char **argv)
{
	memset(o, 0, sizeof(*o));
	o->formats = 1u; /* report_writers[0]: the tables */
	o->argc = argc;
	o->argv = argv;
	counters_parse("default", o->wanted_counters, NULL);
}

void options_free(struct options *o)
{
	free(o->placements);
	o->placements = NULL;
}

static int parse_count(const char **p, int *out)
{
	char *end;
	long v;
	if (!isdigit((unsigned char)**p))
		return -1;
	errno = 0;
	v = strtol(*p, &end, 10);
	if (errno || v < 1 || v > 65536)
		return -1;
	*out = (int)v;
	*p = end;
	return 0;
}

int parse_thread_list(const char *s, int *out, int max, struct err *e)
{
	const char *p = s;
	int n = 0;
	if (!*s)
		return err_set(e, "empty thread list");
	for (;;) {
		int lo, hi;
		if (!strncmp(p, "all", 3) && (p[3] == ',' || !p[3])) {
			lo = hi = THREADS_ALL;
			p += 3;
		} else if (parse_count(&p, &lo) != 0) {
			return err_set(e,
				       "malformed thread list '%s' (counts 1 "
				       "to 65536: 1,2,4 or 1-8 or all)",
				       s);
		} else {
			hi = lo;
			if (*p == '-' &&
			    (p++, parse_count(&p, &hi) != 0 || hi < lo))
				return err_set(e, "malformed thread list '%s'",
					       s);
		}
		for (int t = lo; t <= hi; t++) {
			if (n == max)
				return err_set(e, "thread list '%s' too long",
					       s);
			out[n++] = t;
		}
		if (!*p)
			return n;
		if (*p++ != ',')
			return err_set(e, "malformed thread list '%s'", s);
	}
}

static int parse_duration(const char *s, const char *what, double *out,
			  int allow_zero, struct err *e)
{
	char *end;
	double v, scale = 1;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno)
		return err_set(e, "bad %s '%s' (seconds, e.g. 0.5 or 200ms)",
			       what, s);
	if (strcmp(end, "ms") == 0)
		scale = 1e-3;
	else if (strcmp(end, "us") == 0)
		scale = 1e-6;
	else if (*end && strcmp(end, "s") != 0)
		return err_set(e, "bad %s '%s' (seconds, e.g. 0.5 or 200ms)",
			       what, s);
	v *= scale;
	if (!isfinite(v) || v < 0 || (v == 0 && !allow_zero) || v > 86400)
		return err_set(e, "bad %s '%s': must be %s and at most a day",
			       what, s, allow_zero ? ">= 0" : "> 0");
	*out = v;
	return 0;
}

int parse_seconds(const char *s, const char *what, double *out, struct err *e)
{
	return parse_duration(s, what, out, 0, e);
}

int parse_seconds_or_zero(const char *s, const char *what, double *out,
			  struct err *e)
{
	return parse_duration(s, what, out, 1, e);
}

int parse_positive_int(const char *s, const char *what, int *out, struct err *e)
{
	const char *p = s;
	if (parse_count(&p, out) != 0 || *p)
		return err_set(e, "bad %s '%s': a whole number from 1 to 65536",
			       what, s);
	return 0;
}

static void default_threads(struct options *o, int npus)
{
	o->nthreads = 0;
	o->threads[o->nthreads++] = 1;
	if (o->mode == MODE_FULL)
		for (int t = 2; t < npus; t *= 2)
			o->threads[o->nthreads++] = t;
	if (npus > 1)
		o->threads[o->nthreads++] = npus;
}

static void default_timing(struct options *o)
{
	static const struct {
		double time_s, warmup_s;
		int repeat;
	} modes[] = {
		[MODE_DEFAULT] = {0.2, 0.05, 10},
		[MODE_QUICK] = {0.1, 0.02, 6},
		[MODE_FULL] = {0.5, 0.1, 10},
	};
	if (!o->time_set)
		o->time_s = modes[o->mode].time_s;
	if (!o->warmup_set)
		o->warmup_s = modes[o->mode].warmup_s;
	if (!o->repeat_set)
		o->repeat = modes[o->mode].repeat;
	/* never unbounded: room for calibration, warmup and every sample ten
	 * times over, plus thread start-up */
	if (!o->timeout_set)
		o->timeout_s =
			30 + 10 * (o->time_s * (o->repeat + 3) + o->warmup_s);
}

int options_resolve(struct options *o, int npus, struct err *e)
{
	int n = 0;
	default_timing(o);
	if (o->nthreads == 0)
		default_threads(o, npus);
	for (int i = 0; i < o->nthreads; i++) {
		int t = o->threads[i] == THREADS_ALL ? npus : o->threads[i];
		int dup = 0;
		if (t > npus && !o->oversubscribe)
			return err_set(e,
				       "%d threads but only %d CPUs allowed "
				       "(use --oversubscribe)",
				       t, npus);
		for (int j = 0; j < n; j++)
			dup |= o->threads[j] == t;
		if (!dup)
			o->threads[n++] = t;
	}
	o->nthreads = n;
	return 0;
}

int options_parse_run(struct options *o, int c, const char *arg, struct err *e)
{
	switch (c) {
	case OPTS_TIME:
		o->time_set = 1;
		return parse_seconds(arg, "--time", &o->time_s, e);
	case OPTS_WARMUP:
		o->warmup_set = 1;
		return parse_seconds_or_zero(arg, "--warmup", &o->warmup_s, e);
	case OPTS_TIMEOUT:
		o->timeout_set = 1;
		return parse_seconds(arg, "--timeout", &o->timeout_s, e);
	case OPTS_REPEAT:
		o->repeat_set = 1;
		return parse_positive_int(arg, "--repeat", &o->repeat, e);
	case OPTS_OUT:
		o->out = arg;
		return *arg ? 0
			    : err_set(e, "empty --out (a file, a directory "
					 "or none)");
	case OPTS_QUICK:
		if (o->mode == MODE_FULL)
			return err_set(e, "--quick and --full exclude each "
					  "other");
		o->mode = MODE_QUICK;
		return 0;
	case OPTS_NOPROGRESS:
		o->progress = 0;
		return 0;
	case OPTS_NOISOLATE:
		o->no_isolate = 1;
		return 0;
	case OPTS_NORERUN:
		o->no_rerun = 1;
		return 0;
	case OPTS_FORCE:
		o->force = 1;
		return 0;
	case OPTS_BOUND:
		if (strcmp(arg, "time") != 0 && strcmp(arg, "count") != 0)
			return err_set(e,
				       "bad --bound '%s' (time: threads that "
				       "never wait for each other run for the "
				       "same time, the default; count: every "
				       "thread runs the same count)",
				       arg);
		o->count_bound = strcmp(arg, "count") == 0;
		return 0;
	default:
		return err_set(e, "internal: option %d", c);
	}
}
