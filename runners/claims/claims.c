/* Reading the claim file (claims.h): each claim checked field by field, so
 * a wrong file is one line naming the claim and the field. */
#include "claims.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#include "report.h"

#ifndef CONTEND_DATADIR
#define CONTEND_DATADIR "/usr/local/share/contend"
#endif

#define CLAIM_FILE "claims/article.json"

int claims_default_path(char *out, size_t len, struct err *e)
{
	char exe[4096], *slash;
	ssize_t n;
	if (!out || len == 0)
		return err_set(e, "internal: no room for the claim file path");
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		snprintf(out, len, "%.3900s/bench/" CLAIM_FILE, exe);
		if (access(out, R_OK) == 0)
			return 0;
	}
	snprintf(out, len, "%s/" CLAIM_FILE, CONTEND_DATADIR);
	if (access(out, R_OK) == 0)
		return 0;
	return err_set(e,
		       "no claim file beside contend (bench/" CLAIM_FILE
		       ") or in %s (give one with --claims FILE)",
		       CONTEND_DATADIR);
}

/* What a field lookup reports when the field is wrong. */
struct where {
	const char *path;
	const char *claim; /* the claim's id, or NULL at the top level */
	struct err *e;
};

static int bad(const struct where *w, const char *key, const char *problem)
{
	if (w->claim)
		return err_set(w->e, "%s: claim '%s': '%s' %s", w->path,
			       w->claim, key, problem);
	return err_set(w->e, "%s: '%s' %s", w->path, key, problem);
}

/* A string field; *out stays NULL when absent and not required. */
static int str_field(json_t *o, const char *key, int required, const char **out,
		     const struct where *w)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v && !required)
		return 0;
	if (!json_is_string(v)) {
		bad(w, key, v ? "is not a string" : "is missing");
		return -1;
	}
	*out = json_string_value(v);
	return *out ? 0 : -1;
}

static int num_field(json_t *o, const char *key, double *out, int *present,
		     const struct where *w)
{
	json_t *v = json_object_get(o, key);
	*present = v != NULL;
	if (!v)
		return 0;
	if (!json_is_number(v) || !isfinite(json_number_value(v)))
		return bad(w, key, "is not a number");
	*out = json_number_value(v);
	return 0;
}

static int int_field(json_t *o, const char *key, int *out, int required,
		     const struct where *w)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return required ? bad(w, key, "is missing") : 0;
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > 65536)
		return bad(w, key, "is not a thread count (1 to 65536)");
	*out = (int)json_integer_value(v);
	return 0;
}

static enum claim_metric metric_of(const char *s)
{
	if (!s)
		return METRIC_OTHER;
	if (!strcmp(s, "ns_per_op"))
		return METRIC_NS;
	if (!strcmp(s, "bytes_per_op"))
		return METRIC_BYTES;
	if (!strcmp(s, "allocs_per_op"))
		return METRIC_ALLOCS;
	return METRIC_OTHER;
}

/* The unit a comparable figure must be in: what the metric measures. */
static const char *metric_unit(enum claim_metric m)
{
	return m == METRIC_NS ? "ns" : m == METRIC_BYTES ? "B" : "allocs";
}

static int params_field(json_t *o, const char *key, json_t **out,
			const struct where *w)
{
	json_t *v = json_object_get(o, key);
	const char *k;
	json_t *x;
	*out = v;
	if (!v)
		return bad(w, key, "is missing");
	if (!json_is_object(v))
		return bad(w, key, "is not an object");
	json_object_foreach(v, k, x)
	{
		if (!json_is_integer(x) && !json_is_string(x))
			return bad(w, key,
				   "has a value that is neither a whole number "
				   "nor a string");
	}
	return 0;
}

static int impls_field(json_t *o, struct claim_rows *r, const struct where *w)
{
	json_t *v = json_object_get(o, "c_impls"), *x;
	size_t i;
	if (!v)
		return 0;
	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > CLAIM_MAX_IMPLS)
		return bad(w, "c_impls", "is not a list of 1 to 16 names");
	json_array_foreach(v, i, x)
	{
		if (!json_is_string(x))
			return bad(w, "c_impls",
				   "has a name that is not a "
				   "string");
		r->c_impls[r->nc_impls++] = json_string_value(x);
	}
	return 0;
}

