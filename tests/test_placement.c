/* Placement plans on synthetic topologies: the exact CPUs each policy gives,
 * the pair classes each topology has, and the skips it must report. */
#include <stdio.h>
#include <string.h>

#include "placement.h"
#include "topology.h"

#define ONE_BY_TWO "synthetic:pack:1 core:2 pu:1"
#define SMT8	   "synthetic:pack:1 l3:1 core:8 pu:2"
#define BIG	   "synthetic:\"pack:2 numa:2 l3:4 core:8 pu:2\""

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
};

static const struct {
	const char *topo;
	const char *classes;
} class_cases[] = {
	{ONE_BY_TWO, "cross-l3"},
	{SMT8, "smt-sibling same-l3"},
	{BIG, "smt-sibling same-l3 cross-l3 cross-numa cross-package"},
};

static int check_plan(size_t i)
{
	struct topo tp;
	struct placement p;
	struct err e;
	int cpus[512];
	char got[2048] = "", reason[256];
	if (topo_load(&tp, cases[i].topo, &e) != 0 ||
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
	char got[256] = "";
	if (topo_load(&tp, class_cases[i].topo, &e) != 0) {
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

int main(void)
{
	int fails = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		fails += check_plan(i);
	for (size_t i = 0; i < sizeof(class_cases) / sizeof(class_cases[0]);
	     i++)
		fails += check_classes(i);
	fails += check_parse_errors();
	printf("%d failures\n", fails);
	return fails != 0;
}
