/* The three tables: ns/op and allocation with one row per benchmark/impl/
 * params and one column per threads × placement; counters per op with one
 * row per case. Noisy cells (CV above 5%) carry a '!' in every table. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "report.h"

#define MAX_COLS 128

/* room for a cell: three result fields with their names */
#define CELL_LEN 96

struct grid {
	int ncols, nrows;
	char col[MAX_COLS][80];
	const struct bench *row[1024];
};

static void case_col(const struct record *r, char *buf, size_t len)
{
	snprintf(buf, len, "%dT %s", r->threads, r->placement);
}

static int find_col(struct grid *g, const char *name)
{
	for (int i = 0; i < g->ncols; i++)
		if (strcmp(g->col[i], name) == 0)
			return i;
	if (g->ncols == MAX_COLS)
		return -1;
	snprintf(g->col[g->ncols], sizeof(g->col[0]), "%s", name);
	return g->ncols++;
}

static int find_row(struct grid *g, const struct bench *b)
{
	for (int i = 0; i < g->nrows; i++)
		if (g->row[i] == b)
			return i;
	if (g->nrows == 1024)
		return -1;
	g->row[g->nrows] = b;
	return g->nrows++;
}

void fmt_num(char *buf, size_t len, double v)
{
	double a = v < 0 ? -v : v;
	if (v != v)
		snprintf(buf, len, "n/a");
	else if (a == 0)
		snprintf(buf, len, "0");
	else if (a < 1e15 && v == (double)(long long)v)
		snprintf(buf, len, "%lld", (long long)v);
	else if (a >= 10 && a < 1e6)
		snprintf(buf, len, "%.*f", a < 100 ? 1 : 0, v);
	else
		snprintf(buf, len, "%.3g", v);
}

static void status_cell(const struct record *r, char *buf, size_t len)
{
	static const char *const s[] = {"", "FAIL", "TIMEOUT", "skip"};
	snprintf(buf, len, "%s", s[r->status]);
}

static void ns_cell(const struct record *r, char *buf, size_t len)
{
	char v[32];
	if (r->status != REC_OK) {
		status_cell(r, buf, len);
		return;
	}
	fmt_num(v, sizeof(v), r->ns.median);
	snprintf(buf, len, "%s%s%s%s", v, r->noisy ? "!" : "",
		 r->intf.disturbed ? "#" : "", r->shift.at ? "^" : "");
}

static void alloc_cell(const struct record *r, char *buf, size_t len)
{
	char b[32], a[32];
	if (r->status != REC_OK) {
		status_cell(r, buf, len);
		return;
	}
	if (!r->alloc_valid) {
		snprintf(buf, len, "n/a");
		return;
	}
	fmt_num(b, sizeof(b), r->bytes_per_op);
	fmt_num(a, sizeof(a), r->allocs_per_op);
	snprintf(buf, len, "%s B %s%s", b, a, r->noisy ? "!" : "");
}

static int has_c2c_ratio(const struct record *r)
{
	return r->c2c_ratio == r->c2c_ratio; /* not NaN */
}

static void c2c_cell(const struct record *r, char *buf, size_t len)
{
	snprintf(buf, len, "%.2fx%s%s%s", r->c2c_ratio, r->noisy ? "!" : "",
		 r->intf.disturbed ? "#" : "", r->shift.at ? "^" : "");
}

static int has_go_ratio(const struct record *r)
{
	return r->go_ratio == r->go_ratio; /* not NaN */
}

static void ratio_cell(const struct record *r, char *buf, size_t len)
{
	snprintf(buf, len, "%.2fx%s%s%s%s", r->go_ratio, r->noisy ? "!" : "",
		 r->intf.disturbed ? "#" : "", r->shift.at ? "^" : "",
		 r->go_floor_differs ? "~" : "");
}

static int has_fairness(const struct record *r)
{
	return r->status == REC_OK && r->fair_valid;
}

/* "0.988 0.99-1.01 t": all_running, then the rates' range where known,
 * t when the threads ran for a time (BENCH_TIMED) */
static void fairness_cell(const struct record *r, char *buf, size_t len)
{
	const char *t = r->time_bound ? " t" : "";
	char all[16] = "-"; /* Go rows: no per-goroutine time */
	if (!isnan(r->all_running))
		snprintf(all, sizeof(all), "%.3f", r->all_running);
	if (!isnan(r->rate_min))
		snprintf(buf, len, "%s %.2f-%.2f%s", all, r->rate_min,
			 r->rate_max, t);
	else
		snprintf(buf, len, "%s%s", all, t);
}

static int has_fields(const struct record *r)
{
	return r->status == REC_OK && r->nfields > 0;
}

