#include "placement.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "list.h"

static const char *const pair_names[PAIR_CLASS_COUNT] = {
	"smt-sibling", "same-l2",    "same-l3",
	"cross-l3",    "cross-numa", "cross-package",
};

const char *pair_class_name(enum pair_class c)
{
	return pair_names[c];
}

static int parse_uint(const char **s, int *out)
{
	char *end;
	long v;
	if (!isdigit((unsigned char)**s))
		return -1;
	errno = 0;
	v = strtol(*s, &end, 10);
	if (errno || v > 1000000)
		return -1;
	*out = (int)v;
	*s = end;
	return 0;
}

int cpu_list_parse(const char *s, int *cpus, int max, struct err *e)
{
	const char *p = s;
	int n = 0;
	for (;;) {
		int lo, hi;
		if (parse_uint(&p, &lo) != 0)
			return err_set(e, "malformed CPU list '%s'", s);
		hi = lo;
		if (*p == '-') {
			p++;
			if (parse_uint(&p, &hi) != 0 || hi < lo)
				return err_set(e, "malformed CPU list '%s'", s);
		}
		for (int c = lo; c <= hi; c++) {
			if (n == max)
				return err_set(e, "CPU list '%s' is too long",
					       s);
			cpus[n++] = c;
		}
		if (*p == '\0')
			return n;
		if (*p != ',')
			return err_set(e, "malformed CPU list '%s'", s);
		p++;
	}
}

static const struct {
	const char *name;
	enum placement_kind kind;
} policies[] = {
	{"compact", PLACE_COMPACT}, {"scatter", PLACE_SCATTER},
	{"cores", PLACE_CORES},	    {"smt", PLACE_SMT},
	{"none", PLACE_NONE},
};

int placement_parse(const char *s, struct placement *p, struct err *e)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", s);
	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++)
		if (strcmp(s, policies[i].name) == 0) {
			p->kind = policies[i].kind;
			return 0;
		}
	for (int c = 0; c < PAIR_CLASS_COUNT; c++)
		if (strcmp(s, pair_names[c]) == 0) {
			p->kind = PLACE_PAIR;
			p->pair = (enum pair_class)c;
			return 0;
		}
	if (strncmp(s, "cpus:", 5) == 0) {
		int n = cpu_list_parse(s + 5, p->cpus, PLACEMENT_MAX_CPUS, e);
		if (n < 0)
			return -1;
		p->kind = PLACE_CPUS;
		p->ncpus = n;
		return 0;
	}
	return err_set(e,
		       "unknown placement '%s' (compact, scatter, cores, smt, "
		       "none, cpus:LIST, smt-sibling, same-l2, same-l3, "
		       "cross-l3, cross-numa, cross-package)",
		       s);
}

int placement_parse_list(const char *s, struct placement *out, int max,
			 struct err *e)
{
	char buf[4096];
	int n = 0;
	char *tok, *save = NULL;
	if (list_check(s, "placement list", e) != 0)
		return -1;
	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return err_set(e, "placement list too long");
	tok = strtok_r(buf, ",", &save);
	while (tok) {
		char item[4096];
		snprintf(item, sizeof(item), "%s", tok);
		tok = strtok_r(NULL, ",", &save);
		/* cpus:LIST swallows the numeric items that follow it */
		while (strncmp(item, "cpus:", 5) == 0 && tok &&
		       isdigit((unsigned char)tok[0])) {
			size_t len = strlen(item);
			snprintf(item + len, sizeof(item) - len, ",%s", tok);
			tok = strtok_r(NULL, ",", &save);
		}
		if (n == max)
			return err_set(e, "too many placements");
		if (placement_parse(item, &out[n], e) != 0)
			return -1;
		n++;
	}
	return n;
}

static hwloc_obj_t pu(const struct topo *tp, int logical)
{
	return hwloc_get_obj_by_type(tp->t, HWLOC_OBJ_PU, (unsigned)logical);
}

static int same_ancestor(const struct topo *tp, hwloc_obj_type_t type,
			 hwloc_obj_t a, hwloc_obj_t b)
{
	hwloc_obj_t x = hwloc_get_ancestor_obj_by_type(tp->t, type, a);
	hwloc_obj_t y = hwloc_get_ancestor_obj_by_type(tp->t, type, b);
	return x && x == y;
}

