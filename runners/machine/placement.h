/* Placement policies: which CPU each worker thread is bound to. */
#ifndef CONTEND_PLACEMENT_H
#define CONTEND_PLACEMENT_H

#include <stddef.h>

#include "err.h"
#include "topology.h"

enum placement_kind {
	PLACE_COMPACT, /* fill SMT siblings, then cores sharing caches */
	PLACE_SCATTER, /* spread over packages, NUMA nodes, L3s first */
	PLACE_CORES,   /* one thread per core, no SMT sibling */
	PLACE_SMT,     /* pairs of SMT siblings; needs SMT */
	PLACE_CPUS,    /* an explicit list of OS CPU indexes */
	PLACE_NONE,    /* unbound: the OS decides */
	PLACE_PAIR,    /* two threads at a distance class */
};

enum pair_class {
	PAIR_SMT_SIBLING,
	PAIR_SAME_L2,
	PAIR_SAME_L3,
	PAIR_CROSS_L3,
	PAIR_CROSS_NUMA,
	PAIR_CROSS_PACKAGE,
	PAIR_CLASS_COUNT
};

#define PLACEMENT_MAX_CPUS 4096

struct placement {
	enum placement_kind kind;
	enum pair_class pair;
	int ncpus; /* PLACE_CPUS */
	int cpus[PLACEMENT_MAX_CPUS];
	char name[64]; /* as shown in tables: "compact", "cpus:0-3", ... */
};

/* One policy name: compact, scatter, cores, smt, none, cpus:LIST or a pair
 * class. */
int placement_parse(const char *s, struct placement *p, struct err *e);
/* A comma-separated list; a cpus: list takes the numeric items after it
 * ("compact,cpus:0,2,4-7,scatter"). Returns the count, or -1. */
int placement_parse_list(const char *s, struct placement *out, int max,
			 struct err *e);
const char *pair_class_name(enum pair_class c);

/* Fills cpus[nthreads] with OS indexes (-1 for PLACE_NONE). Returns 0, or 1
 * when this topology cannot satisfy the placement, with the reason. */
int placement_plan(const struct topo *tp, const struct placement *p,
		   int nthreads, int oversubscribe, int *cpus, char *reason,
		   size_t reason_len);

/* The first CPU that two of the n entries of cpus name (-1, unbound, never
 * counts), or -1 when each thread has a CPU of its own. */
int cpus_first_repeat(const int *cpus, int n);

/* The distance class between two PUs. */
enum pair_class pair_class_of(const struct topo *tp, hwloc_obj_t a,
			      hwloc_obj_t b);
/* present[c] = 1 for each class some pair of this topology has. */
void pair_classes_present(const struct topo *tp, int present[PAIR_CLASS_COUNT]);

/* Parses "0,2,4-7" into OS indexes; -1 on a malformed list. */
int cpu_list_parse(const char *s, int *cpus, int max, struct err *e);

#endif