/* "retired_peak=12 reader_ns=0.9", all fields of the record */
static void fields_cell(const struct record *r, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (int i = 0; i < r->nfields && n < len; i++) {
		char v[32];
		fmt_num(v, sizeof(v), r->fields[i].value);
		n += (size_t)snprintf(buf + n, len - n, "%s%s=%s", i ? " " : "",
				      r->fields[i].name, v);
	}
}

static void row_label(const struct bench *b, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s%s%s", b->name, b->impl,
		 b->params[0] ? " " : "", b->params);
}

typedef void (*cell_fn)(const struct record *, char *, size_t);

typedef int (*keep_fn)(const struct record *);

/* Cells of the grid table, [row][col], "" where no case; only the records
 * keep accepts (all when keep is NULL). */
static char *grid_cells(const struct report *rp, struct grid *g, cell_fn fn,
			keep_fn keep)
{
	char *cells;
	memset(g, 0, sizeof(*g));
	for (size_t i = 0; i < rp->n; i++) {
		char c[80];
		if (keep && !keep(&rp->recs[i]))
			continue;
		case_col(&rp->recs[i], c, sizeof(c));
		find_col(g, c);
		find_row(g, rp->recs[i].b);
	}
	cells = calloc((size_t)(g->nrows * g->ncols) + 1, CELL_LEN);
	for (size_t i = 0; cells && i < rp->n; i++) {
		char c[80];
		int row, col;
		if (keep && !keep(&rp->recs[i]))
			continue;
		case_col(&rp->recs[i], c, sizeof(c));
		col = find_col(g, c);
		row = find_row(g, rp->recs[i].b);
		if (row >= 0 && col >= 0)
			fn(&rp->recs[i],
			   cells + (size_t)(row * g->ncols + col) * CELL_LEN,
			   CELL_LEN);
	}
	return cells;
}

struct table {
	int ncols, nrows;
	const char **head;
	const char **cell; /* [nrows][ncols] */
};

static void print_table(FILE *f, const struct table *t, int markdown)
{
	int w[MAX_COLS + 1] = {0};
	for (int c = 0; c < t->ncols; c++) {
		w[c] = (int)strlen(t->head[c]);
		for (int r = 0; r < t->nrows; r++) {
			int l = (int)strlen(t->cell[r * t->ncols + c]);
			w[c] = l > w[c] ? l : w[c];
		}
	}
	for (int r = -1; r < t->nrows; r++) {
		for (int c = 0; c < t->ncols; c++) {
			const char *s =
				r < 0 ? t->head[c] : t->cell[r * t->ncols + c];
			/* names left, figures right */
			int left = c == 0 || (r < 0 && !markdown);
			fprintf(f, markdown ? "| %*s " : "%*s  ",
				left ? -w[c] : w[c], s);
		}
		fprintf(f, markdown ? "|\n" : "\n");
		if (r < 0 && markdown) {
			for (int c = 0; c < t->ncols; c++) {
				fputc('|', f);
				for (int k = 0; k < w[c] + 2; k++)
					fputc(k == w[c] + 1 && c ? ':' : '-',
					      f);
			}
			fprintf(f, "|\n");
		}
	}
}

static void grid_table(FILE *f, const struct report *rp, int markdown,
		       const char *title, cell_fn fn, keep_fn keep)
{
	struct grid *g = malloc(sizeof(*g));
	char *cells = g ? grid_cells(rp, g, fn, keep) : NULL;
	struct table t;
	char(*labels)[128];
	if (!cells || g->nrows == 0) {
		free(cells);
		free(g);
		return;
	}
	t.ncols = g->ncols + 1;
	t.nrows = g->nrows;
	t.head = calloc((size_t)t.ncols, sizeof(char *));
	t.cell = calloc((size_t)(t.ncols * t.nrows) + 1, sizeof(char *));
	labels = calloc((size_t)g->nrows + 1, sizeof(*labels));
	if (t.head && t.cell && labels) {
		t.head[0] = "benchmark";
		for (int c = 0; c < g->ncols; c++)
			t.head[c + 1] = g->col[c];
		for (int r = 0; r < g->nrows; r++) {
			row_label(g->row[r], labels[r], sizeof(labels[r]));
			t.cell[(size_t)r * (size_t)t.ncols] = labels[r];
			for (int c = 0; c < g->ncols; c++)
				t.cell[(size_t)(r * t.ncols + c + 1)] =
					cells +
					(size_t)(r * g->ncols + c) * CELL_LEN;
		}
		fprintf(f, markdown ? "\n### %s\n\n" : "\n%s\n", title);
		print_table(f, &t, markdown);
	}
	free(labels);
	free(t.head);
	free(t.cell);
	free(cells);
	free(g);
}

static const char *const counter_heads[CTR_COUNT] = {
	"cycles", "instr", "L1D miss", "LLC miss", "ctx-sw", "faults", "migr",
};

