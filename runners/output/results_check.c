/* What scripts/contend_results.py's load() checks, in its words: the
 * structure results/schema.json defines (the loader validates against it
 * with python3-jsonschema; this is that schema written out by hand), then
 * what the schema cannot say (nesting, the ci95 holding its median, no
 * case twice). Where the schema or a message there changes, change it
 * here: tests/test_readers_agree.py holds both readers to the same files
 * (tests/hostile/) and tests/hostile/expected.json to the same text. */
#include "results_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "shown.h"

/* No figure here comes near this (1e15 ns is eleven days per op): beyond
 * it a value is an edit, and sums of a few of them overflow to inf. */
#define MAX_VALUE 1e15
#define WHERE	  256 /* a field's path: results[12].fields.'name' */
/* The loader's MAX_DEPTH: deeper than any results file (they nest 5
 * levels); jansson alone takes 2048, Python's parser about 1000. */
#define MAX_DEPTH 64

static const char *const statuses[] = {"ok", "failed", "timeout", "skipped"};

struct check {
	const char *src;
	struct err *e;
};

static int bad(const struct check *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(const struct check *c, const char *fmt, ...)
{
	char problem[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap); // NOLINT: va_start above
	va_end(ap);
	return err_set(c->e, "%s: %s", c->src, problem);
}

/* What Python's type(v).__name__ says of the value json.loads makes. */
static const char *type_name(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "dict";
	case JSON_ARRAY:
		return "list";
	case JSON_STRING:
		return "str";
	case JSON_INTEGER:
		return "int";
	case JSON_REAL:
		return "float";
	case JSON_TRUE:
	case JSON_FALSE:
		return "bool";
	default:
		return "NoneType";
	}
}

/* _kind(): as type_name, but "null" for null. */
static const char *kind(json_t *v)
{
	return !v || json_is_null(v) ? "null" : type_name(v);
}

static int present(json_t *v)
{
	return v && !json_is_null(v);
}

/* _require: obj[key] exists and is of type t (JSON_NULL: any). */
static json_t *require(const struct check *c, json_t *obj, const char *key,
		       json_type t, const char *where)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	if (!v) {
		bad(c, "not a %s file: %s has no '%s'", RESULT_SCHEMA, where,
		    key);
		return NULL;
	}
	if (t != JSON_NULL && json_typeof(v) != t) {
		bad(c, "not a %s file: %s.%s is %s", RESULT_SCHEMA, where, key,
		    type_name(v));
		return NULL;
	}
	return v;
}

/* _object: an object, or (none_ok) absent or null. */
static int object(const struct check *c, json_t *v, const char *where,
		  int none_ok)
{
	if ((!present(v) && none_ok) || json_is_object(v))
		return 0;
	return bad(c, "%s is %s, not an object", where, kind(v));
}

/* _strings: the named fields of obj that are present: string or null. */
static int strings(const struct check *c, json_t *obj, const char *where,
		   const char *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_object_get(obj, keys[i]);
		if (present(v) && !json_is_string(v))
			return bad(c, "%s.%s is %s, not a string", where,
				   keys[i], kind(v));
	}
	return 0;
}

static int string_list(const struct check *c, json_t *v, const char *where)
{
	json_t *x;
	size_t i;
	if (!present(v))
		return 0;
	if (!json_is_array(v))
		return bad(c, "%s is not a list of strings", where);
	json_array_foreach(v, i, x)
	{
		if (!json_is_string(x))
			return bad(c, "%s is not a list of strings", where);
	}
	return 0;
}

/* _number: a finite number from 0 to MAX_VALUE (NaN and Infinity never
 * get here: they are not JSON, and results_parse refuses them). */
static int number(const struct check *c, json_t *v, const char *where,
		  int none_ok)
{
	char text[48];
	double x;
	if (!present(v) && none_ok)
		return 0;
	if (!json_is_number(v))
		return bad(c, "%s is %s, not a number", where, kind(v));
	x = json_number_value(v);
	if (x < 0) {
		shown_value(text, sizeof(text), v, 0);
		return bad(c, "%s is negative (%s)", where, text);
	}
	if (x > MAX_VALUE)
		return bad(c,
			   "%s is %g, beyond any figure measured here (over "
			   "%g)",
			   where, x, MAX_VALUE);
	return 0;
}