/* Farthest first: a level the two PUs differ at decides; a cache level
 * counts as shared only where hwloc shows one object holding both. */
enum pair_class pair_class_of(const struct topo *tp, hwloc_obj_t a,
			      hwloc_obj_t b)
{
	hwloc_obj_t pa =
		hwloc_get_ancestor_obj_by_type(tp->t, HWLOC_OBJ_PACKAGE, a);
	hwloc_obj_t pb =
		hwloc_get_ancestor_obj_by_type(tp->t, HWLOC_OBJ_PACKAGE, b);
	if (pa && pb && pa != pb)
		return PAIR_CROSS_PACKAGE;
	if (a->nodeset && b->nodeset && !hwloc_bitmap_iszero(a->nodeset) &&
	    !hwloc_bitmap_intersects(a->nodeset, b->nodeset))
		return PAIR_CROSS_NUMA;
	if (same_ancestor(tp, HWLOC_OBJ_CORE, a, b))
		return PAIR_SMT_SIBLING;
	if (same_ancestor(tp, HWLOC_OBJ_L2CACHE, a, b))
		return PAIR_SAME_L2;
	if (same_ancestor(tp, HWLOC_OBJ_L3CACHE, a, b))
		return PAIR_SAME_L3;
	return PAIR_CROSS_L3;
}

/* The first CPU of a pair is looked for among the first PAIR_FIRST_MAX
 * PUs only: every class a regular machine has shows up with the first PU,
 * and all pairs of a 65536-PU topology would take minutes. A class present
 * only among later CPUs of an oddly restricted machine is missed. */
#define PAIR_FIRST_MAX 64

void pair_classes_present(const struct topo *tp, int present[PAIR_CLASS_COUNT])
{
	int n = topo_npus(tp);
	memset(present, 0, sizeof(int) * PAIR_CLASS_COUNT);
	for (int i = 0; i < n && i < PAIR_FIRST_MAX; i++)
		for (int j = i + 1; j < n; j++)
			present[pair_class_of(tp, pu(tp, i), pu(tp, j))] = 1;
}

/* Round-robin over the children at every level, recursively: consecutive
 * threads land in different packages, then NUMA nodes, then caches, cores
 * and, last, SMT siblings. Returns the number of PUs written. */
static int scatter_order(hwloc_obj_t obj, int *out)
{
	int total = 0, rounds = 0;
	int *lens, **orders;
	if (obj->type == HWLOC_OBJ_PU) {
		out[0] = (int)obj->os_index;
		return 1;
	}
	if (obj->arity == 0)
		return 0;
	lens = calloc(obj->arity, sizeof(*lens));
	orders = calloc(obj->arity, sizeof(*orders));
	for (unsigned c = 0; lens && orders && c < obj->arity; c++) {
		int w = hwloc_bitmap_weight(obj->children[c]->cpuset);
		orders[c] = malloc(sizeof(int) * (size_t)(w > 0 ? w : 1));
		if (!orders[c])
			break;
		lens[c] = scatter_order(obj->children[c], orders[c]);
		if (lens[c] > rounds)
			rounds = lens[c];
	}
	for (int r = 0; r < rounds; r++)
		for (unsigned c = 0; c < obj->arity; c++)
			if (r < lens[c])
				out[total++] = orders[c][r];
	for (unsigned c = 0; orders && c < obj->arity; c++)
		free(orders[c]);
	free(orders);
	free(lens);
	return total;
}

