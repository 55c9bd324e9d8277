/* The claims' verdicts as a table (aligned text or markdown) with notes,
 * and as JSON for scripts/compare: the same cells in every form. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claims.h"
#include "report.h"
#include "shown.h"

enum {
	COL_NUM,
	COL_CLAIM,
	COL_ARTICLE,
	COL_THREADS,
	COL_GO,
	COL_C,
	COL_RATIO,
	COL_VERDICT,
	NCOLS
};

static const char *const col_names[NCOLS] = {
	"#",	   "claim",	  "article",	"threads",
	"Go here", "best C here", "Go/article", "verdict"};

struct cells {
	char c[NCOLS][420];
};

static const char *metric_unit(enum claim_metric m)
{
	return m == METRIC_NS ? "ns" : m == METRIC_BYTES ? "B" : "allocs";
}

static void side_cell(const struct claim *c, const struct claim_side *s,
		      int with_impl, char *buf, size_t len)
{
	char v[32];
	if (!s->ok) {
		snprintf(buf, len, "%s", s->state);
		return;
	}
	fmt_num(v, sizeof(v), s->value);
	snprintf(buf, len, "%s %s%s%s%s", v, metric_unit(c->metric),
		 s->noisy ? "!" : "", with_impl ? " " : "",
		 with_impl ? s->impl : "");
}

static void label_of(const struct claim *c, char *buf, size_t len)
{
	if (c->label)
		snprintf(buf, len, "%s", c->label);
	else
		snprintf(buf, len, "%s %s %s", c->section, c->subject, c->unit);
}

static void make_cells(const struct claim_result *r, size_t i,
		       struct cells *out)
{
	const struct claim *c = r->c;
	char f[32];
	snprintf(out->c[COL_NUM], sizeof(out->c[0]), "%zu", i + 1);
	label_of(c, out->c[COL_CLAIM], sizeof(out->c[0]));
	fmt_num(f, sizeof(f), c->figure);
	if (c->has_figure)
		snprintf(out->c[COL_ARTICLE], sizeof(out->c[0]), "%s %s", f,
			 c->unit);
	else
		snprintf(out->c[COL_ARTICLE], sizeof(out->c[0]), "%s",
			 c->figure_text);
	if (!r->threads)
		snprintf(out->c[COL_THREADS], sizeof(out->c[0]), "-");
	else if (r->threads == c->threads)
		snprintf(out->c[COL_THREADS], sizeof(out->c[0]), "%d",
			 r->threads);
	else
		snprintf(out->c[COL_THREADS], sizeof(out->c[0]),
			 "%d (article %d)", r->threads, c->threads);
	side_cell(c, &r->go, 0, out->c[COL_GO], sizeof(out->c[0]));
	side_cell(c, &r->best_c, 1, out->c[COL_C], sizeof(out->c[0]));
	if (isnan(r->ratio))
		snprintf(out->c[COL_RATIO], sizeof(out->c[0]), "-");
	else
		fmt_num(out->c[COL_RATIO], sizeof(out->c[0]), r->ratio);
	snprintf(out->c[COL_VERDICT], sizeof(out->c[0]), "%s", r->verdict_text);
}

static void params_text(json_t *params, char *buf, size_t len)
{
	char *s = json_dumps(params, JSON_COMPACT);
	size_t n = 0;
	/* {"depth":16,"defers":1} -> depth=16,defers=1 */
	for (const char *p = s ? s : ""; *p && n + 1 < len; p++)
		if (*p == ':')
			buf[n++] = '=';
		else if (*p != '{' && *p != '}' && *p != '"')
			buf[n++] = *p;
	buf[n] = '\0';
	free(s);
}

/* s as text, markdown or not: in markdown every character that could
 * start markup (emphasis, a link, raw HTML, an entity, a table's column)
 * is backslash-escaped, which CommonMark allows for any ASCII
 * punctuation, so that what a claim or results file says stays text. */
