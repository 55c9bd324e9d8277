/* libFuzzer target over everything the command line parses: thread lists,
 * placement lists (with cpus:LIST), counter lists, durations, formats and
 * synthetic topology specs (then planned with every placement). Built by
 * `make test-fuzz` with clang; tests/fuzz_replay.c replays the corpus in
 * every ordinary build, so a crash once found stays a regression test. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "options.h"
#include "report.h"
#include "placement.h"
#include "topology.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_topology(const char *s)
{
	static const char *const policies[] = {
		"compact",  "scatter", "cores",	   "smt",	    "none",
		"cpus:0-3", "same-l3", "cross-l3", "cross-package",
	};
	char spec[600];
	struct topo tp;
	struct err e;
	/* load and planning cost grow with size, not bugs: keep it fast */
	if (topo_synthetic_pus_bound(s) > 512)
		return;
	snprintf(spec, sizeof(spec), "synthetic:%.512s", s);
	if (topo_load(&tp, spec, &e) != 0)
		return;
	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		struct placement p;
		int cpus[8];
		char reason[256];
		if (placement_parse(policies[i], &p, &e) == 0)
			placement_plan(&tp, &p, (int)(i % 8) + 1, 1, cpus,
				       reason, sizeof(reason));
	}
	topo_free(&tp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	int threads[MAX_THREAD_COUNTS], wanted[CTR_COUNT];
	struct placement *pl = malloc(sizeof(*pl) * 4);
	struct err e;
	unsigned formats;
	double d;
	if (!s || !pl) {
		free(s);
		free(pl);
		return 0;
	}
	memcpy(s, data, size);
	s[size] = '\0';
	parse_thread_list(s, threads, MAX_THREAD_COUNTS, &e);
	placement_parse_list(s, pl, 4, &e);
	counters_parse(s, wanted, &e);
	parse_seconds(s, "--time", &d, &e);
	parse_seconds_or_zero(s, "--warmup", &d, &e);
	writers_parse(report_writers, report_nwriters, s, &formats, &e);
	if (size < 256)
		fuzz_topology(s);
	free(pl);
	free(s);
	return 0;
}
