/* Placement plans on synthetic topologies and on the hwloc XML of the
 * emulated guests (tests/topologies/, written by make test-topology, whose
 * guests checked these plans against the CPUs their threads ran on): the
 * exact CPUs each policy gives, the pair classes each topology has, and the
 * skips it must report. A topology "@NAME" is tests/topologies/NAME.xml
 * (argv[1] names the folder). */
#include <stdio.h>
#include <string.h>

#include "placement.h"
#include "topology.h"

#define ONE_BY_TWO "synthetic:pack:1 core:2 pu:1"
#define SMT8	   "synthetic:pack:1 l3:1 core:8 pu:2"
#define BIG	   "synthetic:\"pack:2 numa:2 l3:4 core:8 pu:2\""
/* the guests: 2 packages x 2 cores x 2 threads, a NUMA node each; one
 * package of 4 L3 domains of 2 cores; one package, one L3, 2 NUMA nodes of
 * 4 cores; the first under taskset 1,2,5,6; 4 packages x 8 cores x 2 */
#define G_2PKG	  "@2pkg-2numa-smt2"
#define G_4L3	  "@1pkg-4l3"
#define G_2NUMA	  "@1pkg-2numa"
#define G_TASKSET "@2pkg-taskset"
#define G_64	  "@4pkg-64cpu"

static const struct {
	const char *topo, *placement;
	int threads, oversubscribe;
	const char *want; /* "skip" when the plan must be skipped */
} cases[] = {
	{ONE_BY_TWO, "compact", 2, 0, "0,1"},
	{ONE_BY_TWO, "scatter", 2, 0, "0,1"},
	{ONE_BY_TWO, "cores", 2, 0, "0,1"},
	{ONE_BY_TWO, "smt", 2, 0, "skip"},
	{ONE_BY_TWO, "compact", 3, 0, "skip"},
	{ONE_BY_TWO, "compact", 3, 1, "0,1,0"},
	{ONE_BY_TWO, "none", 2, 0, "-1,-1"},
	{ONE_BY_TWO, "cross-l3", 2, 0, "0,1"},
	{ONE_BY_TWO, "smt-sibling", 2, 0, "skip"},
	{ONE_BY_TWO, "cross-l3", 3, 0, "skip"},
	{SMT8, "compact", 4, 0, "0,1,2,3"},
	{SMT8, "scatter", 4, 0, "0,2,4,6"},
	{SMT8, "scatter", 16, 0, "0,2,4,6,8,10,12,14,1,3,5,7,9,11,13,15"},
	{SMT8, "cores", 4, 0, "0,2,4,6"},
	{SMT8, "cores", 8, 0, "0,2,4,6,8,10,12,14"},
	{SMT8, "cores", 9, 0, "skip"},
	{SMT8, "smt", 4, 0, "0,1,2,3"},
	{SMT8, "cpus:3,5,7", 3, 0, "3,5,7"},
	{SMT8, "cpus:3,5", 3, 0, "skip"},
	{SMT8, "cpus:99", 1, 0, "skip"},
	{SMT8, "smt-sibling", 2, 0, "0,1"},
	{SMT8, "same-l3", 2, 0, "0,2"},
	{SMT8, "cross-l3", 2, 0, "skip"},
	{SMT8, "cross-package", 2, 0, "skip"},
	{BIG, "compact", 4, 0, "0,1,2,3"},
	{BIG, "scatter", 8, 0, "0,128,64,192,16,144,80,208"},
	{BIG, "cores", 4, 0, "0,2,4,6"},
	{BIG, "smt-sibling", 2, 0, "0,1"},
	{BIG, "same-l2", 2, 0, "skip"},
	{BIG, "same-l3", 2, 0, "0,2"},
	{BIG, "cross-l3", 2, 0, "0,16"},
	{BIG, "cross-numa", 2, 0, "0,64"},
	{BIG, "cross-package", 2, 0, "0,128"},
	{BIG, "compact", 256, 0, NULL}, /* all 256 CPUs: checked by count */
	{G_2PKG, "compact", 4, 0, "0,1,2,3"},
	{G_2PKG, "scatter", 4, 0, "0,4,2,6"},
	{G_2PKG, "cores", 4, 0, "0,2,4,6"},
	{G_2PKG, "smt", 4, 0, "0,1,2,3"},
	{G_2PKG, "cores", 5, 0, "skip"},
	{G_2PKG, "smt-sibling", 2, 0, "0,1"},
	{G_2PKG, "same-l3", 2, 0, "0,2"},
	{G_2PKG, "cross-package", 2, 0, "0,4"},
	{G_2PKG, "cross-numa", 2, 0, "skip"},
	{G_4L3, "scatter", 8, 0, "0,2,4,6,1,3,5,7"},
	{G_4L3, "cores", 4, 0, "0,1,2,3"},
	{G_4L3, "smt", 2, 0, "skip"},
	{G_4L3, "same-l3", 2, 0, "0,1"},
	{G_4L3, "cross-l3", 2, 0, "0,2"},
	{G_4L3, "cross-package", 2, 0, "skip"},
	{G_2NUMA, "scatter", 4, 0, "0,4,1,5"},
	{G_2NUMA, "same-l3", 2, 0, "0,1"},
	{G_2NUMA, "cross-numa", 2, 0, "0,4"},
	{G_2NUMA, "cross-l3", 2, 0, "skip"},
	{G_TASKSET, "compact", 4, 0, "1,2,5,6"},
	{G_TASKSET, "scatter", 4, 0, "1,5,2,6"},
	{G_TASKSET, "compact", 5, 0, "skip"},
	{G_TASKSET, "cpus:0,1", 2, 0, "skip"},
	{G_TASKSET, "same-l3", 2, 0, "1,2"},
	{G_TASKSET, "cross-package", 2, 0, "1,5"},
	{G_TASKSET, "smt-sibling", 2, 0, "skip"},
	{G_64, "scatter", 8, 0, "0,16,32,48,2,18,34,50"},
	{G_64, "cores", 4, 0, "0,2,4,6"},
	{G_64, "smt", 4, 0, "0,1,2,3"},
	{G_64, "cross-package", 2, 0, "0,16"},
	{G_64, "compact", 64, 0, NULL},
};