static int minus_field(json_t *o, struct claim_rows *r, const struct where *w)
{
	json_t *m = json_object_get(o, "minus");
	int has_per = 0;
	r->per = 1;
	if (num_field(o, "per", &r->per, &has_per, w) != 0)
		return -1;
	if (has_per && !(r->per > 0))
		return bad(w, "per", "is not a positive number");
	if (!m)
		return 0;
	if (!json_is_object(m))
		return bad(w, "minus", "is not an object");
	if (params_field(m, "params", &r->minus_params, w) != 0 ||
	    str_field(m, "c_impl", 1, &r->minus_c_impl, w) != 0)
		return -1;
	return 0;
}

static int rows_field(json_t *o, struct claim *c, const struct where *w)
{
	json_t *rows = json_object_get(o, "rows");
	if (!rows)
		return 0;
	if (!json_is_object(rows))
		return bad(w, "rows", "is not an object");
	c->has_rows = 1;
	if (str_field(rows, "benchmark", 1, &c->rows.benchmark, w) != 0 ||
	    params_field(rows, "params", &c->rows.params, w) != 0 ||
	    impls_field(rows, &c->rows, w) != 0 ||
	    minus_field(rows, &c->rows, w) != 0)
		return -1;
	return 0;
}

static int text_fields(json_t *o, struct claim *c, const struct where *w)
{
	const char *metric;
	if (str_field(o, "section", 1, &c->section, w) != 0 ||
	    str_field(o, "subject", 1, &c->subject, w) != 0 ||
	    str_field(o, "quote", 1, &c->quote, w) != 0 ||
	    str_field(o, "unit", 1, &c->unit, w) != 0 ||
	    str_field(o, "workload", 1, &c->workload, w) != 0 ||
	    str_field(o, "conditions", 1, &c->conditions, w) != 0 ||
	    str_field(o, "note", 0, &c->note, w) != 0 ||
	    str_field(o, "label", 0, &c->label, w) != 0 ||
	    str_field(o, "not_comparable", 0, &c->not_comparable, w) != 0 ||
	    str_field(o, "figure_text", 0, &c->figure_text, w) != 0 ||
	    str_field(o, "metric", 1, &metric, w) != 0)
		return -1;
	c->metric = metric_of(metric);
	if (c->not_comparable && !*c->not_comparable)
		return bad(w, "not_comparable", "is empty (give the reason)");
	return 0;
}

/* What makes a claim comparable: a number in the unit its rows measure. */
static int check_consistent(const struct claim *c, const struct where *w)
{
	if (c->has_rows && c->metric == METRIC_OTHER)
		return bad(w, "metric",
			   "is not ns_per_op, bytes_per_op or allocs_per_op");
	if (c->not_comparable)
		return c->has_figure || c->figure_text
			       ? 0
			       : bad(w, "figure",
				     "and figure_text are missing");
	if (!c->has_figure)
		return bad(w, "figure",
			   "is missing (a claim without one is "
			   "not_comparable)");
	if (!c->has_rows)
		return bad(w, "rows",
			   "are missing (a claim without them is "
			   "not_comparable)");
	if (strncmp(c->unit, metric_unit(c->metric),
		    strlen(metric_unit(c->metric))) != 0)
		return bad(w, "unit", "is not the unit its metric measures");
	return 0;
}

static int claim_parse(json_t *o, struct claim *c, struct where *w)
{
	if (!json_is_object(o))
		return err_set(w->e, "%s: a claim is not an object", w->path);
	w->claim = NULL;
	if (str_field(o, "id", 1, &c->id, w) != 0)
		return -1;
	w->claim = c->id;
	if (text_fields(o, c, w) != 0 ||
	    num_field(o, "figure", &c->figure, &c->has_figure, w) != 0 ||
	    int_field(o, "threads", &c->threads, 1, w) != 0)
		return -1;
	c->measure_threads = c->threads;
	if (int_field(o, "measure_threads", &c->measure_threads, 0, w) != 0 ||
	    rows_field(o, c, w) != 0)
		return -1;
	return check_consistent(c, w);
}

static int top_fields(struct claim_set *cs, struct where *w)
{
	json_t *doc = cs->doc;
	const char *schema;
	int present;
	if (!json_is_object(doc))
		return err_set(w->e, "%s: not a claim file (not an object)",
			       w->path);
	if (str_field(doc, "schema", 1, &schema, w) != 0)
		return -1;
	if (strcmp(schema, CLAIMS_SCHEMA) != 0)
		return err_set(w->e, "%s: schema '%s' is not %s", w->path,
			       schema, CLAIMS_SCHEMA);
	if (str_field(doc, "title", 1, &cs->title, w) != 0 ||
	    num_field(doc, "tolerance", &cs->tolerance, &present, w) != 0)
		return -1;
	if (!present || cs->tolerance < 1)
		return bad(w, "tolerance", "is not a factor of 1 or more");
	cs->zero_below = 0;
	if (num_field(doc, "zero_below", &cs->zero_below, &present, w) != 0)
		return -1;
	return 0;
}