static void put_text(FILE *f, const char *s, int md)
{
	for (; *s; s++) {
		if (md && strchr("\\`*_[]<>&|#!~", *s))
			fputc('\\', f);
		fputc(*s, f);
	}
}

/* What the rows of a claim are, as the notes say it. */
static void rows_text(const struct claim_result *r, char *buf, size_t len)
{
	const struct claim_rows *rows = &r->c->rows;
	char p[128], m[128];
	size_t n;
	params_text(rows->params, p, sizeof(p));
	n = (size_t)snprintf(buf, len, "%s %s", rows->benchmark, p);
	for (int k = 0; k < rows->nc_impls && n < len; k++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s",
				      k ? ", " : " (C: ", rows->c_impls[k]);
	if (rows->nc_impls && n < len)
		n += (size_t)snprintf(buf + n, len - n, ")");
	if (rows->minus_params && n < len) {
		params_text(rows->minus_params, m, sizeof(m));
		n += (size_t)snprintf(buf + n, len - n,
				      " minus %s (C: %s), divided by %g", m,
				      rows->minus_c_impl, rows->per);
	}
	if (r->threads && n < len)
		snprintf(buf + n, len - n, ", at %d thread%s", r->threads,
			 r->threads == 1 ? "" : "s");
}

/* The line about this machine's CPUs, when a claim was measured at fewer
 * threads than it states because there are no more. */
static int capped_line(const struct claims_eval *ev, char *buf, size_t len)
{
	int most = 0;
	for (size_t i = 0; i < ev->n; i++)
		if (ev->r[i].capped && ev->r[i].c->measure_threads > most)
			most = ev->r[i].c->measure_threads;
	if (!most || !ev->pus || ev->pus >= most)
		return 0;
	snprintf(buf, len,
		 "The machine measured has %d CPU%s: claims stated for more "
		 "threads are measured at %d (the threads column; a pair "
		 "workload always runs at 2).",
		 ev->pus, ev->pus == 1 ? "" : "s", ev->pus);
	return 1;
}

static void header(FILE *f, const struct claim_set *cs,
		   const struct claims_eval *ev, int md)
{
	char line[256];
	fputs(md ? "## " : "", f);
	put_text(f, cs->title, md);
	fprintf(f, "\n\n%sclaim file: ", md ? "- " : "");
	put_text(f, cs->path, md);
	fputs("; results: ", f);
	put_text(f, ev->source, md);
	fputs(" (machine ", f);
	put_text(f, ev->machine, md);
	fprintf(f, ", %d CPUs)\n", ev->pus);
	fprintf(f,
		"%sholds: Go here within %gx of the article's figure "
		"(Go/article); best C: the lowest of this suite's C "
		"implementations of the same rows; %s = noisy (CV > 5%%)\n",
		md ? "- " : "", cs->tolerance, md ? "\\!" : "!");
	if (capped_line(ev, line, sizeof(line)))
		fprintf(f, "%s%s\n", md ? "- " : "", line);
	fprintf(f, "\n");
}

static void table_text(FILE *f, const struct cells *rows, size_t n)
{
	size_t w[NCOLS];
	for (int k = 0; k < NCOLS; k++) {
		w[k] = strlen(col_names[k]);
		for (size_t i = 0; i < n; i++)
			if (strlen(rows[i].c[k]) > w[k])
				w[k] = strlen(rows[i].c[k]);
	}
	/* the last column unpadded: no trailing blanks */
	for (int k = 0; k < NCOLS; k++)
		fprintf(f, "%-*s%s", k == NCOLS - 1 ? 0 : (int)w[k],
			col_names[k], k == NCOLS - 1 ? "\n" : "  ");
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < NCOLS; k++)
			fprintf(f, "%-*s%s", k == NCOLS - 1 ? 0 : (int)w[k],
				rows[i].c[k], k == NCOLS - 1 ? "\n" : "  ");
}

