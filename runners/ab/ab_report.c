/* Verdicts and the three formats of contend ab. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ab.h"
#include "report.h"

#ifndef CONTEND_VERSION
#define CONTEND_VERSION "unknown"
#endif
#include "contend_git.h"

const char *ab_verdict_name(enum ab_verdict v)
{
	static const char *const names[] = {"same", "regression", "improvement",
					    "inconclusive"};
	return names[v];
}

const char *ab_correction_name(enum ab_correction c)
{
	return c == AB_HOLM ? "holm" : "bh";
}

static const char *correction_text(enum ab_correction c)
{
	return c == AB_HOLM ? "Holm (family-wise error"
			    : "Benjamini-Hochberg (false discovery rate";
}

/* Fewer undisturbed rounds than this and a case is not judged: half the
 * first look's, and never under the 6 a 95% interval needs. */
static int min_rounds(const struct ab_run *run, const struct ab_result *r)
{
	int want = ab_looks_of(run, r)->rounds[0];
	return want / 2 > 6 ? want / 2 : 6;
}

static int enough_rounds(const struct ab_run *run, const struct ab_result *r)
{
	return r->status == AB_OK && r->rounds >= min_rounds(run, r);
}

/* The cases with enough rounds to be judged among m: those whose interval
 * settled within the threshold, and those that could be flagged on their
 * own: the smallest p of n rounds is 2^(1-n), divided by the weight of the
 * look it stopped at, which the first step of Holm and of
 * Benjamini-Hochberg alike multiplies by m. A case that could not reach
 * significance whatever it measured is inconclusive, not "same". */
static size_t judged_family(const struct ab_run *run)
{
	size_t m = 0;
	for (size_t i = 0; i < run->n; i++)
		m += enough_rounds(run, &run->res[i]);
	return m;
}

void ab_judge(struct ab_run *run)
{
	double *p = calloc(run->n + 1, sizeof(double));
	double up = 1 + run->threshold_pct / 100;
	size_t m = 0;
	if (!p)
		return;
	run->judged_cases = judged_family(run);
	for (size_t i = 0; i < run->n; i++) {
		struct ab_result *r = &run->res[i];
		r->judged = enough_rounds(run, r) &&
			    (r->settled == AB_LOOK_SAME ||
			     ab_looks_p(ab_looks_of(run, r), r->look,
					ldexp(1.0, 1 - r->rounds)) *
					     (double)run->judged_cases <
				     run->alpha);
	}
	for (size_t i = 0; i < run->n; i++)
		if (run->res[i].judged)
			p[m++] = ab_looks_p(ab_looks_of(run, &run->res[i]),
					    run->res[i].look, run->res[i].pr.p);
	(run->correction == AB_HOLM ? stats_holm : stats_bh)(p, m, p);
	m = 0;
	for (size_t i = 0; i < run->n; i++) {
		struct ab_result *r = &run->res[i];
		r->p_adj = NAN;
		if (r->status == AB_FAILED) {
			/* it ran on base and not on head */
			r->verdict = strncmp(r->reason, "head", 4)
					     ? AB_INCONCLUSIVE
					     : AB_REGRESSION;
		} else if (r->status == AB_SKIPPED) {
			/* skipped on both, or on one side only */
			r->verdict = strncmp(r->reason, "head: ", 6)
					     ? AB_SAME
					     : AB_INCONCLUSIVE;
		} else if (!r->judged) {
			r->verdict = AB_INCONCLUSIVE;
		} else {
			r->p_adj = p[m++];
			r->verdict = r->p_adj >= run->alpha ? AB_SAME
				     : r->pr.shift > up	    ? AB_REGRESSION
				     : r->pr.shift < 1 / up ? AB_IMPROVEMENT
							    : AB_SAME;
		}
	}
	free(p);
}

static void case_label(const struct ab_result *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s%s%s %dT %s", r->id.bench, r->id.impl,
		 r->id.params[0] ? " " : "", r->id.params, r->id.threads,
		 r->id.placement);
}

static void ratio_text(const struct ab_result *r, char *buf, size_t len)
{
	if (r->status != AB_OK || r->rounds == 0)
		snprintf(buf, len, "%s", "");
	else if (r->pr.ci_valid)
		snprintf(buf, len, "%.3f [%.3f, %.3f]", r->pr.shift,
			 r->pr.ci_lo, r->pr.ci_hi);
	else
		snprintf(buf, len, "%.3f", r->pr.shift);
}

