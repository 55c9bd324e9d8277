/* The machine's (or a described machine's) topology, through hwloc. */
#ifndef CONTEND_TOPOLOGY_H
#define CONTEND_TOPOLOGY_H

#include <hwloc.h>

#include "err.h"

struct topo {
	hwloc_topology_t t;
	int is_this_machine; /* 0 for synthetic/XML: nothing can be bound */
	char source[256]; /* "this machine", "synthetic:…" or the XML path */
};

struct topo_summary {
	int packages, numa_nodes, l3_domains, l2_domains, cores, pus;
	int smt; /* PUs per core (the largest seen) */
};

/* spec NULL or "": this machine, restricted to the CPUs this process may run
 * on (cgroup cpuset and affinity mask, as taskset sets it). Otherwise
 * "synthetic:DESC" (hwloc's synthetic syntax, quotes allowed) or a path to an
 * XML file exported by lstopo. */
int topo_load(struct topo *tp, const char *spec, struct err *e);
void topo_free(struct topo *tp);
/* An upper bound on the CPUs a synthetic description builds: the product
 * of every number in it. Descriptions over 8192 are refused. */
double topo_synthetic_pus_bound(const char *desc);
void topo_summarize(const struct topo *tp, struct topo_summary *s);
int topo_npus(const struct topo *tp);
/* The PU with this OS index, or NULL. */
hwloc_obj_t topo_pu_by_os(const struct topo *tp, int os_index);

#endif