static void md_cell(FILE *f, const char *s)
{
	fputs("| ", f);
	put_text(f, s, 1);
	fputc(' ', f);
}

static void table_md(FILE *f, const struct cells *rows, size_t n)
{
	for (int k = 0; k < NCOLS; k++)
		md_cell(f, col_names[k]);
	fputs("|\n", f);
	for (int k = 0; k < NCOLS; k++)
		fputs(k == COL_NUM || k == COL_CLAIM || k == COL_VERDICT
			      ? "|---"
			      : "|---:",
		      f);
	fputs("|\n", f);
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < NCOLS; k++)
			md_cell(f, rows[i].c[k]);
		fputs("|\n", f);
	}
}

/* One line of a claim's note: the indent, a label, then text as text. */
static void note_line(FILE *f, const char *ind, const char *label,
		      const char *text, const char *end, int md)
{
	fprintf(f, "%s%s", ind, label);
	put_text(f, text, md);
	fprintf(f, "%s\n", end);
}

static void notes(FILE *f, const struct claims_eval *ev,
		  const struct cells *rows, int md)
{
	const char *ind = md ? "   " : "    ";
	char here[512];
	fprintf(f, "\n%s\n", md ? "Notes:\n" : "notes:");
	for (size_t i = 0; i < ev->n; i++) {
		const struct claim_result *r = &ev->r[i];
		const struct claim *c = r->c;
		fprintf(f, "%s%zu. %s", md ? "" : "  ", i + 1, md ? "**" : "");
		put_text(f, rows[i].c[COL_CLAIM], md);
		fprintf(f, "%s: ", md ? "**" : "");
		note_line(f, "", "", c->quote, "", md);
		fprintf(f, "%sarticle: ", ind);
		put_text(f, c->workload, md);
		note_line(f, " ", "", c->conditions, "", md);
		if (c->has_rows) {
			rows_text(r, here, sizeof(here));
			note_line(f, ind, "here: ", here, ".", md);
		}
		if (c->note)
			note_line(f, ind, "", c->note, "", md);
		if (r->verdict == VERDICT_MISSING && r->best_c.ok == 0 &&
		    c->has_rows)
			note_line(f, ind, "C: ", r->best_c.status, "", md);
	}
}

/* Names in the cells come from files anyone may have written (a results
 * file's impl, placement and reasons, a claim file's labels): each cell
 * is cleaned before the columns are measured, so they stay aligned. */
static void clean_cells(struct cells *cl)
{
	char clean[sizeof(cl->c[0]) * 4];
	for (int k = 0; k < NCOLS; k++) {
		size_t n;
		shown_clean(clean, sizeof(clean), cl->c[k]);
		n = strlen(clean) < sizeof(cl->c[k]) ? strlen(clean)
						     : sizeof(cl->c[k]) - 1;
		memcpy(cl->c[k], clean, n);
		cl->c[k][n] = '\0';
	}
}

/* Every line of text as clean_cells cleans a cell, the notes and the
 * header too (they quote the claim file and the records' reasons). */
static void print_clean(FILE *f, const char *text)
{
	size_t cap = 0;
	char *clean = NULL;
	while (*text) {
		size_t n = strcspn(text, "\n"), need = n * 4 + 1;
		char *line = strndup(text, n);
		if (need > cap) {
			char *grown = realloc(clean, need);
			if (grown) {
				clean = grown;
				cap = need;
			}
		}
		if (line && cap >= need) {
			shown_clean(clean, cap, line);
			fputs(clean, f);
		}
		free(line);
		text += n;
		if (*text == '\n')
			fputc(*text++, f);
	}
	free(clean);
}

