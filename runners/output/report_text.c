/* Flat writers: CSV (one row per case) and Go's benchmark format. */
#include <string.h>

#include "goref.h"
#include "report.h"

static void csv_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_num(FILE *f, int valid, double v)
{
	if (valid)
		fprintf(f, ",%.6g", v);
	else
		fprintf(f, ",");
}

void report_csv(FILE *f, const struct report *rp)
{
	fprintf(f, "benchmark,impl,params,threads,placement,cpus,status,reason,"
		   "ns_per_op,min,max,mean,cv,ci95_lo,ci95_hi,"
		   "ns_per_op_thread,bytes_per_op,allocs_per_op");
	for (int c = 0; c < CTR_COUNT; c++)
		fprintf(f, ",%s", counter_name(c));
	fprintf(f, ",noisy,samples\n");
	for (size_t i = 0; i < rp->n; i++) {
		const struct record *r = &rp->recs[i];
		int ok = r->status == REC_OK;
		fprintf(f, "%s,%s,", r->b->name, r->b->impl);
		csv_str(f, r->b->params);
		fprintf(f, ",%d,", r->threads);
		csv_str(f, r->placement);
		fprintf(f, ",\"");
		for (int t = 0; r->cpus && t < r->threads; t++)
			fprintf(f, "%s%d", t ? " " : "", r->cpus[t]);
		fprintf(f, "\",%s,", rec_status_name(r->status));
		csv_str(f, r->reason);
		csv_num(f, ok, r->ns.median);
		csv_num(f, ok, r->ns.min);
		csv_num(f, ok, r->ns.max);
		csv_num(f, ok, r->ns.mean);
		csv_num(f, ok, r->ns.cv);
		csv_num(f, ok && r->ns.ci_valid, r->ns.ci_lo);
		csv_num(f, ok && r->ns.ci_valid, r->ns.ci_hi);
		csv_num(f, ok, r->ns_thread);
		csv_num(f, ok && r->alloc_valid, r->bytes_per_op);
		csv_num(f, ok && r->alloc_valid, r->allocs_per_op);
		for (int c = 0; c < CTR_COUNT; c++)
			csv_num(f, ok && r->counter_valid[c], r->counters[c]);
		fprintf(f, ",%d,%d\n", r->noisy, r->nsamples);
	}
}

void report_gobench(FILE *f, const struct report *rp)
{
	const struct machine *m = rp->machine;
	fprintf(f, "goos: linux\ngoarch: %s\npkg: contend\ncpu: %s\n",
#if defined(__x86_64__)
		"amd64",
#elif defined(__aarch64__)
		"arm64",
#else
		"unknown",
#endif
		m->cpu.brand[0] ? m->cpu.brand : "unknown");
	for (size_t i = 0; i < rp->n; i++) {
		const struct record *r = &rp->recs[i];
		char name[256], params[256];
		if (r->status != REC_OK)
			continue;
		goref_name(r->b->name, name, sizeof(name)); /* BenchmarkX */
		snprintf(params, sizeof(params), "%s", r->b->params);
		for (char *p = params; *p; p++)
			if (*p == ',')
				*p = '/';
		for (int k = 0; k < r->nsamples; k++) {
			fprintf(f,
				"%s/impl=%s%s%s/"
				"placement=%s-%d\t%llu\t%.4g ns/op",
				name, r->b->impl, params[0] ? "/" : "", params,
				r->placement, r->threads,
				(unsigned long long)r->iters, r->samples[k]);
			if (r->alloc_valid)
				fprintf(f, "\t%.4g B/op\t%.4g allocs/op",
					r->bytes_per_op, r->allocs_per_op);
			fputc('\n', f);
		}
	}
}