static int numbers(const struct check *c, json_t *v, const char *where,
		   int none_ok)
{
	char at[WHERE + 24];
	json_t *x;
	size_t i;
	if (!json_is_array(v))
		return bad(c, "%s is %s, not a list", where, kind(v));
	json_array_foreach(v, i, x)
	{
		snprintf(at, sizeof(at), "%s[%zu]", where, i);
		if (number(c, x, at, none_ok) != 0)
			return -1;
	}
	return 0;
}

/* A field of obj as the Python names it: where.key */
static const char *field(char *buf, size_t len, const char *where,
			 const char *key)
{
	snprintf(buf, len, "%s.%s", where, key);
	return buf;
}

/* _optional: the named fields of obj that are present and not null. */
struct optional {
	const char *const *numbers,
		*const *counts, *const *ints, *const *lists,
						      *const *bools,
							      *const *gappy;
};

static int is_int(json_t *v)
{
	return json_is_integer(v); /* jansson keeps true and false apart */
}

static int optional(const struct check *c, json_t *obj, const char *where,
		    const struct optional *o)
{
	char at[WHERE + 64], text[96];
	for (const char *const *k = o->numbers; k && *k; k++)
		if (number(c, json_object_get(obj, *k),
			   field(at, sizeof(at), where, *k), 1) != 0)
			return -1;
	for (int pass = 0; pass < 2; pass++)
		for (const char *const *k = pass ? o->ints : o->counts; k && *k;
		     k++) {
			json_t *v = json_object_get(obj, *k);
			if (!present(v) ||
			    (is_int(v) && (pass || json_integer_value(v) >= 0)))
				continue;
			shown_value(text, sizeof(text), v, 0);
			return bad(c, "%s.%s is %s, not a count", where, *k,
				   text);
		}
	for (int pass = 0; pass < 2; pass++)
		for (const char *const *k = pass ? o->gappy : o->lists; k && *k;
		     k++) {
			json_t *v = json_object_get(obj, *k);
			if (present(v) &&
			    numbers(c, v, field(at, sizeof(at), where, *k),
				    pass) != 0)
				return -1;
		}
	for (const char *const *k = o->bools; k && *k; k++) {
		json_t *v = json_object_get(obj, *k);
		if (present(v) && !json_is_boolean(v))
			return bad(c, "%s.%s is %s, not true or false", where,
				   *k, kind(v));
	}
	return 0;
}

/* where.name: absent, null, or an object whose fields o describes. */
static int optional_object(const struct check *c, json_t *r, const char *where,
			   const char *name, const struct optional *o)
{
	json_t *v = json_object_get(r, name);
	char at[WHERE + 16];
	if (!present(v))
		return 0;
	snprintf(at, sizeof(at), "%s.%s", where, name);
	if (!json_is_object(v))
		return bad(c, "%s is %s, not an object", at, kind(v));
	return optional(c, v, at, o);
}

static int check_machine(const struct check *c, json_t *machine)
{
	static const char *const mstr[] = {"hostname", "compiler", "cflags"};
	static const char *const cstr[] = {"vendor", "brand", "codename",
					   "uarch"};
	static const char *const mbool[] = {"emulated", NULL};
	static const struct optional mopt = {.bools = mbool};
	json_t *cpu = json_object_get(machine, "cpu");
	if (strings(c, machine, "machine", mstr, 3) != 0 ||
	    optional(c, machine, "machine", &mopt) != 0 ||
	    object(c, cpu, "machine.cpu", 1) != 0 ||
	    strings(c, cpu, "machine.cpu", cstr, 4) != 0 ||
	    number(c, json_object_get(cpu, "pause_ns"), "machine.cpu.pause_ns",
		   1) != 0 ||
	    object(c, json_object_get(cpu, "caches"), "machine.cpu.caches",
		   1) != 0 ||
	    string_list(c, json_object_get(cpu, "flags"),
			"machine.cpu.flags") != 0 ||
	    object(c, json_object_get(machine, "topology"), "machine.topology",
		   1) != 0 ||
	    object(c, json_object_get(machine, "os"), "machine.os", 1) != 0)
		return -1;
	return 0;
}