static void verdict_text(const struct ab_run *run, const struct ab_result *r,
			 char *buf, size_t len)
{
	if (r->status == AB_SKIPPED)
		snprintf(buf, len, "skipped: %.200s", r->reason);
	else if (r->status == AB_FAILED)
		snprintf(buf, len, "%s (%.200s)",
			 r->verdict == AB_REGRESSION ? "REGRESSION"
						     : "inconclusive",
			 r->reason);
	else if (r->verdict == AB_INCONCLUSIVE &&
		 r->rounds >= ab_looks_of(run, r)->rounds[r->look])
		snprintf(buf, len,
			 "inconclusive (%d rounds cannot reach significance "
			 "over %zu cases: take more --max-rounds)",
			 r->rounds, run->judged_cases);
	else if (r->verdict == AB_INCONCLUSIVE)
		snprintf(buf, len,
			 "inconclusive (disturbed: %d samples redone, %d of %d "
			 "rounds clean)",
			 r->disturbed, r->rounds,
			 ab_looks_of(run, r)->rounds[r->look]);
	else if (r->verdict == AB_REGRESSION)
		snprintf(buf, len, "REGRESSION");
	else if (r->verdict == AB_IMPROVEMENT)
		snprintf(buf, len, "improvement");
	else
		snprintf(buf, len, "~");
}

struct family {
	char name[64];
	double log_sum;
	int n, regress, improve;
};

static int families(const struct ab_run *run, struct family *f, int max)
{
	int nf = 0;
	for (size_t i = 0; i < run->n; i++) {
		const struct ab_result *r = &run->res[i];
		char name[64];
		int k;
		if (!r->judged)
			continue;
		snprintf(name, sizeof(name), "%.*s",
			 (int)strcspn(r->id.bench, "/"), r->id.bench);
		for (k = 0; k < nf && strcmp(f[k].name, name) != 0; k++)
			;
		if (k == nf) {
			if (nf == max)
				continue;
			memset(&f[nf], 0, sizeof(f[nf]));
			snprintf(f[nf++].name, sizeof(f[0].name), "%s", name);
		}
		f[k].log_sum += log(r->pr.shift);
		f[k].n++;
		f[k].regress += r->verdict == AB_REGRESSION;
		f[k].improve += r->verdict == AB_IMPROVEMENT;
	}
	return nf;
}

static void count(const struct ab_run *run, int *reg, int *imp, int *inc,
		  int *judged_n)
{
	*reg = *imp = *inc = *judged_n = 0;
	for (size_t i = 0; i < run->n; i++) {
		*reg += run->res[i].verdict == AB_REGRESSION;
		*imp += run->res[i].verdict == AB_IMPROVEMENT;
		*inc += run->res[i].verdict == AB_INCONCLUSIVE;
		*judged_n += run->res[i].judged;
	}
}

static void print_header(FILE *f, const struct ab_run *run, int md)
{
	const struct ab_side *b = &run->side[0][0], *h = &run->side[1][0];
	fprintf(f,
		md ? "### contend ab: `%s` → `%s`\n\n"
		   : "contend ab: %s -> %s\n",
		b->spec, h->spec);
	fprintf(f,
		"%s%s (%s, %d CPUs); %d to %d rounds per case as its verdict "
		"needs (Go rows at most %d) of %g s per side, base and head "
		"in turn (which goes first drawn each round, seed %llu) with "
		"the same iteration count; a sample taken again when another "
		"task took a case's CPU\n",
		md ? "" : "  ", run->machine.id,
		run->machine.cpu.brand[0] ? run->machine.cpu.brand : "unknown",
		run->machine.topo.pus, run->rounds, run->max_rounds,
		run->go_looks.rounds[run->go_looks.n - 1], run->sample_s,
		(unsigned long long)run->seed);
}

