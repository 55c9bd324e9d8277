/* The results document (schema contend.result/1); results_file.c writes
 * it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#ifndef CONTEND_VERSION
#define CONTEND_VERSION "unknown"
#endif
#include "contend_git.h"

static json_t *num_or_null(int valid, double v)
{
	return valid && v == v ? json_real(v) : json_null();
}

json_t *report_params_json(const char *params)
{
	json_t *o = json_object();
	char buf[256], *save = NULL;
	snprintf(buf, sizeof(buf), "%s", params);
	for (char *t = strtok_r(buf, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '=');
		char *end;
		long v;
		if (!eq)
			continue;
		*eq++ = '\0';
		v = strtol(eq, &end, 10);
		json_object_set_new(o, t,
				    *end || end == eq ? json_string(eq)
						      : json_integer(v));
	}
	return o;
}

/* all_running, rate_min, rate_max, rate_cv, bound and thread_ops
 * (record.h); null with one thread, for Go rows that report no shares and
 * for cases that did not run. */
static json_t *fairness_json(const struct record *r, int ok)
{
	json_t *ops;
	if (!ok || !r->fair_valid)
		return json_null();
	ops = r->thread_ops ? json_array() : json_null();
	for (int i = 0; r->thread_ops && i < r->threads; i++)
		json_array_append_new(
			ops, json_integer((json_int_t)r->thread_ops[i]));
	return json_pack(
		"{s:o, s:o, s:o, s:o, s:s, s:o}", "all_running",
		num_or_null(!isnan(r->all_running), r->all_running), "rate_min",
		num_or_null(!isnan(r->rate_min), r->rate_min), "rate_max",
		num_or_null(!isnan(r->rate_max), r->rate_max), "rate_cv",
		num_or_null(!isnan(r->rate_cv), r->rate_cv), "bound",
		r->time_bound ? "time" : "count", "thread_ops", ops);
}

static json_t *ns_json(const struct record *r)
{
	const struct summary *s = &r->ns;
	json_t *ci = s->ci_valid ? json_pack("[f, f]", s->ci_lo, s->ci_hi)
				 : json_null();
	return json_pack("{s:f, s:f, s:f, s:f, s:f, s:o}", "median", s->median,
			 "min", s->min, "max", s->max, "mean", s->mean, "cv",
			 s->cv, "ci95", ci);
}

/* interference (interference.h), null where the case measured none */
static json_t *interference_json(const struct record *r)
{
	const struct interference *in = &r->intf;
	json_t *o, *samples;
	if (!in->valid)
		return json_null();
	samples = json_array();
	for (int i = 0; r->wait_samples && i < r->nsamples; i++)
		json_array_append_new(samples,
				      num_or_null(1, r->wait_samples[i]));
	o = json_pack(
		"{s:o, s:o, s:o, s:o, s:o, s:i, s:b, s:o}", "others",
		num_or_null(1, in->others), "wait", num_or_null(1, in->wait),
		"steal", num_or_null(1, in->steal), "psi_some",
		num_or_null(1, in->psi_some), "max", num_or_null(1, in->max),
		"disturbed_samples", in->disturbed_samples, "disturbed",
		in->disturbed, "samples", samples);
	return o;
}

static json_t *record_json(const struct record *r)
{
	int ok = r->status == REC_OK;
	json_t *o =
		json_pack("{s:s, s:s, s:s, s:o, s:i, s:s, s:s, s:s}",
			  "benchmark", r->b->name, "impl", r->b->impl,
			  "runtime", r->b->flags & BENCH_GO ? "go" : "c",
			  "params", report_params_json(r->b->params), "threads",
			  r->threads, "placement", r->placement, "status",
			  rec_status_name(r->status), "reason", r->reason);
	json_t *cpus = json_array(), *samples = json_array(),
	       *ctr = json_object();
	for (int i = 0; r->cpus && i < r->threads; i++)
		json_array_append_new(cpus, r->cpus[i] < 0
						    ? json_null()
						    : json_integer(r->cpus[i]));
	for (int i = 0; i < r->nsamples; i++)
		json_array_append_new(samples, json_real(r->samples[i]));
	for (int c = 0; c < CTR_COUNT; c++)
		json_object_set_new(
			ctr, counter_name(c),
			num_or_null(ok && r->counter_valid[c], r->counters[c]));
	json_object_set_new(o, "cpus", cpus);
	json_object_set_new(o, "iterations",
			    json_integer((json_int_t)r->iters));
	json_object_set_new(o, "ops", json_integer((json_int_t)r->ops));
	json_object_set_new(o, "samples_ns_per_op", samples);
	json_object_set_new(o, "ns_per_op", ok ? ns_json(r) : json_null());
	json_object_set_new(o, "ns_per_op_thread",
			    num_or_null(ok, r->ns_thread));
	json_object_set_new(o, "bytes_per_op",
			    num_or_null(ok && r->alloc_valid, r->bytes_per_op));
	json_object_set_new(
		o, "allocs_per_op",
		num_or_null(ok && r->alloc_valid, r->allocs_per_op));
	json_object_set_new(o, "counters_per_op", ctr);
	json_object_set_new(o, "fairness", fairness_json(r, ok));
	json_object_set_new(o, "noisy", json_boolean(r->noisy));
	json_object_set_new(o, "interference", interference_json(r));
	if (r->rerun)
		json_object_set_new(o, "rerun", json_true());
	if (ok && r->shift.at)
		json_object_set_new(o, "level_shift",
				    json_pack("{s:i, s:f, s:f}", "at_sample",
					      r->shift.at, "before_ns",
					      r->shift.before, "after_ns",
					      r->shift.after));
	json_object_set_new(o, "go_ratio", num_or_null(1, r->go_ratio));
	if (r->go_floor_differs) /* the C and the Go case in two states */
		json_object_set_new(o, "go_ratio_mixed_states", json_true());
	json_object_set_new(o, "c2c_ratio", num_or_null(1, r->c2c_ratio));
	json_object_set_new(o, "c2c_floor_ns",
			    num_or_null(r->c2c_floor_ns > 0, r->c2c_floor_ns));
	if (r->nfields) {
		json_t *fields = json_object();
		for (int i = 0; i < r->nfields; i++)
			json_object_set_new(fields, r->fields[i].name,
					    json_real(r->fields[i].value));
		json_object_set_new(o, "fields", fields);
	}
	if (r->note[0])
		json_object_set_new(o, "note", json_string(r->note));
	json_object_set_new(o, "oversubscribed",
			    json_boolean(r->oversubscribed));
	json_object_set_new(o, "multiplexed", json_boolean(r->multiplexed));
	return o;
}