/* [A-Za-z0-9][A-Za-z0-9._-]{0,127}: one plain file-name component (the
 * id names results/<id>/ and the scripts' files). */
static int ascii_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9');
}

static int safe_name(const char *s, size_t n)
{
	if (n < 1 || n > 128 || !ascii_alnum(s[0]) || strlen(s) != n)
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!ascii_alnum(s[i]) && s[i] != '.' && s[i] != '_' &&
		    s[i] != '-')
			return 0;
	return 1;
}

static int digits(const char **p, int n)
{
	for (int i = 0; i < n; i++, (*p)++)
		if (**p < '0' || **p > '9')
			return 0;
	return 1;
}

/* YYYY-MM-DDTHH:MM:SS(.fraction)?Z, ASCII digits */
static int utc_time(const char *s)
{
	const char *p = s;
	static const struct {
		int n;
		char after;
	} parts[] = {{4, '-'}, {2, '-'}, {2, 'T'}, {2, ':'}, {2, ':'}, {2, 0}};
	for (size_t i = 0; i < sizeof(parts) / sizeof(*parts); i++) {
		if (!digits(&p, parts[i].n))
			return 0;
		if (parts[i].after && *p++ != parts[i].after)
			return 0;
	}
	if (*p == '.') {
		const char *q = ++p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == q)
			return 0;
	}
	return p[0] == 'Z' && p[1] == '\0';
}

static int check_run_extras(const struct check *c, json_t *run)
{
	static const char *const inum[] = {"max", NULL};
	static const char *const icount[] = {"cases", "disturbed", "rerun",
					     "shifted", NULL};
	static const char *const cnum[] = {"t_s", "ref_ns", "c2c_ns", NULL};
	static const char *const cint[] = {"after_case", NULL};
	static const char *const clist[] = {"ref_samples", NULL};
	const struct optional io = {.numbers = inum, .counts = icount};
	const struct optional co = {
		.numbers = cnum, .ints = cint, .lists = clist};
	json_t *controls = json_object_get(run, "controls"), *x;
	size_t i;
	if (optional_object(c, run, "run", "interference", &io) != 0)
		return -1;
	if (!present(controls))
		return 0;
	if (!json_is_array(controls))
		return bad(c, "run.controls is %s, not a list",
			   type_name(controls));
	json_array_foreach(controls, i, x)
	{
		char where[64];
		snprintf(where, sizeof(where), "run.controls[%zu]", i);
		if (!json_is_object(x))
			return bad(c, "%s is %s, not an object", where,
				   kind(x));
		if (optional(c, x, where, &co) != 0)
			return -1;
	}
	return 0;
}

static int check_run(const struct check *c, json_t *run)
{
	json_t *counters = json_object_get(run, "counters");
	if (object(c, json_object_get(run, "options"), "run.options", 1) != 0 ||
	    object(c, counters, "run.counters", 1) != 0 ||
	    string_list(c, json_object_get(counters, "available"),
			"run.counters.available") != 0 ||
	    object(c, json_object_get(counters, "unavailable"),
		   "run.counters.unavailable", 1) != 0)
		return -1;
	return check_run_extras(c, run);
}

/* _scalars: params map names to a string, a number or null (true and false
 * are Python ints). */
static int scalars(const struct check *c, json_t *obj, const char *where)
{
	const char *k;
	json_t *v;
	if (object(c, obj, where, 1) != 0)
		return -1;
	json_object_foreach(obj, k, v)
	{
		char name[96];
		if (!present(v) || json_is_string(v) || json_is_number(v) ||
		    json_is_boolean(v))
			continue;
		shown_string(name, sizeof(name), k, 60);
		return bad(c, "%s.%s is %s, not a string or a number", where,
			   name, kind(v));
	}
	return 0;
}

