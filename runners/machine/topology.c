#include "topology.h"

#include <stdlib.h>
#include <string.h>

/* hwloc would try to build any size; a typo like core:80000 must be an
 * error, not minutes of allocation. Multiplies every number in the
 * description (arities, bare or after "type:"), an upper bound. */
#define SYNTHETIC_MAX_PUS 8192L /* hwloc's own load grows quadratically */

double topo_synthetic_pus_bound(const char *desc)
{
	double pus = 1;
	for (const char *p = desc; *p;) {
		if (*p >= '0' && *p <= '9') {
			char *end;
			double n = strtod(p, &end);
			if (n > 1)
				pus *= n;
			p = end > p ? end : p + 1;
		} else {
			p++;
		}
	}
	return pus;
}

static int load_spec(hwloc_topology_t t, const char *spec, struct err *e)
{
	if (strncmp(spec, "synthetic:", 10) == 0) {
		char desc[512];
		size_t n;
		snprintf(desc, sizeof(desc), "%s", spec + 10);
		n = strlen(desc);
		if (n >= 2 && desc[0] == '"' && desc[n - 1] == '"') {
			memmove(desc, desc + 1, n - 2);
			desc[n - 2] = '\0';
		}
		if (topo_synthetic_pus_bound(desc) > (double)SYNTHETIC_MAX_PUS)
			return err_set(e,
				       "synthetic topology '%s' has more than "
				       "%ld CPUs",
				       desc, SYNTHETIC_MAX_PUS);
		if (hwloc_topology_set_synthetic(t, desc) != 0)
			return err_set(e, "bad synthetic topology '%s'", desc);
		return 0;
	}
	if (hwloc_topology_set_xml(t, spec) != 0)
		return err_set(e,
			       "bad topology '%s': not synthetic:DESC or a "
			       "readable hwloc XML file",
			       spec);
	return 0;
}

/* hwloc already drops CPUs the cgroup forbids; taskset's affinity mask is
 * the process binding, which hwloc reports but does not remove. */
static int restrict_to_binding(hwloc_topology_t t, struct err *e)
{
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	int r = 0;
	if (!set)
		return err_set(e, "out of memory");
	if (hwloc_get_cpubind(t, set, HWLOC_CPUBIND_PROCESS) == 0 &&
	    !hwloc_bitmap_iszero(set) &&
	    !hwloc_bitmap_isincluded(hwloc_topology_get_topology_cpuset(t),
				     set) &&
	    hwloc_topology_restrict(t, set, 0) != 0)
		r = err_set(e, "cannot restrict topology to allowed CPUs");
	hwloc_bitmap_free(set);
	return r;
}

int topo_load(struct topo *tp, const char *spec, struct err *e)
{
	memset(tp, 0, sizeof(*tp));
	if (hwloc_topology_init(&tp->t) != 0)
		return err_set(e, "hwloc: cannot initialise topology");
	tp->is_this_machine = !spec || !*spec;
	snprintf(tp->source, sizeof(tp->source), "%s",
		 tp->is_this_machine ? "this machine" : spec);
	if (spec && *spec && load_spec(tp->t, spec, e) != 0)
		goto fail;
	if (hwloc_topology_load(tp->t) != 0) {
		err_set(e, "hwloc: cannot load topology '%s'", tp->source);
		goto fail;
	}
	if (tp->is_this_machine && restrict_to_binding(tp->t, e) != 0)
		goto fail;
	if (topo_npus(tp) < 1) {
		err_set(e, "topology '%s' has no CPUs", tp->source);
		goto fail;
	}
	return 0;
fail:
	hwloc_topology_destroy(tp->t);
	tp->t = NULL;
	return -1;
}

void topo_free(struct topo *tp)
{
	if (tp->t)
		hwloc_topology_destroy(tp->t);
	tp->t = NULL;
}

static int count(const struct topo *tp, hwloc_obj_type_t type)
{
	int n = hwloc_get_nbobjs_by_type(tp->t, type);
	return n < 0 ? 0 : n;
}

void topo_summarize(const struct topo *tp, struct topo_summary *s)
{
	s->packages = count(tp, HWLOC_OBJ_PACKAGE);
	s->numa_nodes = count(tp, HWLOC_OBJ_NUMANODE);
	s->l3_domains = count(tp, HWLOC_OBJ_L3CACHE);
	s->l2_domains = count(tp, HWLOC_OBJ_L2CACHE);
	s->cores = count(tp, HWLOC_OBJ_CORE);
	s->pus = count(tp, HWLOC_OBJ_PU);
	s->smt = 1;
	for (int i = 0; i < s->cores; i++) {
		hwloc_obj_t c = hwloc_get_obj_by_type(tp->t, HWLOC_OBJ_CORE,
						      (unsigned)i);
		int w = hwloc_bitmap_weight(c->cpuset);
		if (w > s->smt)
			s->smt = w;
	}
}

int topo_npus(const struct topo *tp)
{
	return count(tp, HWLOC_OBJ_PU);
}

hwloc_obj_t topo_pu_by_os(const struct topo *tp, int os_index)
{
	if (os_index < 0)
		return NULL;
	return hwloc_get_pu_obj_by_os_index(tp->t, (unsigned)os_index);
}