static void print_summary(FILE *f, const struct ab_run *run, int md)
{
	struct family fam[64];
	int nf = families(run, fam, 64), reg, imp, inc, nj;
	count(run, &reg, &imp, &inc, &nj);
	fprintf(f, md ? "\n| family | head/base (geomean) | cases | slower | "
			"faster |\n|---|---:|---:|---:|---:|\n"
		      : "\nper family: head/base, geometric mean over its "
			"cases\n");
	for (int k = 0; k < nf; k++)
		fprintf(f,
			md ? "| %s | %.3f | %d | %d | %d |\n"
			   : "  %-10s %.3f  (%d cases, %d slower, %d "
			     "faster)\n",
			fam[k].name, exp(fam[k].log_sum / fam[k].n), fam[k].n,
			fam[k].regress, fam[k].improve);
	fprintf(f,
		"\n%s%d regression(s) beyond %g%%, %d improvement(s), %d "
		"inconclusive, %zu case(s) (%d judged); head/base = "
		"Hodges-Lehmann estimate of the per-round ratios with its "
		"95%% interval (Wilcoxon signed-rank), p divided by its "
		"last look's share of alpha and corrected by %s "
		"%g) over the %d judged cases; %.0f s%s\n",
		md ? "**" : "", reg, run->threshold_pct, imp, inc, run->n, nj,
		correction_text(run->correction), run->alpha, nj, run->seconds,
		run->interrupted ? "; INTERRUPTED: the cases not reached are "
				   "missing"
				 : "");
	if (md)
		fprintf(f, "\n");
}

static void print_rows(FILE *f, const struct ab_run *run, int md, int all)
{
	const char *pcol = run->correction == AB_HOLM ? "p (Holm)" : "p (BH)";
	if (md)
		fprintf(f,
			"| case | base ns/op | head ns/op | head/base "
			"[95%%] | %s | verdict |\n|---|---:|---:|---:"
			"|---:|---|\n",
			pcol);
	else
		fprintf(f, "\n%-58s %11s %11s %26s %9s  %s\n", "case",
			"base ns/op", "head ns/op", "head/base [95%]", pcol,
			"verdict");
	for (size_t i = 0; i < run->n; i++) {
		const struct ab_result *r = &run->res[i];
		char label[400], b[32] = "", h[32] = "", ratio[80], p[32] = "",
				 v[300];
		if (!all && r->verdict == AB_SAME)
			continue;
		case_label(r, label, sizeof(label));
		if (r->status == AB_OK && r->rounds) {
			fmt_num(b, sizeof(b), r->base_ns);
			fmt_num(h, sizeof(h), r->head_ns);
		}
		ratio_text(r, ratio, sizeof(ratio));
		if (r->p_adj == r->p_adj)
			snprintf(p, sizeof(p), "%.2g", r->p_adj);
		verdict_text(run, r, v, sizeof(v));
		fprintf(f,
			md ? "| %s | %s | %s | %s | %s | %s |\n"
			   : "%-58s %11s %11s %26s %9s  %s\n",
			label, b, h, ratio, p, v);
	}
}

void ab_print(FILE *f, const struct ab_run *run, int md)
{
	print_header(f, run, md);
	if (md) {
		print_summary(f, run, 1);
		print_rows(f, run, 1, 0);
		fprintf(f, "\n<details><summary>every case</summary>\n\n");
		print_rows(f, run, 1, 1);
		fprintf(f, "\n</details>\n");
	} else {
		print_rows(f, run, 0, 1);
		print_summary(f, run, 0);
	}
}

static json_t *num(double v)
{
	return v == v && !isinf(v) ? json_real(v) : json_null();
}

static json_t *build_json(const struct ab_side *sd)
{
	return sd->build[0] ? json_string(sd->build) : json_null();
}

static json_t *rounds_json(const double *v, int n)
{
	json_t *a = json_array();
	for (int i = 0; v && i < n; i++)
		json_array_append_new(a, json_real(v[i]));
	return a;
}

/* Why the case took no more rounds (ab_looks.h). */
static const char *stop_name(const struct ab_run *run,
			     const struct ab_result *r)
{
	static const char *const names[] = {"disturbed", "same", "changed",
					    "last", "time"};
	if (r->status != AB_OK)
		return "";
	/* its rounds ran out, too disturbed, whatever the look said of the
	 * fewer rounds it had */
	if (r->settled == AB_LOOK_MORE ||
	    (r->settled != AB_LOOK_TIME &&
	     r->rounds < ab_looks_of(run, r)->rounds[r->look]))
		return "disturbed";
	return names[r->settled];
}