/* The fields that are differences: ns/op minus a bound (below 0 where
 * the bound's calibration was a little off), and a ratio minus 1 (the
 * sections' unit moved either way). */
static int signed_field(const char *key, const char *name)
{
	return !strcmp(key, "fields") && (!strcmp(name, "overhead_ns_per_op") ||
					  !strcmp(name, "unit_drift"));
}

static int named_numbers(const struct check *c, json_t *r, const char *where,
			 const char *key)
{
	char at[WHERE], whole[WHERE + 96], name[96];
	json_t *obj = json_object_get(r, key), *v;
	const char *k;
	if (object(c, obj, field(at, sizeof(at), where, key), 1) != 0)
		return -1;
	json_object_foreach(obj, k, v)
	{
		shown_string(name, sizeof(name), k, 60);
		snprintf(whole, sizeof(whole), "%s.%s", at, name);
		if (signed_field(key, k) && json_is_number(v) &&
		    fabs(json_number_value(v)) <= MAX_VALUE)
			continue;
		if (number(c, v, whole, 1) != 0)
			return -1;
	}
	return 0;
}

static int check_ns(const struct check *c, json_t *r, const char *where)
{
	static const char *const nums[] = {"min", "max", "mean", "cv", NULL};
	const struct optional o = {.numbers = nums};
	char ns_at[WHERE + 16], at[WHERE + 32];
	json_t *ns = require(c, r, "ns_per_op", JSON_OBJECT, where);
	json_t *ci, *s;
	if (!ns)
		return -1;
	snprintf(ns_at, sizeof(ns_at), "%s.ns_per_op", where);
	if (!require(c, ns, "median", JSON_NULL, ns_at) ||
	    number(c, json_object_get(ns, "median"),
		   field(at, sizeof(at), ns_at, "median"), 0) != 0 ||
	    optional(c, ns, ns_at, &o) != 0)
		return -1;
	ci = json_object_get(ns, "ci95");
	if (present(ci)) {
		if (numbers(c, ci, field(at, sizeof(at), ns_at, "ci95"), 0) !=
		    0)
			return -1;
		if (json_array_size(ci) != 2)
			return bad(c, "%s has %zu values, not 2", at,
				   json_array_size(ci));
	}
	s = json_object_get(r, "samples_ns_per_op");
	if (!present(s))
		return 0;
	if (numbers(c, s, field(at, sizeof(at), where, "samples_ns_per_op"),
		    0) != 0)
		return -1;
	if (json_array_size(s) == 0)
		return bad(c, "%s: status ok with no samples_ns_per_op", where);
	return 0;
}

static int check_interference(const struct check *c, json_t *r,
			      const char *where)
{
	static const char *const nums[] = {"others",   "wait", "steal",
					   "psi_some", "max",  NULL};
	static const char *const counts[] = {"disturbed_samples", NULL};
	static const char *const gappy[] = {"samples", NULL};
	static const char *const bools[] = {"disturbed", NULL};
	const struct optional o = {.numbers = nums,
				   .counts = counts,
				   .gappy = gappy,
				   .bools = bools};
	return optional_object(c, r, where, "interference", &o);
}

static int check_level_shift(const struct check *c, json_t *r,
			     const char *where)
{
	static const char *const nums[] = {"before_ns", "after_ns", NULL};
	static const char *const counts[] = {"at_sample", NULL};
	const struct optional o = {.numbers = nums, .counts = counts};
	return optional_object(c, r, where, "level_shift", &o);
}