void claims_print(FILE *f, const struct claim_set *cs,
		  const struct claims_eval *ev, int markdown)
{
	struct cells *rows = calloc(ev->n ? ev->n : 1, sizeof(*rows));
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	if (!rows || !mem) {
		free(rows);
		if (mem)
			fclose(mem);
		free(text);
		return;
	}
	for (size_t i = 0; i < ev->n; i++) {
		make_cells(&ev->r[i], i, &rows[i]);
		clean_cells(&rows[i]);
	}
	header(mem, cs, ev, markdown);
	if (markdown)
		table_md(mem, rows, ev->n);
	else
		table_text(mem, rows, ev->n);
	notes(mem, ev, rows, markdown);
	fclose(mem);
	print_clean(f, text);
	free(text);
	free(rows);
}

static json_t *num_or_null(int ok, double v)
{
	return ok && !isnan(v) ? json_real(v) : json_null();
}

static json_t *side_json(const struct claim_side *s)
{
	return json_pack("{s:s, s:o, s:s, s:s, s:s, s:b}", "state", s->state,
			 "value", num_or_null(s->ok, s->value), "impl", s->impl,
			 "placement", s->placement, "status",
			 s->ok ? "" : s->status, "noisy", s->noisy);
}

static const char *verdict_name(enum claim_verdict v)
{
	static const char *const names[] = {"holds", "off", "not comparable",
					    "missing"};
	return names[v];
}

static json_t *cells_json(const struct cells *cl)
{
	static const char *const keys[NCOLS] = {"n",	   "claim",  "article",
						"threads", "go",     "best_c",
						"ratio",   "verdict"};
	json_t *o = json_object();
	for (int k = 0; k < NCOLS; k++)
		json_object_set_new(o, keys[k], json_string(cl->c[k]));
	return o;
}

static json_t *result_json(const struct claim_result *r, size_t i)
{
	const struct claim *c = r->c;
	struct cells cl;
	char here[512] = "";
	json_t *o;
	memset(&cl, 0, sizeof(cl));
	make_cells(r, i, &cl);
	if (c->has_rows)
		rows_text(r, here, sizeof(here));
	o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:i, s:i, s:o}",
		      "id", c->id, "section", c->section, "subject", c->subject,
		      "quote", c->quote, "figure",
		      num_or_null(c->has_figure, c->figure), "figure_text",
		      c->figure_text ? json_string(c->figure_text)
				     : json_null(),
		      "unit", c->unit, "threads_article", c->threads,
		      "measure_threads", c->measure_threads, "threads",
		      r->threads ? json_integer(r->threads) : json_null());
	json_object_set_new(o, "capped", json_boolean(r->capped));
	json_object_set_new(o, "rows", json_string(here));
	json_object_set_new(o, "go", side_json(&r->go));
	json_object_set_new(o, "best_c", side_json(&r->best_c));
	json_object_set_new(o, "ratio", num_or_null(1, r->ratio));
	json_object_set_new(o, "verdict",
			    json_string(verdict_name(r->verdict)));
	json_object_set_new(o, "verdict_text", json_string(r->verdict_text));
	json_object_set_new(o, "workload", json_string(c->workload));
	json_object_set_new(o, "conditions", json_string(c->conditions));
	json_object_set_new(o, "note", json_string(c->note ? c->note : ""));
	json_object_set_new(o, "cells", cells_json(&cl));
	return o;
}

json_t *claims_json(const struct claim_set *cs, const struct claims_eval *ev)
{
	char line[256] = "";
	json_t *list = json_array();
	json_t *o;
	for (size_t i = 0; i < ev->n; i++)
		json_array_append_new(list, result_json(&ev->r[i], i));
	capped_line(ev, line, sizeof(line));
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:f, s:s, s:o}", "schema",
		      CLAIMS_OUT_SCHEMA, "title", cs->title, "claim_file",
		      cs->path, "results", ev->source, "machine", ev->machine,
		      "pus", ev->pus, "tolerance", cs->tolerance, "cpus_note",
		      line, "claims", list);
	return o;
}
