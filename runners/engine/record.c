#include "record.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int same_case(const struct record *a, const struct record *b)
{
	return !strcmp(a->b->name, b->b->name) &&
	       !strcmp(a->b->params, b->b->params) &&
	       a->threads == b->threads && !strcmp(a->placement, b->placement);
}

static int floors_differ(const struct record *a, const struct record *b)
{
	double x = a->c2c_floor_ns, y = b->c2c_floor_ns;
	return x > 0 && y > 0 &&
	       (x > y * GO_FLOOR_DIFF || y > x * GO_FLOOR_DIFF);
}

void records_link_go(struct record *recs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct record *r = &recs[i];
		r->go_ratio = NAN;
		r->go_floor_differs = 0;
		if (r->status != REC_OK || (r->b->flags & BENCH_GO))
			continue;
		for (size_t j = 0; j < n; j++) {
			const struct record *g = &recs[j];
			if (g->status == REC_OK && (g->b->flags & BENCH_GO) &&
			    !strcmp(g->b->impl, "go") && same_case(r, g) &&
			    g->ns.median > 0) {
				r->go_ratio = r->ns.median / g->ns.median;
				r->go_floor_differs = floors_differ(r, g);
			}
		}
	}
}

void records_link_c2c(struct record *recs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct record *r = &recs[i];
		int handoff =
			r->status == REC_OK && (r->b->flags & BENCH_HANDOFF);
		if (handoff && record_is_pair(r) && r->c2c_floor_ns > 0)
			continue; /* its own floor, from measure.c or goref.c */
		r->c2c_ratio = NAN;
		if (!handoff)
			continue;
		for (size_t j = 0; j < n; j++) {
			const struct record *c = &recs[j];
			if (c->status == REC_OK &&
			    !strcmp(c->b->name, "c2c/pingpong") &&
			    c->threads == r->threads &&
			    !strcmp(c->placement, r->placement) &&
			    c->ns.median > 0)
				r->c2c_ratio = r->ns.median / c->ns.median;
		}
	}
}

void records_add_overhead(struct record *recs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct record *r = &recs[i];
		int f = 0;
		while (f < r->nfields &&
		       strcmp(r->fields[f].name, "ideal_ns_per_op") != 0)
			f++;
		if (r->status != REC_OK || f == r->nfields ||
		    r->nfields >= BENCH_MAX_FIELDS + RECORD_RUNNER_FIELDS ||
		    !(r->ns.median > 0))
			continue;
		r->fields[r->nfields++] =
			(struct bench_field){"overhead_ns_per_op",
					     r->ns.median - r->fields[f].value};
	}
}

int record_needs_rerun(const struct record *r)
{
	return r->status == REC_OK && (r->intf.disturbed || r->shift.at);
}

void records_quiet(const struct record *recs, size_t n, struct quiet_summary *q)
{
	double *others = malloc(sizeof(double) * (n ? n : 1));
	size_t no = 0;
	memset(q, 0, sizeof(*q));
	for (size_t i = 0; i < n; i++) {
		const struct interference *in = &recs[i].intf;
		q->rerun += recs[i].rerun != 0;
		q->shifted += recs[i].status == REC_OK && recs[i].shift.at;
		if (recs[i].status != REC_OK || !in->valid)
			continue;
		q->measured++;
		q->disturbed += in->disturbed != 0;
		q->max = fmax(q->max, in->max);
		if (in->steal == in->steal)
			q->steal = fmax(q->steal, in->steal);
		if (others && in->others == in->others)
			others[no++] = in->others;
	}
	if (no) {
		struct summary s;
		stats_summarize(others, no, &s);
		q->others = s.median;
	}
	free(others);
}

const char *rec_status_name(enum rec_status s)
{
	static const char *const names[] = {"ok", "failed", "timeout",
					    "skipped"};
	return names[s];
}

void record_free(struct record *r)
{
	free(r->cpus);
	free(r->samples);
	free(r->wait_samples);
	free(r->thread_ops);
	r->thread_ops = NULL;
	r->cpus = NULL;
	r->samples = NULL;
	r->wait_samples = NULL;
}