static int check_fairness(const struct check *c, json_t *r, const char *where)
{
	static const char *const nums[] = {"all_running", "rate_min",
					   "rate_max", "rate_cv", NULL};
	const struct optional o = {.numbers = nums};
	json_t *f = json_object_get(r, "fairness"), *v;
	char at[WHERE + 32], text[96];
	size_t i;
	if (optional_object(c, r, where, "fairness", &o) != 0)
		return -1;
	if (!present(f))
		return 0;
	v = json_object_get(f, "bound");
	if (present(v) &&
	    !(json_is_string(v) && (!strcmp(json_string_value(v), "time") ||
				    !strcmp(json_string_value(v), "count")))) {
		shown_value(text, sizeof(text), v, 0);
		return bad(c, "%s.fairness.bound is %s, not time or count",
			   where, text);
	}
	v = json_object_get(f, "thread_ops");
	if (!present(v))
		return 0;
	snprintf(at, sizeof(at), "%s.fairness.thread_ops", where);
	if (!json_is_array(v))
		return bad(c, "%s is not a list of counts", at);
	json_array_foreach(v, i, f)
	{
		if (!is_int(f) || json_integer_value(f) < 0) {
			shown_value(text, sizeof(text), f, 0);
			return bad(c, "%s[%zu] is %s, not a count", at, i,
				   text);
		}
	}
	return 0;
}

static int cpu_numbers(json_t *cpus)
{
	json_t *x;
	size_t i;
	if (!json_is_array(cpus))
		return 0;
	json_array_foreach(cpus, i, x)
	{
		if (present(x) && !(is_int(x) && json_integer_value(x) >= 0))
			return 0;
	}
	return 1;
}

/* runtime: absent (files written before it), "c" or "go". */
static int check_runtime(const struct check *c, json_t *v, const char *where)
{
	char text[96];
	if (!present(v))
		return 0;
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (!strcmp(s, "c") || !strcmp(s, "go"))
			return 0;
		shown_string(text, sizeof(text), s, 60);
	} else {
		shown_value(text, sizeof(text), v, 60);
	}
	return bad(c, "%s.runtime %s is not one of c, go", where, text);
}

static int check_record(const struct check *c, json_t *r, const char *where)
{
	static const char *const keys[] = {"benchmark", "impl", "status"};
	static const char *const texts[] = {"placement", "reason", "note"};
	static const char *const nums[] = {"bytes_per_op", "allocs_per_op",
					   "go_ratio",	   "c2c_ratio",
					   "c2c_floor_ns", NULL};
	static const char *const bools[] = {"noisy", "oversubscribed",
					    "multiplexed",
					    "go_ratio_mixed_states", NULL};
	const struct optional o = {.numbers = nums, .bools = bools};
	char at[WHERE + 16], text[96];
	json_t *threads, *cpus;
	const char *status;
	int known = 0;
	if (!json_is_object(r))
		return bad(c, "%s is %s, not an object", where, kind(r));
	for (size_t k = 0; k < 3; k++)
		if (!require(c, r, keys[k], JSON_STRING, where))
			return -1;
	status = json_string_value(json_object_get(r, "status"));
	for (size_t k = 0; k < sizeof(statuses) / sizeof(*statuses); k++)
		known |= !strcmp(status, statuses[k]);
	if (!known) {
		shown_string(text, sizeof(text), status, 60);
		return bad(c,
			   "%s.status %s is not one of ok, failed, timeout, "
			   "skipped",
			   where, text);
	}
	if (scalars(c, json_object_get(r, "params"),
		    field(at, sizeof(at), where, "params")) != 0)
		return -1;
	threads = json_object_get(r, "threads");
	if (present(threads) &&
	    !(is_int(threads) && json_integer_value(threads) >= 1)) {
		shown_value(text, sizeof(text), threads, 60);
		return bad(c, "%s.threads is %s, not a thread count", where,
			   text);
	}
	if (strings(c, r, where, texts, 3) != 0 ||
	    check_runtime(c, json_object_get(r, "runtime"), where) != 0)
		return -1;
	cpus = json_object_get(r, "cpus");
	if (present(cpus) && !cpu_numbers(cpus))
		return bad(c, "%s.cpus is not a list of CPU numbers", where);
	if (optional(c, r, where, &o) != 0 ||
	    named_numbers(c, r, where, "counters_per_op") != 0 ||
	    named_numbers(c, r, where, "fields") != 0)
		return -1;
	if (!strcmp(status, "ok") && check_ns(c, r, where) != 0)
		return -1;
	if (check_fairness(c, r, where) != 0 ||
	    check_level_shift(c, r, where) != 0)
		return -1;
	return check_interference(c, r, where);
}