static void counters_table(FILE *f, const struct report *rp, int markdown)
{
	struct table t;
	char *buf = calloc(rp->n * (CTR_COUNT + 1) + 1, 128);
	t.ncols = CTR_COUNT + 1;
	t.nrows = (int)rp->n;
	t.head = calloc((size_t)t.ncols, sizeof(char *));
	t.cell = calloc((size_t)(t.ncols * t.nrows) + 1, sizeof(char *));
	if (buf && t.head && t.cell) {
		t.head[0] = "case";
		for (int c = 0; c < CTR_COUNT; c++)
			t.head[c + 1] = counter_heads[c];
		for (size_t i = 0; i < rp->n; i++) {
			const struct record *r = &rp->recs[i];
			char label[128], col[80];
			char *cell = buf + i * (CTR_COUNT + 1) * 128;
			row_label(r->b, label, sizeof(label));
			case_col(r, col, sizeof(col));
			snprintf(cell, 128, "%.80s %.40s", label, col);
			t.cell[i * (size_t)t.ncols] = cell;
			for (int c = 0; c < CTR_COUNT; c++) {
				char *x = cell + (size_t)(c + 1) * 128;
				if (r->status != REC_OK)
					status_cell(r, x, 128);
				else if (!r->counter_valid[c])
					snprintf(x, 128, "n/a");
				else {
					fmt_num(x, 120, r->counters[c]);
					strcat(x, r->noisy ? "!" : "");
				}
				t.cell[i * (size_t)t.ncols + (size_t)c + 1] = x;
			}
		}
		fprintf(f, markdown ? "\n### %s\n\n" : "\n%s\n",
			"counters per op");
		print_table(f, &t, markdown);
	}
	free(buf);
	free(t.head);
	free(t.cell);
}

/* The cases whose samples came at two levels, each with its levels (a
 * few: past SHIFT_NOTES_MAX, a count). */
#define SHIFT_NOTES_MAX 5
static void shift_notes(FILE *f, const struct report *rp, int markdown,
			int *header)
{
	size_t shown = 0, more = 0;
	for (size_t i = 0; i < rp->n; i++) {
		const struct record *r = &rp->recs[i];
		char label[128], col[80], a[32], b[32];
		if (r->status != REC_OK || !r->shift.at)
			continue;
		if (shown == SHIFT_NOTES_MAX) {
			more++;
			continue;
		}
		if (!(*header)++)
			fprintf(f, "\n%s\n",
				markdown ? "### notes\n" : "notes");
		row_label(r->b, label, sizeof(label));
		case_col(r, col, sizeof(col));
		fmt_num(a, sizeof(a), r->shift.before);
		fmt_num(b, sizeof(b), r->shift.after);
		fprintf(f,
			"%s^ %s %s: samples at two levels, %s ns/op for %d "
			"then %s for %d (the machine changed mid-case: a "
			"VM's vCPUs moved on the host, a frequency step); "
			"the median is one of them, not both\n",
			markdown ? "- " : "  ", label, col, a, r->shift.at, b,
			r->nsamples - r->shift.at);
		shown++;
	}
	if (more)
		fprintf(f, "%s^ and %zu more case(s) at two levels\n",
			markdown ? "- " : "  ", more);
}

/* Why cells are skip/FAIL/n/a, each reason once. */
static void notes(FILE *f, const struct report *rp, int markdown)
{
	const struct counter_plan *cp = rp->counters;
	int header = 0;
	for (size_t i = 0; i < rp->n; i++) {
		const struct record *r = &rp->recs[i];
		int seen = 0;
		if (r->status == REC_OK)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = rp->recs[j].status != REC_OK &&
			       strcmp(rp->recs[j].reason, r->reason) == 0;
		if (seen)
			continue;
		if (!header++)
			fprintf(f, "\n%s\n",
				markdown ? "### notes\n" : "notes");
		fprintf(f, "%s%s: %s (%s %dT %s)\n", markdown ? "- " : "  ",
			rec_status_name(r->status), r->reason, r->b->name,
			r->threads, r->placement);
	}
	for (int c = 0; c < CTR_COUNT; c++)
		if (cp->wanted[c] && !cp->available[c]) {
			if (!header++)
				fprintf(f, "\n%s\n",
					markdown ? "### notes\n" : "notes");
			fprintf(f, "%sn/a %s: %s\n", markdown ? "- " : "  ",
				counter_name(c), cp->reason[c]);
		}
	for (size_t i = 0; i < rp->n; i++)
		if (rp->recs[i].b->flags & BENCH_GO) {
			fprintf(f,
				"%sgo rows: Go's own benchmark harness in its "
				"own process; counters are not read there "
				"(n/a)\n",
				markdown ? "- " : "  ");
			break;
		}
	for (size_t i = 0; i < rp->n; i++)
		if (rp->recs[i].go_floor_differs) {
			if (!header++)
				fprintf(f, "\n%s\n",
					markdown ? "### notes\n" : "notes");
			fprintf(f,
				"%s~ in C / Go: the C and the Go case met "
				"cache-line round trips (c2c_floor_ns) more "
				"than %gx apart (the vCPUs moved between "
				"them); "
				"that ratio mixes two states of the machine\n",
				markdown ? "- " : "  ", GO_FLOOR_DIFF);
			break;
		}
	shift_notes(f, rp, markdown, &header);
	if (cp->multiplexed)
		fprintf(f,
			"%shardware counters multiplexed: counts scaled by "
			"enabled/running time\n",
			markdown ? "- " : "  ");
	if (!alloc_counting_available())
		fprintf(f,
			"%sallocation n/a: this build replaces malloc "
			"(sanitizer)\n",
			markdown ? "- " : "  ");
}