static int plan_order(const struct topo *tp, const struct placement *p,
		      int *order, char *reason, size_t rlen)
{
	int npus = topo_npus(tp), n = 0;
	switch (p->kind) {
	case PLACE_SCATTER:
		return scatter_order(hwloc_get_root_obj(tp->t), order);
	case PLACE_CORES:
		for (int c = 0;; c++) {
			hwloc_obj_t core = hwloc_get_obj_by_type(
				tp->t, HWLOC_OBJ_CORE, (unsigned)c);
			if (!core)
				break;
			order[n++] = hwloc_bitmap_first(core->cpuset);
		}
		if (n == 0)
			snprintf(reason, rlen, "topology has no cores");
		return n;
	case PLACE_SMT: {
		struct topo_summary s;
		topo_summarize(tp, &s);
		if (s.smt < 2) {
			snprintf(reason, rlen,
				 "no SMT: every core has one CPU");
			return 0;
		}
		/* SMT siblings are adjacent in logical order: as compact */
		for (int i = 0; i < npus; i++)
			order[n++] = (int)pu(tp, i)->os_index;
		return n;
	}
	case PLACE_COMPACT:
	default:
		for (int i = 0; i < npus; i++)
			order[n++] = (int)pu(tp, i)->os_index;
		return n;
	}
}

static int plan_pair(const struct topo *tp, enum pair_class c, int *cpus,
		     char *reason, size_t rlen)
{
	int n = topo_npus(tp);
	for (int i = 0; i < n && i < PAIR_FIRST_MAX; i++)
		for (int j = i + 1; j < n; j++)
			if (pair_class_of(tp, pu(tp, i), pu(tp, j)) == c) {
				cpus[0] = (int)pu(tp, i)->os_index;
				cpus[1] = (int)pu(tp, j)->os_index;
				return 0;
			}
	snprintf(reason, rlen, "this machine has no %s pair of CPUs",
		 pair_names[c]);
	return 1;
}

int cpus_first_repeat(const int *cpus, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = 0; cpus[i] >= 0 && j < i; j++)
			if (cpus[j] == cpus[i])
				return cpus[i];
	return -1;
}

static int plan_list(const struct topo *tp, const struct placement *p,
		     int nthreads, int oversubscribe, int *cpus, char *reason,
		     size_t rlen)
{
	int twice = cpus_first_repeat(p->cpus, p->ncpus);
	for (int i = 0; i < p->ncpus; i++)
		if (!topo_pu_by_os(tp, p->cpus[i])) {
			snprintf(reason, rlen,
				 "CPU %d is not available on this machine",
				 p->cpus[i]);
			return 1;
		}
	if (nthreads > p->ncpus && !oversubscribe) {
		snprintf(reason, rlen, "%s lists %d CPUs for %d threads",
			 p->name, p->ncpus, nthreads);
		return 1;
	}
	/* two threads on one CPU is oversubscription, however it is spelt */
	if (twice >= 0 && !oversubscribe && nthreads > 1) {
		snprintf(reason, rlen, "%s lists CPU %d twice", p->name, twice);
		return 1;
	}
	for (int i = 0; i < nthreads; i++)
		cpus[i] = p->cpus[i % p->ncpus];
	return 0;
}

int placement_plan(const struct topo *tp, const struct placement *p,
		   int nthreads, int oversubscribe, int *cpus, char *reason,
		   size_t reason_len)
{
	int npus = topo_npus(tp), n;
	int *order;
	reason[0] = '\0';
	if (p->kind == PLACE_NONE) {
		for (int i = 0; i < nthreads; i++)
			cpus[i] = -1;
		return 0;
	}
	if (p->kind == PLACE_PAIR) {
		if (nthreads != 2) {
			snprintf(reason, reason_len,
				 "pair placement %s needs exactly 2 threads",
				 p->name);
			return 1;
		}
		return plan_pair(tp, p->pair, cpus, reason, reason_len);
	}
	if (p->kind == PLACE_CPUS)
		return plan_list(tp, p, nthreads, oversubscribe, cpus, reason,
				 reason_len);
	order = malloc(sizeof(int) * (size_t)npus);
	if (!order) {
		snprintf(reason, reason_len, "out of memory");
		return 1;
	}
	n = plan_order(tp, p, order, reason, reason_len);
	if (n > 0 && nthreads > n && !oversubscribe)
		snprintf(reason, reason_len,
			 "%s placement has %d CPUs for %d threads", p->name, n,
			 nthreads);
	for (int i = 0; n > 0 && i < nthreads; i++)
		cpus[i] = order[i % n];
	free(order);
	return reason[0] != '\0';
}
