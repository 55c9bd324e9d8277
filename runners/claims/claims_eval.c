/* Verdicts (claims.h): for each claim, the records of its rows at one
 * thread count, Go's figure and the best C implementation's, the ratio of
 * Go's to the article's, and what that says. Records are read from a
 * results document, so a file read and a run just made are judged alike. */
#include <math.h>
#include <string.h>

#include "claims.h"
#include "report.h"
#include "results_check.h"

static const char *str_of(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The records of one benchmark and params at one thread count. */
struct query {
	json_t *results;
	const char *bench;
	json_t *params;
	int threads;
	enum claim_metric metric;
};

static int matches(json_t *r, const struct query *q)
{
	json_t *p = json_object_get(r, "params");
	json_t *none = NULL;
	int eq;
	if (strcmp(str_of(r, "benchmark"), q->bench) != 0 ||
	    json_integer_value(json_object_get(r, "threads")) != q->threads)
		return 0;
	if (!p)
		p = none = json_object();
	eq = json_equal(p, q->params);
	json_decref(none);
	return eq;
}

/* 1 with *v when r measured the metric; else 0 with why in buf. */
static int rec_value(json_t *r, enum claim_metric m, double *v, char *buf,
		     size_t len)
{
	const char *status = str_of(r, "status"), *reason = str_of(r, "reason");
	json_t *x;
	if (strcmp(status, "ok") != 0) {
		snprintf(buf, len, "%s%s%.280s", status,
			 reason && *reason ? ": " : "", reason ? reason : "");
		return 0;
	}
	if (m == METRIC_NS)
		x = json_object_get(json_object_get(r, "ns_per_op"), "median");
	else
		x = json_object_get(r, m == METRIC_BYTES ? "bytes_per_op"
							 : "allocs_per_op");
	if (!json_is_number(x)) {
		snprintf(buf, len, "n/a (not measured)");
		return 0;
	}
	*v = json_number_value(x);
	return 1;
}

static void params_text(json_t *params, char *buf, size_t len)
{
	const char *k;
	json_t *v;
	size_t n = 0;
	buf[0] = '\0';
	json_object_foreach(params, k, v)
	{
		if (n + 1 >= len)
			break;
		if (json_is_integer(v))
			n += (size_t)snprintf(buf + n, len - n, "%s%s=%lld",
					      n ? "," : "", k,
					      (long long)json_integer_value(v));
		else
			n += (size_t)snprintf(buf + n, len - n, "%s%s=%s",
					      n ? "," : "", k,
					      json_string_value(v));
	}
}

/* The lowest value among impl's records (several placements); else why
 * none: its first record's status, or that there is none. */
static void best_of(const struct query *q, const char *impl,
		    struct claim_side *s)
{
	json_t *r;
	size_t i;
	int found = 0;
	memset(s, 0, sizeof(*s));
	snprintf(s->impl, sizeof(s->impl), "%s", impl);
	json_array_foreach(q->results, i, r)
	{
		double v;
		char why[300];
		if (strcmp(str_of(r, "impl"), impl) != 0 || !matches(r, q))
			continue;
		if (rec_value(r, q->metric, &v, why, sizeof(why))) {
			if (!s->ok || v < s->value) {
				s->value = v;
				/* a time's spread: B/op is exact */
				s->noisy = q->metric == METRIC_NS &&
					   json_is_true(
						   json_object_get(r, "noisy"));
				snprintf(s->placement, sizeof(s->placement),
					 "%s",
					 str_of(r, "placement")
						 ? str_of(r, "placement")
						 : "");
			}
			s->ok = 1;
		} else if (!found) {
			snprintf(s->status, sizeof(s->status), "%s %s", impl,
				 why);
			snprintf(s->state, sizeof(s->state), "%.*s",
				 (int)strcspn(why, ": "), why);
		}
		found = 1;
	}
	if (s->ok)
		snprintf(s->state, sizeof(s->state), "ok");
	if (!found) {
		char p[128];
		snprintf(s->state, sizeof(s->state), "missing");
		params_text(q->params, p, sizeof(p));
		if (q->threads)
			snprintf(s->status, sizeof(s->status),
				 "no %s row for %s %s at %d thread%s", impl,
				 q->bench, p, q->threads,
				 q->threads == 1 ? "" : "s");
		else
			snprintf(s->status, sizeof(s->status),
				 "no %s row for %s %s in these results", impl,
				 q->bench, p);
	}
}

/* One implementation's figure: its row's value, or the difference to the
 * baseline row's, divided by per. */
static void side_of(const struct claim_rows *rows, struct query *q,
		    const char *impl, const char *base_impl,
		    struct claim_side *s)
{
	struct claim_side base;
	q->params = rows->params;
	best_of(q, impl, s);
	if (s->ok && rows->minus_params) {
		q->params = rows->minus_params;
		best_of(q, base_impl, &base);
		if (!base.ok) {
			s->ok = 0;
			snprintf(s->status, sizeof(s->status), "%s",
				 base.status);
			snprintf(s->state, sizeof(s->state), "%s", base.state);
		}
		s->value -= base.value;
		s->noisy |= base.noisy;
	}
	s->value /= rows->per;
}

/* A row Go's runtime measured: its runtime says so; files written before
 * the field name Go's rows go or go-locked. */
static int is_go(json_t *r)
{
	json_t *rt = json_object_get(r, "runtime");
	const char *impl = str_of(r, "impl");
	if (json_is_string(rt))
		return !strcmp(json_string_value(rt), "go");
	return !strcmp(impl, "go") || !strcmp(impl, "go-locked");
}

static void keep_lower(struct claim_side *best, const struct claim_side *s,
		       int *any)
{
	if (!*any || (s->ok && (!best->ok || s->value < best->value)))
		*best = *s;
	*any = 1;
}

/* The C implementations to compare: the listed ones, or every C impl
 * with a record of the rows. Returns how many (at most max). */
static int c_impls(const struct claim_rows *rows, struct query *q,
		   const char **out, int max)
{
	json_t *r;
	size_t i;
	int n = 0;
	for (int k = 0; k < rows->nc_impls && n < max; k++)
		out[n++] = rows->c_impls[k];
	if (rows->nc_impls)
		return n;
	q->params = rows->params;
	json_array_foreach(q->results, i, r)
	{
		const char *impl = str_of(r, "impl");
		int dup = 0;
		if (is_go(r) || !matches(r, q))
			continue;
		for (int k = 0; k < n && !dup; k++)
			dup = !strcmp(out[k], impl);
		if (!dup && n < max)
			out[n++] = impl;
	}
	return n;
}

/* The best C implementation: the lowest figure among them. */
static void best_c(const struct claim_rows *rows, struct query *q,
		   struct claim_side *out)
{
	const char *impls[64];
	struct claim_side s;
	int any = 0, n = c_impls(rows, q, impls, 64);
	memset(out, 0, sizeof(*out));
	for (int k = 0; k < n; k++) {
		side_of(rows, q, impls[k], rows->minus_c_impl, &s);
		keep_lower(out, &s, &any);
	}
	if (!any) { /* says there is no C row */
		q->params = rows->params;
		best_of(q, "C", out);
	}
}

/* The most threads up to target that the rows were measured at (else the
 * fewest above it: a pair workload on one CPU); 0 when none. */
static int pick_threads(json_t *results, const struct claim_rows *rows,
			int target)
{
	int below = 0, above = 0;
	json_t *r, *p, *none;
	size_t i;
	json_array_foreach(results, i, r)
	{
		int t = (int)json_integer_value(json_object_get(r, "threads"));
		p = json_object_get(r, "params");
		none = p ? NULL : json_object();
		if (!strcmp(str_of(r, "benchmark"), rows->benchmark) &&
		    json_equal(p ? p : none, rows->params)) {
			if (t <= target && t > below)
				below = t;
			if (t > target && (!above || t < above))
				above = t;
		}
		json_decref(none);
	}
	return below ? below : above;
}

static int any_go(json_t *results)
{
	json_t *r;
	size_t i;
	json_array_foreach(results, i, r)
	{
		if (is_go(r))
			return 1;
	}
	return 0;
}

/* A count per op (B/op, allocs/op) below zero_below is what go test
 * prints as 0; a time is 0 only when it is. */
static int reads_zero(const struct claim_set *cs, const struct claim *c,
		      double v)
{
	if (c->metric == METRIC_BYTES || c->metric == METRIC_ALLOCS)
		return fabs(v) < cs->zero_below;
	return v == 0;
}

/* Go's figure against the article's: within the tolerance, off by a
 * factor, or off outright (a zero against a figure, a figure against a
 * zero, a difference of two rows that came out negative). */
static void judge_number(const struct claim_set *cs, struct claim_result *res)
{
	const struct claim *c = res->c;
	double t = cs->tolerance, v = res->go.value, off;
	char m[32], f[32], *out = res->verdict_text;
	size_t len = sizeof(res->verdict_text);
	fmt_num(m, sizeof(m), v);
	fmt_num(f, sizeof(f), c->figure);
	res->verdict = VERDICT_OFF;
	if (c->figure == 0) {
		if (!reads_zero(cs, c, v)) {
			snprintf(out, len, "off: %s here, not 0", m);
		} else {
			res->verdict = VERDICT_HOLDS;
			snprintf(out, len, "holds (%s here%s)", m,
				 v == 0 ? "" : " reads as 0");
		}
		return;
	}
	res->ratio = v / c->figure;
	off = fmax(res->ratio, 1 / res->ratio);
	if (reads_zero(cs, c, v) || res->ratio <= 0) {
		snprintf(out, len, "off: %s here, not %s", m, f);
	} else if (off <= t) {
		res->verdict = VERDICT_HOLDS;
		snprintf(out, len, "holds (within %gx)", t);
	} else {
		snprintf(out, len, "off by %.*fx", off < 9.95 ? 1 : 0, off);
	}
}

static void verdict_of(const struct claim_set *cs, struct claim_result *res)
{
	const struct claim *c = res->c;
	res->ratio = NAN;
	if (c->not_comparable) {
		res->verdict = VERDICT_NOT_COMPARABLE;
		snprintf(res->verdict_text, sizeof(res->verdict_text),
			 "not comparable: %.360s", c->not_comparable);
		return;
	}
	if (!res->go.ok) {
		res->verdict = VERDICT_MISSING;
		snprintf(res->verdict_text, sizeof(res->verdict_text),
			 "missing: %.380s", res->go.status);
		return;
	}
	judge_number(cs, res);
}

static void evaluate_one(const struct claim_set *cs, const struct claim *c,
			 json_t *results, int pus, struct claim_result *res)
{
	struct query q = {results, NULL, NULL, 0, c->metric};
	int target = c->measure_threads;
	memset(res, 0, sizeof(*res));
	res->c = c;
	if (c->has_rows) {
		if (pus > 0 && pus < target)
			target = pus;
		q.bench = c->rows.benchmark;
		q.threads = pick_threads(results, &c->rows, target);
		res->threads = q.threads;
		res->capped = q.threads && q.threads < c->measure_threads;
		side_of(&c->rows, &q, "go", "go", &res->go);
		if (!res->go.ok && !any_go(results))
			snprintf(res->go.status, sizeof(res->go.status),
				 "no Go rows in these results (contend claims "
				 "--with-go runs them)");
		best_c(&c->rows, &q, &res->best_c);
	} else {
		snprintf(res->go.status, sizeof(res->go.status), "no row");
		snprintf(res->best_c.status, sizeof(res->best_c.status),
			 "no row");
		snprintf(res->go.state, sizeof(res->go.state), "-");
		snprintf(res->best_c.state, sizeof(res->best_c.state), "-");
	}
	verdict_of(cs, res);
}

int claims_evaluate(const struct claim_set *cs, json_t *doc,
		    struct claims_eval *ev, struct err *e)
{
	json_t *machine = json_object_get(doc, "machine");
	json_t *pus =
		json_object_get(json_object_get(machine, "topology"), "pus");
	const char *id = str_of(machine, "id");
	if (results_check(doc, ev->source, e) != 0)
		return -1;
	snprintf(ev->machine, sizeof(ev->machine), "%s", id ? id : "unknown");
	ev->pus = json_is_integer(pus) ? (int)json_integer_value(pus) : 0;
	ev->r = calloc(cs->n ? cs->n : 1, sizeof(*ev->r));
	if (!ev->r)
		return err_set(e, "out of memory");
	ev->n = cs->n;
	for (size_t i = 0; i < cs->n; i++)
		evaluate_one(cs, &cs->claims[i],
			     json_object_get(doc, "results"), ev->pus,
			     &ev->r[i]);
	return 0;
}

void claims_eval_free(struct claims_eval *ev)
{
	free(ev->r);
	ev->r = NULL;
	ev->n = 0;
}