static void overhead_line(FILE *f, const struct report *rp)
{
	for (size_t i = 0; i < rp->n; i++) {
		const struct record *r = &rp->recs[i];
		char v[32];
		if (strcmp(r->b->name, "empty/loop") != 0 ||
		    r->status != REC_OK || r->threads != 1)
			continue;
		fmt_num(v, sizeof(v), r->ns.median);
		fprintf(f,
			"\nharness overhead (empty/loop, 1 thread): %s ns/op, "
			"included in every figure above\n",
			v);
		return;
	}
}

void report_quiet_line(FILE *f, const struct report *rp)
{
	struct quiet_summary q;
	records_quiet(rp->recs, rp->n, &q);
	if (!q.measured)
		return;
	if (!q.disturbed)
		fprintf(f,
			"\nmachine: quiet (no case disturbed; others took "
			"%.1f%% "
			"of a case's CPUs at the median, %.1f%% at most; steal "
			"%.1f%% at most%s)\n",
			100 * q.others, 100 * q.max, 100 * q.steal,
			q.rerun ? "; after re-runs" : "");
	else
		fprintf(f,
			"\nmachine: DISTURBED: %zu of %zu cases (#) shared "
			"their "
			"CPUs with other tasks (up to %.0f%% of their time; "
			"steal up to %.1f%%)%s; their figures are not the "
			"primitive's alone\n",
			q.disturbed, q.measured, 100 * q.max, 100 * q.steal,
			q.rerun ? ", after re-runs" : "");
	if (q.shifted)
		fprintf(f,
			"machine: CHANGED mid-case: %zu case(s) (^) have "
			"samples at two levels %gx or more apart%s (notes "
			"above)\n",
			q.shifted, SHIFT_RATIO,
			q.rerun ? ", after re-runs" : "");
}

void report_tables(FILE *f, const struct report *rp, int markdown)
{
	const struct machine *m = rp->machine;
	fprintf(f,
		markdown ? "## contend on %s\n\n%s, %d CPUs; %g s x %d samples "
			   "per case; ! = noisy (CV > 5%%); # = disturbed "
			   "(other tasks took its CPUs); ^ = two levels\n"
			 : "contend on %s (%s, %d CPUs): %g s x %d samples "
			   "per case; ! = noisy (CV > 5%%); # = disturbed "
			   "(other tasks took its CPUs); ^ = two levels\n",
		m->id, m->cpu.brand[0] ? m->cpu.brand : "unknown CPU",
		m->topo.pus, rp->opt->time_s, rp->opt->repeat);
	grid_table(f, rp, markdown, "ns/op (median)", ns_cell, NULL);
	grid_table(f, rp, markdown, "C / Go (ns/op ratio; < 1: C is faster)",
		   ratio_cell, has_go_ratio);
	grid_table(
		f, rp, markdown,
		"C / c2c (op over the cache-line round trip between the "
		"same two threads, timed after each sample; Go rows: over "
		"c2c/pingpong's; floor: 1x for a round trip such as "
		"chan/pingpong, 0.5x for one transfer such as mutex/handoff)",
		c2c_cell, has_c2c_ratio);
	grid_table(f, rp, markdown, "allocation (B/op allocs/op)", alloc_cell,
		   NULL);
	grid_table(f, rp, markdown,
		   "fairness (the share of the span during which all threads "
		   "ran, - for Go rows; then the slowest and fastest "
		   "thread's (goroutine's) rate over the mean; t: the "
		   "threads ran for the same time, not the same count: "
		   "--bound)",
		   fairness_cell, has_fairness);
	grid_table(f, rp, markdown,
		   "result fields (what a workload measures beside ns/op; "
		   "results/README.md says what each means)",
		   fields_cell, has_fields);
	counters_table(f, rp, markdown);
	overhead_line(f, rp);
	notes(f, rp, markdown);
	report_quiet_line(f, rp);
}