static json_t *result_json(const struct ab_run *run, const struct ab_result *r)
{
	static const char *const st[] = {"ok", "skipped", "failed"};
	json_t *o =
		json_pack("{s:s, s:s, s:o, s:i, s:s, s:b, s:s, s:s, s:s}",
			  "benchmark", r->id.bench, "impl", r->id.impl,
			  "params", report_params_json(r->id.params), "threads",
			  r->id.threads, "placement", r->id.placement, "go",
			  r->id.go, "status", st[r->status], "reason",
			  r->reason, "verdict", ab_verdict_name(r->verdict));
	json_object_set_new(o, "iterations",
			    json_integer((json_int_t)r->iters));
	json_object_set_new(o, "rounds", json_integer(r->rounds));
	json_object_set_new(o, "looks", json_integer(r->look + 1));
	json_object_set_new(o, "rounds_wanted",
			    json_integer(ab_looks_of(run, r)->rounds[r->look]));
	json_object_set_new(o, "stopped", json_string(stop_name(run, r)));
	json_object_set_new(o, "p_weight",
			    json_real(ab_looks_of(run, r)->weight[r->look]));
	json_object_set_new(o, "redone_samples", json_integer(r->disturbed));
	json_object_set_new(o, "base_ns_per_op",
			    rounds_json(r->base, r->rounds));
	json_object_set_new(o, "head_ns_per_op",
			    rounds_json(r->head, r->rounds));
	json_object_set_new(o, "first", json_string(r->first ? r->first : ""));
	json_object_set_new(o, "served",
			    json_string(r->served ? r->served : ""));
	json_object_set_new(o, "base_median",
			    num(r->rounds ? r->base_ns : NAN));
	json_object_set_new(o, "head_median",
			    num(r->rounds ? r->head_ns : NAN));
	json_object_set_new(o, "ratio", num(r->rounds ? r->pr.shift : NAN));
	json_object_set_new(
		o, "ci95",
		r->rounds && r->pr.ci_valid
			? json_pack("[f, f]", r->pr.ci_lo, r->pr.ci_hi)
			: json_null());
	json_object_set_new(o, "p", num(r->rounds ? r->pr.p : NAN));
	json_object_set_new(o, "p_adjusted", num(r->p_adj));
	json_object_set_new(o, "seconds", json_real(r->seconds));
	return o;
}

json_t *ab_json(const struct ab_run *run)
{
	json_t *cases = json_array(), *fams = json_object();
	struct family fam[64];
	int nf = families(run, fam, 64), reg, imp, inc, nj;
	count(run, &reg, &imp, &inc, &nj);
	for (size_t i = 0; i < run->n; i++)
		json_array_append_new(cases, result_json(run, &run->res[i]));
	for (int k = 0; k < nf; k++)
		json_object_set_new(fams, fam[k].name,
				    json_pack("{s:f, s:i, s:i, s:i}", "geomean",
					      exp(fam[k].log_sum / fam[k].n),
					      "cases", fam[k].n, "regressions",
					      fam[k].regress, "improvements",
					      fam[k].improve));
	return json_pack(
		"{s:s, s:{s:s, s:s}, s:o, s:{s:s, s:s, s:s, s:o}, s:{s:s, s:s, "
		"s:s, s:o}, s:{s:s, s:s, s:f, s:b, s:i, s:i, s:i, s:f, s:f, "
		"s:s, "
		"s:f, "
		"s:s, s:I, s:i}, s:o, s:o, s:{s:i, s:i, s:i, s:I, s:i}}",
		"schema", "contend.ab/3", "suite", "version", CONTEND_VERSION,
		"git", CONTEND_GIT, "machine", machine_to_json(&run->machine),
		"base", "spec", run->side[0][0].spec, "binary",
		run->side[0][0].bin, "git", run->side[0][0].git, "build",
		build_json(&run->side[0][0]), "head", "spec",
		run->side[1][0].spec, "binary", run->side[1][0].bin, "git",
		run->side[1][0].git, "build", build_json(&run->side[1][0]),
		"run", "started", run->started, "finished", run->finished,
		"seconds", run->seconds, "interrupted", run->interrupted,
		"rounds", run->rounds, "max_rounds", run->max_rounds,
		"go_max_rounds", run->go_looks.rounds[run->go_looks.n - 1],
		"sample_s", run->sample_s, "threshold_pct", run->threshold_pct,
		"correction", ab_correction_name(run->correction), "alpha",
		run->alpha, "order", "coin", "seed", (json_int_t)run->seed,
		"processes", run->procs, "cases", cases, "families", fams,
		"summary", "regressions", reg, "improvements", imp,
		"inconclusive", inc, "cases", (json_int_t)run->n, "judged", nj);
}
