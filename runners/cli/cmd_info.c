/* contend list, topology, plan and machine: the commands that measure
 * nothing. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "machine.h"
#include "options.h"
#include "placement.h"
#include "registry.h"
#include "topology.h"

static const char list_usage[] =
	"usage: contend list [--filter GLOB,...]\n"
	"\n"
	"Lists the benchmarks (FAMILY/WORKLOAD), implementations and\n"
	"parameters, with what each measures.\n"
	"  --filter GLOB,...   globs over FAMILY/WORKLOAD; impl=GLOB selects\n"
	"                      implementations (e.g. "
	"'chan/*,impl=mutexcond')\n";

int cmd_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"filter", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	const char *filter = NULL;
	const struct bench **all = NULL, **sel = NULL;
	size_t n = 0, nsel = 0;
	struct err e = {""};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:h", longopts, NULL)) != -1) {
		if (c == 'f')
			filter = optarg;
		else if (c == 'h')
			return fputs(list_usage, stdout), EXIT_OK;
		else
			return bad_option("list", c, argv);
	}
	if (optind < argc) {
		err_set(&e, "list: unexpected argument '%s'", argv[optind]);
		return usage_error(&e);
	}
	if (registry_all(&all, &n, &e) != 0 ||
	    registry_filter(all, n, filter, &sel, &nsel, &e) != 0) {
		free(all);
		free(sel);
		return usage_error(&e);
	}
	for (size_t i = 0; i < nsel; i++) {
		char label[128];
		snprintf(label, sizeof(label), "%s %s%s%s", sel[i]->name,
			 sel[i]->impl, sel[i]->params[0] ? " " : "",
			 sel[i]->params);
		printf("%-40s %s%s%s%s\n", label, sel[i]->summary,
		       sel[i]->flags & BENCH_PAIR ? " [pair]" : "",
		       sel[i]->flags & BENCH_SINGLE ? " [single]" : "",
		       sel[i]->flags & BENCH_FULL ? " [full]" : "");
	}
	free(all);
	free(sel);
	return EXIT_OK;
}

static const char topology_usage[] =
	"usage: contend topology [--topology SPEC] [--export-xml FILE]\n"
	"\n"
	"Prints the topology the runner sees: packages, NUMA nodes, caches,\n"
	"cores and CPUs (only those this process may use), and the pair\n"
	"distance classes present.\n"
	"  --topology SPEC   synthetic:\"pack:2 numa:2 l3:4 core:8 pu:2\" or\n"
	"                    an lstopo XML file, instead of this machine\n"
	"  --export-xml FILE also write it as hwloc XML (what lstopo --of xml\n"
	"                    writes), for --topology on another machine\n";

static void print_obj(hwloc_topology_t t, hwloc_obj_t o, int depth)
{
	char type[64], attr[128] = "";
	hwloc_obj_type_snprintf(type, sizeof(type), o, 0);
	hwloc_obj_attr_snprintf(attr, sizeof(attr), o, " ", 0);
	printf("%*s%s L#%u", depth * 2, "", type, o->logical_index);
	if (o->type == HWLOC_OBJ_PU || o->type == HWLOC_OBJ_NUMANODE)
		printf(" (P#%u)", o->os_index);
	printf("%s%s%s\n", attr[0] ? " (" : "", attr, attr[0] ? ")" : "");
	for (hwloc_obj_t m = o->memory_first_child; m; m = m->next_sibling)
		print_obj(t, m, depth + 1);
	for (unsigned i = 0; i < o->arity; i++)
		print_obj(t, o->children[i], depth + 1);
}

static int topology_args(int argc, char **argv, const char *cmd,
			 const char *help, struct topo *tp, int *plan_threads,
			 char **plan_placement, int *oversubscribe,
			 const char **export_xml)
{
	static const struct option longopts[] = {
		{"topology", required_argument, NULL, 'T'},
		{"export-xml", required_argument, NULL, 'x'},
		{"threads", required_argument, NULL, 't'},
		{"placement", required_argument, NULL, 'p'},
		{"oversubscribe", no_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	const char *spec = NULL;
	struct err e = {""};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":T:t:p:h", longopts, NULL)) !=
	       -1) {
		if (c == 'T' && !*optarg) {
			err_set(&e,
				"%s: empty --topology (synthetic:\"...\" "
				"or an lstopo XML file)",
				cmd);
			return usage_error(&e);
		} else if (c == 'T')
			spec = optarg;
		else if (c == 'h')
			return fputs(help, stdout), -EXIT_OK - 1;
		else if (c == 't' && plan_threads) {
			if (parse_positive_int(optarg, "thread count",
					       plan_threads, &e) != 0)
				return usage_error(&e);
		} else if (c == 'p' && plan_placement)
			*plan_placement = optarg;
		else if (c == 'o' && oversubscribe)
			*oversubscribe = 1;
		else if (c == 'x' && export_xml && *optarg)
			*export_xml = optarg;
		else
			return bad_option(cmd, c, argv);
	}
	if (optind < argc) {
		err_set(&e, "%s: unexpected argument '%s'", cmd, argv[optind]);
		return usage_error(&e);
	}
	if (topo_load(tp, spec, &e) != 0)
		return usage_error(&e);
	return 0;
}

int cmd_topology(int argc, char **argv)
{
	struct topo tp = {NULL, 0, ""};
	struct topo_summary s;
	int present[PAIR_CLASS_COUNT];
	const char *xml = NULL;
	int r = topology_args(argc, argv, "topology", topology_usage, &tp, NULL,
			      NULL, NULL, &xml);
	if (r != 0)
		return r < 0 ? EXIT_OK : r;
	if (xml && hwloc_topology_export_xml(tp.t, xml, 0) != 0) {
		fprintf(stderr, "contend: topology: cannot write %s: %s\n", xml,
			strerror(errno));
		topo_free(&tp);
		return EXIT_USAGE;
	}
	topo_summarize(&tp, &s);
	printf("source: %s\n", tp.source);
	printf("%d packages, %d NUMA nodes, %d L3, %d L2, %d cores, %d CPUs "
	       "(SMT %d)\n",
	       s.packages, s.numa_nodes, s.l3_domains, s.l2_domains, s.cores,
	       s.pus, s.smt);
	pair_classes_present(&tp, present);
	printf("pair classes:");
	for (int c = 0; c < PAIR_CLASS_COUNT; c++)
		if (present[c])
			printf(" %s", pair_class_name((enum pair_class)c));
	printf("\n\n");
	print_obj(tp.t, hwloc_get_root_obj(tp.t), 0);
	topo_free(&tp);
	return EXIT_OK;
}

static const char plan_usage[] =
	"usage: contend plan --threads N --placement P [--topology SPEC]\n"
	"                    [--oversubscribe]\n"
	"\n"
	"Prints `cpus: A,B,...` (OS indexes, in thread order), then where\n"
	"each thread sits. Placements: compact, scatter, cores, smt, none,\n"
	"cpus:LIST, and for 2 threads the pair classes smt-sibling, same-l2,\n"
	"same-l3, cross-l3, cross-numa, cross-package. Exit 1 when the\n"
	"topology cannot satisfy the placement.\n"
	"  --topology SPEC   synthetic:\"...\" or an lstopo XML file\n";

static void print_where(const struct topo *tp, int tid, int cpu)
{
	static const hwloc_obj_type_t levels[] = {
		HWLOC_OBJ_CORE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE,
		HWLOC_OBJ_PACKAGE};
	static const char *const names[] = {"core", "L2", "L3", "package"};
	hwloc_obj_t pu = topo_pu_by_os(tp, cpu);
	if (!pu) {
		printf("thread %d: unbound (the OS decides)\n", tid);
		return;
	}
	printf("thread %d: cpu %d (PU L#%u)", tid, cpu, pu->logical_index);
	for (int i = 0; i < 4; i++) {
		hwloc_obj_t a =
			hwloc_get_ancestor_obj_by_type(tp->t, levels[i], pu);
		if (a)
			printf(" %s L#%u", names[i], a->logical_index);
	}
	if (pu->nodeset && !hwloc_bitmap_iszero(pu->nodeset))
		printf(" numa %d", hwloc_bitmap_first(pu->nodeset));
	printf("\n");
}

int cmd_plan(int argc, char **argv)
{
	struct topo tp = {NULL, 0, ""};
	struct placement *p = malloc(sizeof(*p));
	struct err e = {""};
	char *pname = NULL, reason[256];
	int nthreads = 0, over = 0, *cpus, r;
	if (!p)
		return EXIT_CASE_FAILED;
	r = topology_args(argc, argv, "plan", plan_usage, &tp, &nthreads,
			  &pname, &over, NULL);
	if (r != 0) {
		free(p);
		return r < 0 ? EXIT_OK : r;
	}
	if (!nthreads || !pname) {
		err_set(&e, "plan needs --threads N and --placement P");
		r = usage_error(&e);
	} else if (placement_parse(pname, p, &e) != 0) {
		r = usage_error(&e);
	} else if (nthreads > topo_npus(&tp) && !over) {
		err_set(&e, "%d threads but only %d CPUs (use --oversubscribe)",
			nthreads, topo_npus(&tp));
		r = usage_error(&e);
	} else if (!(cpus = malloc(sizeof(int) * (size_t)nthreads))) {
		r = EXIT_CASE_FAILED;
	} else {
		if (placement_plan(&tp, p, nthreads, over, cpus, reason,
				   sizeof(reason)) != 0) {
			printf("cpus: -\nskipped: %s\n", reason);
			r = EXIT_CASE_FAILED;
		} else {
			printf("cpus: ");
			for (int i = 0; i < nthreads; i++)
				printf(cpus[i] < 0 ? "%s-" : "%s%d",
				       i ? "," : "", cpus[i]);
			printf("\n");
			for (int i = 0; i < nthreads; i++)
				print_where(&tp, i, cpus[i]);
		}
		free(cpus);
	}
	free(p);
	topo_free(&tp);
	return r;
}

static const char machine_usage[] =
	"usage: contend machine [--json]\n"
	"\n"
	"This machine's fingerprint, as every results file records it: CPU\n"
	"identity (libcpuid), topology (hwloc), kernel, libc, compiler and\n"
	"flags, TSC, frequency governor and boost, and the machine id the\n"
	"results directory is named after.\n";

int cmd_machine(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	struct topo tp = {NULL, 0, ""};
	struct machine m;
	struct err e = {""};
	int c, json = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'j')
			json = 1;
		else if (c == 'h')
			return fputs(machine_usage, stdout), EXIT_OK;
		else
			return bad_option("machine", c, argv);
	}
	if (optind < argc) {
		err_set(&e, "machine: unexpected argument '%s'", argv[optind]);
		return usage_error(&e);
	}
	if (topo_load(&tp, NULL, &e) != 0)
		return usage_error(&e);
	machine_read(&m, &tp);
	if (json) {
		json_t *j = machine_to_json(&m);
		json_dumpf(j, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(j);
	} else {
		machine_print(&m);
	}
	topo_free(&tp);
	return EXIT_OK;
}