static int unique_ids(const struct claim_set *cs, const struct where *w)
{
	for (size_t i = 0; i < cs->n; i++) {
		const char *id = cs->claims[i].id;
		for (size_t j = 0; id && j < i; j++)
			if (cs->claims[j].id && !strcmp(id, cs->claims[j].id))
				return err_set(w->e, "%s: claim id '%s' twice",
					       w->path, id);
	}
	return 0;
}

int claims_load(const char *path, struct claim_set *cs, struct err *e)
{
	json_error_t je;
	json_t *list, *o;
	size_t i;
	struct where w = {path, NULL, e};
	memset(cs, 0, sizeof(*cs));
	snprintf(cs->path, sizeof(cs->path), "%s", path);
	if (access(path, R_OK) != 0)
		return err_set(e, "cannot read claim file '%s'", path);
	cs->doc = json_load_file(path, 0, &je);
	if (!cs->doc)
		return err_set(e, "%s: not JSON: %s (line %d)", path, je.text,
			       je.line);
	if (top_fields(cs, &w) != 0)
		return -1;
	list = json_object_get(cs->doc, "claims");
	if (!json_is_array(list) || json_array_size(list) == 0)
		return bad(&w, "claims", "is not a list of claims");
	cs->claims = calloc(json_array_size(list), sizeof(*cs->claims));
	if (!cs->claims)
		return err_set(e, "out of memory");
	json_array_foreach(list, i, o)
	{
		if (claim_parse(o, &cs->claims[i], &w) != 0)
			return -1;
		cs->n = i + 1;
	}
	return unique_ids(cs, &w);
}

void claims_free(struct claim_set *cs)
{
	free(cs->claims);
	json_decref(cs->doc);
	memset(cs, 0, sizeof(*cs));
}

static int same_params(const struct bench *b, json_t *params)
{
	json_t *p = report_params_json(b->params);
	int eq = json_equal(p, params);
	json_decref(p);
	return eq;
}

static int listed(const struct claim_rows *r, const char *impl)
{
	if (r->nc_impls == 0)
		return 1;
	for (int i = 0; i < r->nc_impls; i++)
		if (!strcmp(r->c_impls[i], impl))
			return 1;
	return 0;
}

int claims_wants(const struct claim *c, const struct bench *b)
{
	const struct claim_rows *r = &c->rows;
	if (!c->has_rows || strcmp(b->name, r->benchmark) != 0)
		return 0;
	if (same_params(b, r->params) && listed(r, b->impl))
		return 1;
	return r->minus_params && !strcmp(b->impl, r->minus_c_impl) &&
	       same_params(b, r->minus_params);
}

int claims_threads(const struct claim *c, const struct bench *b, int npus)
{
	if (b->flags & BENCH_PAIR)
		return 2;
	if (b->flags & BENCH_SINGLE)
		return 1;
	return c->measure_threads < npus ? c->measure_threads : npus;
}

/* -1 naming the claim when no registered benchmark matches name, params
 * and (when given) impl. */
static int find_row(const struct claim *c, const struct bench **all, size_t n,
		    json_t *params, const char *impl, const char *path,
		    struct err *e)
{
	char *p;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(all[i]->name, c->rows.benchmark) &&
		    (!impl || !strcmp(all[i]->impl, impl)) &&
		    same_params(all[i], params))
			return 0;
	p = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
	err_set(e,
		"%s: claim '%s': no benchmark %s%s%s with params %s (see "
		"contend list)",
		path, c->id, c->rows.benchmark, impl ? " impl " : "",
		impl ? impl : "", p ? p : "?");
	free(p);
	return -1;
}

int claims_check(const struct claim_set *cs, const struct bench **all, size_t n,
		 struct err *e)
{
	for (size_t i = 0; i < cs->n; i++) {
		const struct claim *c = &cs->claims[i];
		const struct claim_rows *r = &c->rows;
		if (!c->has_rows)
			continue;
		if (find_row(c, all, n, r->params, NULL, cs->path, e) != 0)
			return -1;
		for (int k = 0; k < r->nc_impls; k++)
			if (find_row(c, all, n, r->params, r->c_impls[k],
				     cs->path, e) != 0)
				return -1;
		if (r->minus_params &&
		    find_row(c, all, n, r->minus_params, r->minus_c_impl,
			     cs->path, e) != 0)
			return -1;
	}
	return 0;
}