static json_t *counters_json(const struct counter_plan *cp)
{
	json_t *avail = json_array(), *unavail = json_object(),
	       *src = json_object();
	for (int c = 0; c < CTR_COUNT; c++) {
		if (!cp->wanted[c])
			continue;
		if (cp->available[c]) {
			json_array_append_new(avail,
					      json_string(counter_name(c)));
			json_object_set_new(src, counter_name(c),
					    json_string(cp->source[c]));
		} else {
			json_object_set_new(unavail, counter_name(c),
					    json_string(cp->reason[c]));
		}
	}
	return json_pack("{s:o, s:o, s:o, s:b}", "available", avail,
			 "unavailable", unavail, "sources", src, "multiplexed",
			 cp->multiplexed);
}

static json_t *quiet_json(const struct report *rp)
{
	struct quiet_summary q;
	records_quiet(rp->recs, rp->n, &q);
	return json_pack("{s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:b}", "cases",
			 (json_int_t)q.measured, "disturbed",
			 (json_int_t)q.disturbed, "rerun", (json_int_t)q.rerun,
			 "shifted", (json_int_t)q.shifted, "max", q.max,
			 "steal_max", q.steal, "others_median", q.others,
			 "rerun_enabled", !rp->opt->no_rerun);
}

static json_t *controls_json(const struct report *rp)
{
	json_t *a = json_array();
	for (size_t i = 0; i < rp->ncontrols; i++)
		json_array_append_new(a, control_probe_json(&rp->controls[i]));
	return a;
}

static json_t *run_json(const struct report *rp)
{
	const struct options *o = rp->opt;
	static const char *const modes[] = {"default", "quick", "full"};
	json_t *argv = json_array(), *threads = json_array(),
	       *placements = json_array();
	/* the command line as typed: the program, then the subcommand's argv */
	json_array_append_new(argv, json_string("contend"));
	for (int i = 0; i < o->argc; i++)
		json_array_append_new(argv, json_string(o->argv[i]));
	for (int i = 0; i < o->nthreads; i++)
		json_array_append_new(threads, json_integer(o->threads[i]));
	for (int i = 0; i < o->nplacements; i++)
		json_array_append_new(placements,
				      json_string(o->placements[i].name));
	json_t *opts = json_pack(
		"{s:s, s:o, s:o, s:f, s:f, s:i, s:f, s:b, s:s?}", "mode",
		modes[o->mode], "threads", threads, "placements", placements,
		"time_s", o->time_s, "warmup_s", o->warmup_s, "repeat",
		o->repeat, "timeout_s", o->timeout_s, "oversubscribe",
		o->oversubscribe, "filter", o->filter);
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:b, s:o, s:o}", "started",
			 rp->started, "finished", rp->finished, "argv", argv,
			 "options", opts, "counters",
			 counters_json(rp->counters), "interrupted",
			 rp->interrupted, "interference", quiet_json(rp),
			 "controls", controls_json(rp));
}

json_t *report_json(const struct report *rp)
{
	json_t *results = json_array();
	for (size_t i = 0; i < rp->n; i++)
		json_array_append_new(results, record_json(&rp->recs[i]));
	return json_pack("{s:s, s:{s:s, s:s}, s:o, s:o, s:o}", "schema",
			 "contend.result/1", "suite", "version",
			 CONTEND_VERSION, "git", CONTEND_GIT, "machine",
			 machine_to_json(rp->machine), "run", run_json(rp),
			 "results", results);
}
