#include "registry.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "list.h"

/* Bounds of the section BENCH_REGISTER fills, provided by the linker. */
extern const struct bench *const __start_contend_bench[];
extern const struct bench *const __stop_contend_bench[];

static const char *const family_order[] = {
	"empty",   "c2c",  "futex",  "atomic", "mutex",
	"rwmutex", "chan", "unwind", "pool",   "deque",
};

static int family_rank(const char *name)
{
	size_t n = sizeof(family_order) / sizeof(family_order[0]);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(family_order[i]);
		if (!strncmp(name, family_order[i], len) && name[len] == '/')
			return (int)i;
	}
	return (int)n;
}

struct ranked {
	const struct bench *b;
	size_t index;
};

static int cmp_ranked(const void *x, const void *y)
{
	const struct ranked *a = x, *b = y;
	int d = family_rank(a->b->name) - family_rank(b->b->name);
	if (d)
		return d;
	if ((d = strcmp(a->b->name, b->b->name)))
		return d;
	if (a->b->arg != b->b->arg)
		return a->b->arg < b->b->arg ? -1 : 1;
	if (a->b->arg2 != b->b->arg2)
		return a->b->arg2 < b->b->arg2 ? -1 : 1;
	/* the rows of one case together (a workload whose numeric params
	 * say less than its params, as chan's size=): run.c puts one Go row
	 * after each such run of rows */
	if ((d = strcmp(a->b->params, b->b->params)))
		return d;
	if ((d = strcmp(a->b->impl, b->b->impl)))
		return d;
	return (a->index > b->index) - (a->index < b->index);
}

int registry_selftest_enabled(void)
{
	const char *v = getenv("CONTEND_SELFTEST");
	return v && strcmp(v, "1") == 0;
}

int registry_all(const struct bench ***out, size_t *n, struct err *e)
{
	/* the linker places both symbols around one section: one object */
	/* cppcheck-suppress comparePointers */
	size_t count = (size_t)(__stop_contend_bench - __start_contend_bench);
	struct ranked *r = calloc(count ? count : 1, sizeof(*r));
	*out = calloc(count ? count : 1, sizeof(const struct bench *));
	if (!r || !*out) {
		free(r);
		free(*out);
		return err_set(e, "out of memory");
	}
	size_t kept = 0;
	int hidden_ok = registry_selftest_enabled();
	for (size_t i = 0; i < count; i++) {
		if ((__start_contend_bench[i]->flags & BENCH_HIDDEN) &&
		    !hidden_ok)
			continue;
		r[kept].b = __start_contend_bench[i];
		r[kept].index = i;
		kept++;
	}
	count = kept;
	qsort(r, count, sizeof(*r), cmp_ranked);
	for (size_t i = 0; i < count; i++)
		(*out)[i] = r[i].b;
	free(r);
	*n = count;
	return 0;
}

struct globs {
	char *names[64], *impls[64];
	int nnames, nimpls;
	int name_hits[64], impl_hits[64];
};

static int split_filter(char *buf, struct globs *g, struct err *e)
{
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		int is_impl = !strncmp(t, "impl=", 5);
		if ((is_impl ? g->nimpls : g->nnames) == 64)
			return err_set(e, "too many filter items");
		if (is_impl)
			g->impls[g->nimpls++] = t + 5;
		else
			g->names[g->nnames++] = t;
	}
	return 0;
}

static int any_match(char **globs, int n, int *hits, const char *s)
{
	int m = n == 0;
	for (int i = 0; i < n; i++)
		if (fnmatch(globs[i], s, 0) == 0) {
			hits[i] = 1;
			m = 1;
		}
	return m;
}

int registry_filter(const struct bench **all, size_t n, const char *filter,
		    const struct bench ***out, size_t *nout, struct err *e)
{
	char buf[2048];
	struct globs g;
	memset(&g, 0, sizeof(g));
	*out = calloc(n ? n : 1, sizeof(const struct bench *));
	*nout = 0;
	if (!*out)
		return err_set(e, "out of memory");
	if (filter && list_check(filter, "filter", e) != 0)
		return -1;
	if (snprintf(buf, sizeof(buf), "%s", filter ? filter : "") >=
	    (int)sizeof(buf))
		return err_set(e, "filter too long");
	if (split_filter(buf, &g, e) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int nm =
			any_match(g.names, g.nnames, g.name_hits, all[i]->name);
		int im =
			any_match(g.impls, g.nimpls, g.impl_hits, all[i]->impl);
		if (nm && im)
			(*out)[(*nout)++] = all[i];
	}
	for (int i = 0; i < g.nnames; i++)
		if (!g.name_hits[i])
			return err_set(e,
				       "unknown benchmark '%s' (see contend "
				       "list)",
				       g.names[i]);
	for (int i = 0; i < g.nimpls; i++)
		if (!g.impl_hits[i])
			return err_set(e, "unknown implementation '%s'",
				       g.impls[i]);
	if (*nout == 0)
		return err_set(e, "filter '%s' selects no benchmark", filter);
	return 0;
}