/* Python's str() of a param value in case_key: a string as itself. */
static void param_text(char *buf, size_t len, json_t *v)
{
	if (json_is_string(v))
		snprintf(buf, len, "%s", json_string_value(v));
	else
		shown_value(buf, len, v, 0);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* case_name(case_key(r)): benchmark impl k=v ... threads=N placement,
 * params sorted by name. NULL when out of memory. */
static char *case_name(json_t *r)
{
	json_t *params = json_object_get(r, "params");
	json_t *placement = json_object_get(r, "placement");
	json_t *threads = json_object_get(r, "threads");
	size_t np = json_is_object(params) ? json_object_size(params) : 0;
	const char **names = calloc(np ? np : 1, sizeof(*names));
	size_t len = 256, n = 0, k = 0;
	char *out, num[48];
	const char *key;
	json_t *v;
	if (!names)
		return NULL;
	json_object_foreach(params, key, v)
	{
		names[k++] = key;
		len += strlen(key) + 64 +
		       (json_is_string(v) ? json_string_length(v) : 0);
	}
	len += strlen(json_string_value(json_object_get(r, "benchmark"))) +
	       strlen(json_string_value(json_object_get(r, "impl"))) +
	       (json_is_string(placement) ? json_string_length(placement) : 0);
	out = malloc(len);
	if (!out) {
		free(names);
		return NULL;
	}
	qsort(names, np, sizeof(*names), cmp_str);
	n += (size_t)snprintf(
		out + n, len - n, "%s %s",
		json_string_value(json_object_get(r, "benchmark")),
		json_string_value(json_object_get(r, "impl")));
	for (k = 0; k < np; k++) {
		char text[4096];
		param_text(text, sizeof(text),
			   json_object_get(params, names[k]));
		n += (size_t)snprintf(out + n, len - n, " %s=%s", names[k],
				      text);
	}
	if (present(threads))
		shown_value(num, sizeof(num), threads, 0);
	else
		snprintf(num, sizeof(num), "None");
	n += (size_t)snprintf(out + n, len - n, " threads=%s", num);
	if (json_is_string(placement) && json_string_length(placement))
		snprintf(out + n, len - n, " %s", json_string_value(placement));
	free(names);
	return out;
}

struct keyed {
	char *name;
	size_t index;
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int d = strcmp(x->name, y->name);
	return d ? d : (x->index > y->index) - (x->index < y->index);
}

/* The first record (in file order) whose case an earlier one has, in
 * *first (n when none) and that earlier one in *of; -1 out of memory. */
static int first_repeat(json_t *results, size_t n, size_t *first, size_t *of)
{
	struct keyed *k = calloc(n ? n : 1, sizeof(*k));
	int rc = 0;
	*first = n;
	*of = 0;
	if (!k)
		return -1;
	for (size_t i = 0; i < n; i++) {
		k[i].name = case_name(json_array_get(results, i));
		k[i].index = i;
		if (!k[i].name)
			rc = -1;
	}
	if (rc == 0) {
		qsort(k, n, sizeof(*k), cmp_keyed);
		for (size_t i = 1; i < n; i++)
			if (!strcmp(k[i].name, k[i - 1].name) &&
			    (i < 2 ||
			     strcmp(k[i - 1].name, k[i - 2].name) != 0) &&
			    k[i].index < *first) {
				*first = k[i].index;
				*of = k[i - 1].index;
			}
	}
	for (size_t i = 0; i < n; i++)
		free(k[i].name);
	free(k);
	return rc;
}

/* The loader's _semantics, once the structure holds: record by record,
 * its ci95 holds its median, and its case is not an earlier record's. */
static int check_semantics(const struct check *c, json_t *results)
{
	size_t n = json_array_size(results), first, of;
	char at[64], ci_text[128], med_text[48], *name;
	if (first_repeat(results, n, &first, &of) != 0)
		return bad(c, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *r = json_array_get(results, i);
		json_t *ns = json_object_get(r, "ns_per_op");
		json_t *ci = json_object_get(ns, "ci95");
		json_t *median = json_object_get(ns, "median");
		double m = json_number_value(median);
		if (!strcmp(json_string_value(json_object_get(r, "status")),
			    "ok") &&
		    json_is_array(ci) &&
		    !(json_number_value(json_array_get(ci, 0)) <= m &&
		      m <= json_number_value(json_array_get(ci, 1)))) {
			snprintf(at, sizeof(at), "results[%zu].ns_per_op.ci95",
				 i);
			shown_value(ci_text, sizeof(ci_text), ci, 0);
			shown_value(med_text, sizeof(med_text), median, 0);
			return bad(c, "%s %s does not hold the median %s", at,
				   ci_text, med_text);
		}
		if (i != first)
			continue;
		name = case_name(r);
		if (!name)
			return bad(c, "out of memory");
		shown_string(ci_text, sizeof(ci_text), name, 80);
		free(name);
		return bad(c,
			   "results[%zu] repeats the case of results[%zu] (%s)",
			   first, of, ci_text);
	}
	return 0;
}

/* Nesting at most MAX_DEPTH levels below the top (the loader's _values). */
static int too_deep(json_t *v, int depth)
{
	const char *k;
	json_t *x;
	size_t i;
	if (depth > MAX_DEPTH)
		return 1;
	if (json_is_object(v)) {
		json_object_foreach(v, k, x)
		{
			if (too_deep(x, depth + 1))
				return 1;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
		{
			if (too_deep(x, depth + 1))
				return 1;
		}
	}
	return 0;
}

static int check_top(const struct check *c, json_t *doc)
{
	json_t *schema = json_object_get(doc, "schema");
	char text[256];
	if (!json_is_object(doc))
		return bad(c, "not a %s file: top level is %s, not an object",
			   RESULT_SCHEMA, type_name(doc));
	if (!present(schema))
		return bad(c, "no 'schema' field (expected %s)", RESULT_SCHEMA);
	if (!json_is_string(schema) ||
	    strcmp(json_string_value(schema), RESULT_SCHEMA) != 0) {
		shown_value(text, sizeof(text), schema, 0);
		return bad(c, "schema %s is not supported (expected %s)", text,
			   RESULT_SCHEMA);
	}
	if (too_deep(doc, 0))
		return bad(c, "not a results file: arrays or objects nested "
			      "too deeply");
	return 0;
}

int results_check(json_t *doc, const char *src, struct err *e)
{
	static const char *const suite_keys[] = {"version", "git"};
	const struct check c = {src, e};
	json_t *machine, *id, *run, *started, *suite, *results, *r;
	char text[256], where[48];
	size_t i;
	if (check_top(&c, doc) != 0 ||
	    !(machine = require(&c, doc, "machine", JSON_OBJECT, "file")) ||
	    !(id = require(&c, machine, "id", JSON_STRING, "machine")))
		return -1;
	if (!safe_name(json_string_value(id), json_string_length(id))) {
		shown_value(text, sizeof(text), id, 60);
		return bad(&c,
			   "machine.id %s is not a safe file name (letters, "
			   "digits, '.', '_', '-', at most 128, starting with "
			   "a letter or digit)",
			   text);
	}
	if (check_machine(&c, machine) != 0 ||
	    !(run = require(&c, doc, "run", JSON_OBJECT, "file")) ||
	    !(started = require(&c, run, "started", JSON_STRING, "run")))
		return -1;
	if (!utc_time(json_string_value(started))) {
		shown_value(text, sizeof(text), started, 60);
		return bad(&c, "run.started %s is not an ISO 8601 UTC time",
			   text);
	}
	if (check_run(&c, run) != 0)
		return -1;
	suite = json_object_get(doc, "suite");
	if (present(suite) && (object(&c, suite, "suite", 0) != 0 ||
			       strings(&c, suite, "suite", suite_keys, 2) != 0))
		return -1;
	if (!(results = require(&c, doc, "results", JSON_ARRAY, "file")))
		return -1;
	/* the structure of every record, then what it cannot say */
	json_array_foreach(results, i, r)
	{
		snprintf(where, sizeof(where), "results[%zu]", i);
		if (check_record(&c, r, where) != 0)
			return -1;
	}
	return check_semantics(&c, results);
}
