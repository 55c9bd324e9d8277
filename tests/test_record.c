/* Linking records after a run (record.c): the C / Go ratio says when the C
 * and the Go case ran in two states of the machine, and only hand-off
 * pairs get a C / c2c ratio, though every two-CPU case has a floor; the
 * runner's own field has room beside a workload's. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "record.h"
#include "test_check.h"

static const struct bench swap_c = {
	.name = "atomic/swap", .impl = "hp", .params = "size=64"};
static const struct bench swap_go = {.name = "atomic/swap",
				     .impl = "go",
				     .params = "size=64",
				     .flags = BENCH_GO};
static const struct bench pp_c = {.name = "chan/pingpong",
				  .impl = "hchan",
				  .params = "cap=0",
				  .flags = BENCH_HANDOFF};

static struct record rec(const struct bench *b, int threads, double ns,
			 double floor_ns)
{
	struct record r;
	memset(&r, 0, sizeof(r));
	r.b = b;
	r.threads = threads;
	snprintf(r.placement, sizeof(r.placement), "compact");
	r.status = REC_OK;
	r.ns.median = ns;
	r.c2c_floor_ns = floor_ns;
	return r;
}

/* floors 45 and 390 ns: the host moved the vCPUs between the two cases */
static void go_ratio_flags_two_states(void)
{
	struct record rs[] = {rec(&swap_c, 2, 33, 390),
			      rec(&swap_go, 2, 28, 45), rec(&swap_c, 1, 8, 0),
			      rec(&swap_go, 1, 19, 0)};
	records_link_go(rs, 4);
	CHECK(fabs(rs[0].go_ratio - 33.0 / 28) < 1e-12);
	CHECK(rs[0].go_floor_differs == 1);
	CHECK(rs[2].go_floor_differs == 0); /* no floors: nothing to say */
	CHECK(fabs(rs[2].go_ratio - 8.0 / 19) < 1e-12);
}

static void go_ratio_same_state(void)
{
	struct record rs[] = {rec(&swap_c, 2, 15, 46),
			      rec(&swap_go, 2, 28, 52)};
	records_link_go(rs, 2);
	CHECK(rs[0].go_floor_differs == 0);
}

/* a floor on a non-hand-off row is the machine's state, not a bound */
static void c2c_ratio_only_for_pairs(void)
{
	struct record rs[] = {rec(&swap_c, 2, 15, 46), rec(&pp_c, 2, 100, 46)};
	rs[0].c2c_ratio = 0.3; /* as measure.c must never leave it */
	rs[1].c2c_ratio = 2.1; /* measure.c's per-sample median */
	records_link_c2c(rs, 2);
	CHECK(isnan(rs[0].c2c_ratio));
	CHECK(rs[1].c2c_ratio == 2.1);
}

/* a workload that fills its room (mutex/sections: hand-overs, ideal,
 * unit_drift and one more) still gets the runner's overhead */
static void overhead_fits_beside_a_full_workload(void)
{
	static const struct bench sec = {.name = "mutex/sections",
					 .impl = "ttas",
					 .params = "cs=100,ps=0"};
	struct record rs[] = {rec(&sec, 2, 160, 60)};
	for (int i = 0; i < BENCH_MAX_FIELDS; i++)
		snprintf(rs[0].fields[i].name, BENCH_FIELD_NAME, "f%d", i);
	snprintf(rs[0].fields[1].name, BENCH_FIELD_NAME, "ideal_ns_per_op");
	rs[0].fields[1].value = 100;
	rs[0].nfields = BENCH_MAX_FIELDS;
	records_add_overhead(rs, 1);
	CHECK(rs[0].nfields == BENCH_MAX_FIELDS + 1);
	CHECK(!strcmp(rs[0].fields[BENCH_MAX_FIELDS].name,
		      "overhead_ns_per_op"));
	CHECK(rs[0].fields[BENCH_MAX_FIELDS].value == 60);
}

int main(void)
{
	go_ratio_flags_two_states();
	go_ratio_same_state();
	c2c_ratio_only_for_pairs();
	overhead_fits_beside_a_full_workload();
	printf("%d failures\n", fails);
	return fails != 0;
}