static const struct {
	const char *topo;
	const char *classes;
} class_cases[] = {
	{ONE_BY_TWO, "cross-l3"},
	{SMT8, "smt-sibling same-l3"},
	{BIG, "smt-sibling same-l3 cross-l3 cross-numa cross-package"},
	{G_2PKG, "smt-sibling same-l3 cross-package"},
	{G_4L3, "same-l3 cross-l3"},
	{G_2NUMA, "same-l3 cross-numa"},
	{G_TASKSET, "same-l3 cross-package"},
	{G_64, "smt-sibling same-l3 cross-package"},
};

static const char *fixtures = "tests/topologies";

/* "@NAME" as the fixture's path, anything else as it is */
static const char *topo_spec(const char *topo, char *buf, size_t len)
{
	if (topo[0] != '@')
		return topo;
	snprintf(buf, len, "%s/%s.xml", fixtures, topo + 1);
	return buf;
}

static int check_plan(size_t i)
{
	struct topo tp;
	struct placement p;
	struct err e;
	int cpus[512];
	char got[2048] = "", reason[256], path[512];
	if (topo_load(&tp, topo_spec(cases[i].topo, path, sizeof(path)), &e) !=
		    0 ||
	    placement_parse(cases[i].placement, &p, &e) != 0) {
		printf("FAIL %s: %s\n", cases[i].placement, e.msg);
		return 1;
	}
	if (placement_plan(&tp, &p, cases[i].threads, cases[i].oversubscribe,
			   cpus, reason, sizeof(reason)) != 0) {
		snprintf(got, sizeof(got), "skip");
		if (!reason[0]) {
			printf("FAIL %s: skipped without a reason\n",
			       cases[i].placement);
			topo_free(&tp);
			return 1;
		}
	} else {
		for (int t = 0; t < cases[i].threads; t++) {
			size_t n = strlen(got);
			snprintf(got + n, sizeof(got) - n, "%s%d", t ? "," : "",
				 cpus[t]);
		}
	}
	topo_free(&tp);
	if (!cases[i].want) {
		int distinct = 1;
		for (int t = 1; t < cases[i].threads; t++)
			distinct &= cpus[t] == cpus[t - 1] + 1;
		if (strcmp(got, "skip") != 0 && distinct)
			return 0;
		printf("FAIL %s %s x%d: got %s\n", cases[i].topo,
		       cases[i].placement, cases[i].threads, got);
		return 1;
	}
	if (strcmp(got, cases[i].want) != 0) {
		printf("FAIL %s %s x%d: want %s, got %s (%s)\n", cases[i].topo,
		       cases[i].placement, cases[i].threads, cases[i].want, got,
		       reason);
		return 1;
	}
	return 0;
}

static int check_classes(size_t i)
{
	struct topo tp;
	struct err e;
	int present[PAIR_CLASS_COUNT];
	char got[256] = "", path[512];
	if (topo_load(&tp, topo_spec(class_cases[i].topo, path, sizeof(path)),
		      &e) != 0) {
		printf("FAIL %s\n", e.msg);
		return 1;
	}
	pair_classes_present(&tp, present);
	for (int c = 0; c < PAIR_CLASS_COUNT; c++)
		if (present[c]) {
			size_t n = strlen(got);
			snprintf(got + n, sizeof(got) - n, "%s%s", n ? " " : "",
				 pair_class_name((enum pair_class)c));
		}
	topo_free(&tp);
	if (strcmp(got, class_cases[i].classes) != 0) {
		printf("FAIL classes of %s: want '%s', got '%s'\n",
		       class_cases[i].topo, class_cases[i].classes, got);
		return 1;
	}
	return 0;
}

static int check_parse_errors(void)
{
	static const char *const bad[] = {"compactt", "cpus:",	"cpus:1-",
					  "cpus:3-1", "cpus:a", ""};
	struct placement p[4];
	struct err e;
	int fails = 0;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (placement_parse(bad[i], &p[0], &e) == 0) {
			printf("FAIL placement '%s' parsed\n", bad[i]);
			fails++;
		}
	if (placement_parse_list("compact,cpus:0,2,4-5,scatter", p, 4, &e) !=
		    3 ||
	    p[1].ncpus != 4 || p[1].cpus[3] != 5 ||
	    p[2].kind != PLACE_SCATTER) {
		printf("FAIL placement list with cpus:\n");
		fails++;
	}
	return fails;
}

int main(int argc, char **argv)
{
	int fails = 0;
	if (argc > 1)
		fixtures = argv[1];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		fails += check_plan(i);
	for (size_t i = 0; i < sizeof(class_cases) / sizeof(class_cases[0]);
	     i++)
		fails += check_classes(i);
	fails += check_parse_errors();
	printf("%d failures\n", fails);
	return fails != 0;
}
