/* contend ab BASE HEAD: did HEAD make it slower? Both builds run as
 * `contend serve` processes; for each case both hold it open and take
 * turns sample by sample (ab.h). */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "ab.h"
#include "ab_build.h"
#include "cli.h"
#include "options.h"
#include "report.h"
#include "results_file.h"
#include "stats.h"
#include "topology.h"

static const char ab_usage[] =
	"usage: contend ab [OPTIONS] BASE HEAD\n"
	"\n"
	"Did HEAD make it slower than BASE? Each side is a contend binary\n"
	"(build/contend) or a git revision of this repository (main, HEAD~1,\n"
	"a tag: built once in a worktree of its own, kept by commit in the\n"
	"git directory's contend-ab/). Every selected case runs on both, "
	"their\n"
	"samples in turn (which side goes first drawn anew each round) on\n"
	"the same CPUs with the same iteration count, so that the machine's\n"
	"drift and other tasks fall on both alike; a sample in which another\n"
	"task took a case's CPU is taken again. Per case: head/base with a\n"
	"95% interval from the paired rounds (Hodges-Lehmann, Wilcoxon\n"
	"signed-rank), p corrected over all cases (--correction); per family\n"
	"a geometric mean.\n"
	"\n"
	"  --filter, --threads, --placement, --quick, --full, --with-go,\n"
	"  --oversubscribe       select cases as for contend run (default:\n"
	"                        what contend run selects)\n"
	"  --rounds N            paired rounds a case has first (default 10);\n"
	"                        then, while its verdict is not settled, "
	"twice\n"
	"                        as many, and so on up to --max-rounds: a "
	"case\n"
	"                        whose interval already lies within the\n"
	"                        threshold stops, so does one already\n"
	"                        significant beyond it\n"
	"  --max-rounds N        the most rounds a case has (default 320, or\n"
	"                        --rounds when more; Go rows at most twice\n"
	"                        --rounds), unless it would take over three\n"
	"                        times their nominal time; --max-rounds equal\n"
	"                        to --rounds: every case has as many. Alpha "
	"is\n"
	"                        split over the looks: p is divided by its\n"
	"                        last look's share before the correction\n"
	"  --reopen N            open the case afresh on both sides every N\n"
	"                        rounds (default 1): one instance of a case\n"
	"                        can be a few % off another all its life\n"
	"  --processes N         server processes per side (default 4, at\n"
	"                        most 8); each fresh instance opens on one\n"
	"                        drawn at random: one process of a build can\n"
	"                        be a few % off another too, so one of each\n"
	"                        side is replaced by a new one every 8 rounds\n"
	"  --time S              each sample, per side (default: a tenth of\n"
	"                        the mode's: 10 ms with --quick)\n"
	"  --threshold PCT       smallest change that counts (default 5)\n"
	"  --correction bh|holm  over all cases: Benjamini-Hochberg (default:\n"
	"                        at most 5% of the flagged cases false) or\n"
	"                        Holm (at most 5% chance of any false flag);\n"
	"                        with nothing changed, both flag nothing 95%\n"
	"                        of the time\n"
	"  --alpha A             that 5%: the error rate the correction\n"
	"                        holds (default 0.05)\n"
	"  --format LIST         table, markdown (a pull-request comment),\n"
	"                        json (stdout; default table)\n"
	"  --out FILE|none       also write the json there (default none)\n"
	"  --force               replace an --out FILE that exists (without\n"
	"                        it, one is refused before anything runs)\n"
	"  --timeout S           one request to a side (default 120)\n"
	"  --seed N              draw the same order of sides and pauses\n"
	"                        again (default: a new one, in the json)\n"
	"  --no-progress         no progress line on stderr\n"
	"\n"
	"Example: contend ab main build/contend   (make ab BASE=main)\n"
	"Exit 0 no significant regression, 1 a regression beyond the "
	"threshold\n"
	"(or a case that runs on BASE fails on HEAD), 2 bad usage or a side\n"
	"that cannot be built or started, 3 no case could be judged (every\n"
	"one inconclusive: the machine too disturbed), 130 interrupted (what\n"
	"was measured is printed, the case under way left out).\n";

enum {
	AB_FILTER = 300,
	AB_THREADS,
	AB_PLACEMENT,
	AB_QUICK,
	AB_FULL,
	AB_WITHGO,
	AB_OVERSUB,
	AB_ROUNDS,
	AB_MAXROUNDS,
	AB_REOPEN,
	AB_PROCS,
	AB_TIME,
	AB_THRESHOLD,
	AB_ALPHA,
	AB_FORMAT,
	AB_OUT,
	AB_TIMEOUT,
	AB_SEED,
	AB_FORCE,
	AB_CORRECTION,
	AB_NOPROGRESS,
	AB_HELP,
};

struct ab_opts {
	const char *fwd[16]; /* serve's case options */
	int nfwd;
	enum run_mode mode;
	int with_go, rounds, max_rounds, reopen, procs, progress, time_set,
		seed_set, force;
	uint64_t seed;
	enum ab_correction correction;
	double time_s, threshold, timeout_s, alpha;
	unsigned formats;
	const char *out;
	char time_arg[32];
};

#define AB_WAIT_LIMIT 0.01

static volatile sig_atomic_t ab_stop;

static void on_ab_stop(int sig)
{
	ab_stop = sig;
}

static int forward(struct ab_opts *o, const char *opt, const char *arg)
{
	if (o->nfwd + 2 >= (int)(sizeof(o->fwd) / sizeof(o->fwd[0])))
		return -1;
	o->fwd[o->nfwd++] = opt;
	if (arg)
		o->fwd[o->nfwd++] = arg;
	return 0;
}

static int parse_number(const char *arg, const char *what, double min,
			double *out, struct err *e)
{
	char *end;
	*out = strtod(arg, &end);
	if (end == arg || *end || !(*out >= min) || isinf(*out))
		return err_set(e, "%s '%s': a number >= %g", what, arg, min);
	return 0;
}

static int parse_seed(const char *arg, struct ab_opts *o, struct err *e)
{
	char *end;
	errno = 0;
	o->seed = strtoull(arg, &end, 0);
	o->seed_set = 1;
	if (end == arg || *end || errno || *arg == '-')
		return err_set(e, "--seed '%s': a whole number >= 0", arg);
	return 0;
}

/* What the writers print: the verdicts, and the results document. */
struct ab_output {
	const struct ab_run *run;
	json_t *doc; /* NULL when it could not be built */
};

static void ab_table(FILE *f, const void *out)
{
	ab_print(f, ((const struct ab_output *)out)->run, 0);
}

static void ab_markdown(FILE *f, const void *out)
{
	ab_print(f, ((const struct ab_output *)out)->run, 1);
}

static void ab_json_out(FILE *f, const void *out)
{
	const struct ab_output *o = out;
	if (o->doc)
		writers_dump_json(f, o->doc);
}

/* table first: the default (bit 0) */
static const struct writer ab_writers[] = {
	{"table", ab_table},
	{"markdown", ab_markdown},
	{"json", ab_json_out},
};
#define AB_NWRITERS (sizeof(ab_writers) / sizeof(*ab_writers))

static int parse_opt(struct ab_opts *o, int c, const char *arg, struct err *e)
{
	static const char *const names[] = {
		[AB_FILTER - AB_FILTER] = "--filter",
		[AB_THREADS - AB_FILTER] = "--threads",
		[AB_PLACEMENT - AB_FILTER] = "--placement",
	};
	switch (c) {
	case AB_FILTER:
	case AB_THREADS:
	case AB_PLACEMENT:
		return forward(o, names[c - AB_FILTER], arg);
	case AB_QUICK:
	case AB_FULL:
		if (o->mode != MODE_DEFAULT &&
		    o->mode != (c == AB_QUICK ? MODE_QUICK : MODE_FULL))
			return err_set(e, "--quick and --full exclude each "
					  "other");
		o->mode = c == AB_QUICK ? MODE_QUICK : MODE_FULL;
		return forward(o, c == AB_QUICK ? "--quick" : "--full", NULL);
	case AB_WITHGO:
		o->with_go = 1;
		return forward(o, "--with-go", NULL);
	case AB_OVERSUB:
		return forward(o, "--oversubscribe", NULL);
	case AB_ROUNDS:
		if (parse_positive_int(arg, "--rounds", &o->rounds, e) != 0)
			return -1;
		return o->rounds >= 6 ? 0
				      : err_set(e,
						"--rounds %s: at least 6 (a "
						"95%% interval needs them)",
						arg);
	case AB_MAXROUNDS:
		return parse_positive_int(arg, "--max-rounds", &o->max_rounds,
					  e);
	case AB_REOPEN:
		return parse_positive_int(arg, "--reopen", &o->reopen, e);
	case AB_PROCS:
		if (parse_positive_int(arg, "--processes", &o->procs, e) != 0)
			return -1;
		return o->procs <= AB_PROCS_MAX
			       ? 0
			       : err_set(e, "--processes %s: at most %d", arg,
					 AB_PROCS_MAX);
	case AB_TIME:
		o->time_set = 1;
		return parse_seconds(arg, "--time", &o->time_s, e);
	case AB_THRESHOLD:
		return parse_number(arg, "--threshold", 0, &o->threshold, e);
	case AB_ALPHA:
		if (parse_number(arg, "--alpha", 0, &o->alpha, e) != 0)
			return -1;
		return o->alpha > 0 && o->alpha < 1
			       ? 0
			       : err_set(e, "--alpha %s: between 0 and 1", arg);
	case AB_FORMAT:
		return writers_parse(ab_writers, AB_NWRITERS, arg, &o->formats,
				     e);
	case AB_OUT:
		o->out = arg;
		return *arg ? 0 : err_set(e, "empty --out (a file or none)");
	case AB_TIMEOUT:
		return parse_seconds(arg, "--timeout", &o->timeout_s, e);
	case AB_SEED:
		return parse_seed(arg, o, e);
	case AB_FORCE:
		o->force = 1;
		return 0;
	case AB_CORRECTION:
		if (!strcmp(arg, "bh") || !strcmp(arg, "holm")) {
			o->correction = *arg == 'h' ? AB_HOLM : AB_BH;
			return 0;
		}
		return err_set(e, "--correction '%s': bh or holm", arg);
	default: /* AB_NOPROGRESS */
		o->progress = 0;
		return 0;
	}
}

/* 0 parsed (BASE and HEAD at argv[*first]), 1 --help, or EXIT_USAGE. */
static int parse_ab_args(struct ab_opts *o, int argc, char **argv, int *first)
{
	static const struct option longopts[] = {
		{"filter", required_argument, NULL, AB_FILTER},
		{"threads", required_argument, NULL, AB_THREADS},
		{"placement", required_argument, NULL, AB_PLACEMENT},
		{"quick", no_argument, NULL, AB_QUICK},
		{"full", no_argument, NULL, AB_FULL},
		{"with-go", no_argument, NULL, AB_WITHGO},
		{"oversubscribe", no_argument, NULL, AB_OVERSUB},
		{"rounds", required_argument, NULL, AB_ROUNDS},
		{"max-rounds", required_argument, NULL, AB_MAXROUNDS},
		{"reopen", required_argument, NULL, AB_REOPEN},
		{"processes", required_argument, NULL, AB_PROCS},
		{"time", required_argument, NULL, AB_TIME},
		{"threshold", required_argument, NULL, AB_THRESHOLD},
		{"alpha", required_argument, NULL, AB_ALPHA},
		{"format", required_argument, NULL, AB_FORMAT},
		{"out", required_argument, NULL, AB_OUT},
		{"timeout", required_argument, NULL, AB_TIMEOUT},
		{"seed", required_argument, NULL, AB_SEED},
		{"force", no_argument, NULL, AB_FORCE},
		{"correction", required_argument, NULL, AB_CORRECTION},
		{"no-progress", no_argument, NULL, AB_NOPROGRESS},
		{"help", no_argument, NULL, AB_HELP},
		{NULL, 0, NULL, 0}};
	struct err e = {""};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h' || c == AB_HELP) {
			fputs(ab_usage, stdout);
			return 1;
		}
		if (c == '?' || c == ':')
			return bad_option("ab", c, argv);
		if (parse_opt(o, c, optarg, &e) != 0)
			return usage_error(&e);
	}
	if (!o->max_rounds)
		o->max_rounds = o->rounds > 320 ? o->rounds : 320;
	if (o->max_rounds < o->rounds) {
		err_set(&e, "--max-rounds %d: at least --rounds (%d)",
			o->max_rounds, o->rounds);
		return usage_error(&e);
	}
	if (argc - optind != 2) {
		err_set(&e,
			argc - optind < 2
				? "ab: needs BASE and HEAD (a contend binary "
				  "or "
				  "a git revision each; see contend ab --help)"
				: "ab: unexpected argument '%s'",
			argc - optind > 2 ? argv[optind + 2] : "");
		return usage_error(&e);
	}
	if (o->out && strcmp(o->out, "none") != 0 && !o->force &&
	    access(o->out, F_OK) == 0) {
		err_set(&e, "ab: --out '%s' exists (--force replaces it)",
			o->out);
		return usage_error(&e);
	}
	*first = optind;
	return 0;
}

/* The sample time: a tenth of the mode's (10 ms with --quick). What
 * carries a verdict is the number of rounds, each on a fresh instance, not
 * the length of a sample: the spread of a contended case comes from one
 * instance to the next (where its memory landed) and from phases that last
 * longer than a sample, so that on a 2-vCPU EPYC guest 10 ms samples gave
 * intervals as narrow as 30 ms ones (median width 1.06x over the quick
 * sweep's 231 cases), and 100 ms ones no narrower than 30 ms. */
static void pick_time(struct ab_opts *o, int npus)
{
	struct options ro;
	memset(&ro, 0, sizeof(ro));
	ro.mode = o->mode;
	if (!o->time_set) {
		struct err e;
		options_resolve(&ro, npus, &e);
		o->time_s = ro.time_s / 10;
	}
	snprintf(o->time_arg, sizeof(o->time_arg), "%.6gs", o->time_s);
	forward(o, "--time", o->time_arg);
	forward(o, "--no-progress", NULL);
}

/* ---- one case on both sides ---- */

struct reply {
	char line[600];
	enum ab_reply rc;
};

static int ask(struct ab_run *run, int side, const char *req, struct reply *r,
	       double timeout_s)
{
	r->rc = ab_side_ask(&run->side[side][run->cur[side]], req, r->line,
			    sizeof(r->line), timeout_s);
	return r->rc;
}

static void set_failed(struct ab_result *res, int side, const char *why)
{
	res->status = AB_FAILED;
	snprintf(res->reason, sizeof(res->reason), "%s: %.280s",
		 side ? "head" : "base", why);
}

/* "ok CPUS", "skip WHY", "fail WHY" (or the side died): 0 when open. Both
 * sides must plan the same CPUs (a head that changed the planner would
 * otherwise be measured elsewhere than its base). */
static int open_side(struct ab_run *run, int side, long idx,
		     struct ab_result *res, double timeout_s)
{
	struct reply r;
	char req[64];
	snprintf(req, sizeof(req), "open %ld", idx);
	if (ask(run, side, req, &r, timeout_s) != AB_REPLY_OK) {
		set_failed(res, side, r.line);
	} else if (!strncmp(r.line, "ok", 2)) {
		if (side == 0) {
			snprintf(res->cpus, sizeof(res->cpus), "%.120s",
				 r.line + 2);
			return 0;
		}
		if (!strcmp(res->cpus, r.line + 2))
			return 0;
		res->status = AB_FAILED;
		snprintf(res->reason, sizeof(res->reason),
			 "base and head plan different CPUs (%.60s vs %.60s)",
			 res->cpus, r.line + 2);
	} else if (!strncmp(r.line, "skip ", 5)) {
		res->status = AB_SKIPPED;
		snprintf(res->reason, sizeof(res->reason), "%s%.280s",
			 side ? "head: " : "", r.line + 5);
	} else {
		set_failed(res, side,
			   strncmp(r.line, "fail ", 5) ? r.line : r.line + 5);
	}
	return -1;
}

struct sample_reply {
	double ns, wait, floor;
	int disturbed;
};

static int sample_side(struct ab_run *run, int side, unsigned long long iters,
		       struct ab_result *res, struct sample_reply *out,
		       double timeout_s)
{
	struct reply r;
	char req[64];
	snprintf(req, sizeof(req), "sample %llu", iters);
	if (ask(run, side, req, &r, timeout_s) != AB_REPLY_OK ||
	    sscanf(r.line, "sample %lf %lf %lf %d", &out->ns, &out->wait,
		   &out->floor, &out->disturbed) != 4 ||
	    !(out->ns > 0)) {
		set_failed(res, side,
			   strncmp(r.line, "fail ", 5) ? r.line : r.line + 5);
		return -1;
	}
	/* stricter than a run's mark: a contended lock whose holder lost
	 * its CPU for 2% of a sample can run 20% slower in it, and an A/B
	 * compares samples a few percent apart (quiet samples wait < 0.5%) */
	out->disturbed |= out->wait == out->wait && out->wait > AB_WAIT_LIMIT;
	return 0;
}

/* splitmix64's finaliser: every bit of x moves about half the output's. */
static uint64_t mix64(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* splitmix64, seeded from --seed: the pauses before a redone sample and
 * the process that serves each instance (one stream each). */
static uint64_t next_random(uint64_t *state)
{
	*state += 0x9e3779b97f4a7c15ull;
	return mix64(*state);
}

/* One side opens the case afresh (new setup, threads, memory), on one of
 * its server processes drawn at random, and warms it with an eighth of a
 * sample: an instance of a case can run a few percent faster or slower
 * than another for all its life (where its memory landed), and a process
 * likewise (where its code, libraries and thread stacks landed), in one
 * build as in the other, so the rounds are spread over instances and
 * processes rather than all taken on one. Just before that side's sample,
 * so that each sample follows its own warm-up, whichever side goes first. */
static int fresh_instance(struct ab_run *run, struct ab_result *res, int side,
			  long idx, double timeout_s)
{
	struct sample_reply warm;
	struct reply r;
	unsigned long long w = res->iters / 8 ? res->iters / 8 : 1;
	if (ask(run, side, "close", &r, timeout_s) != AB_REPLY_OK)
		return -1;
	run->cur[side] = (int)((next_random(&run->rng_proc) >> 32) %
			       (uint64_t)run->procs);
	return open_side(run, side, idx, res, timeout_s) ||
			       sample_side(run, side, w, res, &warm, timeout_s)
		       ? -1
		       : 0;
}

/* A sample taken again while another task held the case's CPU: after a
 * pause of up to two samples (a disturbance tends to last: waiting lets it
 * pass rather than sampling into it again), as long as the case's budget
 * of redone samples lasts. The rule is the same for both sides, so what
 * it keeps is not biased towards either. */
static int clean_sample(struct ab_run *run, struct ab_result *res, int side,
			struct sample_reply *s, int *budget, double timeout_s)
{
	for (;;) {
		if (sample_side(run, side, res->iters, res, s, timeout_s))
			return -1;
		if (!s->disturbed || *budget <= 0 || ab_stop)
			return 0;
		--*budget;
		res->disturbed++;
		struct timespec d;
		double pause = run->sample_s * 2 *
			       (double)(next_random(&run->rng_pause) >> 40) /
			       (double)(1ull << 24);
		d.tv_sec = (time_t)pause;
		d.tv_nsec = (long)((pause - (double)d.tv_sec) * 1e9);
		nanosleep(&d, NULL);
	}
}

/* One round: each side (first, then the other) on a fresh instance when
 * due, then its sample, taken again while disturbed. */
static int one_round(struct ab_run *run, struct ab_result *res,
		     const long idx[2], int first, int reopen,
		     struct sample_reply s[2], int *budget, double timeout_s)
{
	for (int k = 0; k < 2; k++) {
		int side = k ? !first : first;
		if ((reopen &&
		     fresh_instance(run, res, side, idx[side], timeout_s)) ||
		    clean_sample(run, res, side, &s[side], budget, timeout_s))
			return -1;
	}
	return 0;
}

/* Which side goes first in a case's round k: a fair coin, a function of
 * the seed, the case and k only (a round left out and taken again keeps
 * its coin, and --seed draws the same orders again). Under identical
 * builds each round's difference is then as likely +d as -d whatever the
 * machine did meanwhile (drift, a neighbour's period that a fixed ABBA
 * could fall in step with), which is what the signed-rank test assumes;
 * a fixed order only cancels drift that is linear. */
static int coin(const struct ab_run *run, const struct ab_result *res)
{
	uint64_t c = (uint64_t)(res - run->res);
	return (int)(mix64(run->seed ^
			   mix64(c << 32 | (uint64_t)res->rounds)) >>
		     63);
}

/* The rounds' server processes are renewed in turn: every AB_RENEW_ROUNDS
 * rounds one process of each side (the next in rotation) is stopped and a
 * new one started. One process of a build can run a case 5-20% off another
 * for all its life (on a 2-vCPU EPYC guest the medians of the rounds each
 * process served of rwmutex/writer-wait ck_brlock spread 15% between the
 * eight processes of two identical builds; less without ASLR, so code and
 * library placement is part of it), so the rounds one process serves are
 * not independent of each other. With the same four processes all along,
 * hundreds of rounds would measure those four ever more precisely and flag
 * identical builds; renewed, a process serves about AB_RENEW_ROUNDS / 2
 * rounds per side however many rounds a case takes. Costs a process start
 * (30 ms) per side every AB_RENEW_ROUNDS rounds, between rounds. */
#define AB_RENEW_ROUNDS 8

static int renew_one(struct ab_run *run, struct ab_result *res, int side,
		     const long idx[2])
{
	struct err e = {""};
	int p = run->rot[side];
	struct ab_side *sd = &run->side[side][p];
	run->rot[side] = (p + 1) % run->procs;
	ab_side_stop(sd);
	if (ab_side_start(sd, &e) == 0 &&
	    ab_side_find(sd, &res->id) == idx[side])
		return 0;
	/* not the build's fault as far as anyone knows: inconclusive, not
	 * a regression (a reason that does not start with "head") */
	res->status = AB_FAILED;
	snprintf(res->reason, sizeof(res->reason),
		 "a %s server could not be started again: %.200s",
		 side ? "head" : "base",
		 e.msg[0] ? e.msg : "it lists other cases");
	return -1;
}

/* Before a round that opens fresh instances anyway (so the case open on a
 * renewed process is opened again): one process per side, when due. */
static int renew_due(struct ab_run *run, struct ab_result *res,
		     const long idx[2])
{
	if (res->rounds < res->renew_at || ab_stop)
		return 0;
	res->renew_at = res->rounds + AB_RENEW_ROUNDS;
	return renew_one(run, res, 0, idx) || renew_one(run, res, 1, idx);
}

/* The rounds up to want, the first side of each drawn by coin(), on fresh
 * instances every run->reopen rounds (the first round of a case runs on
 * the instance it was calibrated on). A disturbed sample is taken again
 * (clean_sample), up to four extra samples for each one the rounds ask
 * for: a neighbour that holds one of a 2-thread case's CPUs half the time
 * leaves a 30 ms sample clean about one time in three, which two extra
 * per sample could not carry through 40 rounds; a round still disturbed
 * is left out. A quiet machine never draws on it. */
static int rounds(struct ab_run *run, struct ab_result *res, const long idx[2],
		  int want, double timeout_s)
{
	struct sample_reply s[2];
	int more = want - res->rounds, last_open = res->rounds,
	    budget = 8 * more;
	for (int attempt = 0;
	     res->rounds < want && attempt < 2 * more && !ab_stop; attempt++) {
		int reopen = (attempt > 0 || res->rounds > 0) &&
			     (res->rounds > last_open || run->reopen == 1) &&
			     res->rounds % run->reopen == 0;
		int first = coin(run, res);
		if ((reopen && renew_due(run, res, idx)) ||
		    one_round(run, res, idx, first, reopen, s, &budget,
			      timeout_s))
			return -1;
		if (reopen)
			last_open = res->rounds;
		if (s[0].disturbed || s[1].disturbed)
			continue;
		res->first[res->rounds] = first ? 'h' : 'b';
		char *sv = res->served + 2 * (size_t)res->rounds;
		sv[0] = (char)('0' + run->cur[0]);
		sv[1] = (char)('0' + run->cur[1]);
		res->base[res->rounds] = s[0].ns;
		res->head[res->rounds++] = s[1].ns;
	}
	return 0;
}

/* Room for n rounds in base[], head[], first[] and served[] (strings). */
static int grow_rounds(struct ab_result *res, int n)
{
	double *b, *h;
	char *f, *sv;
	if (!(sv = realloc(res->served, 2 * (size_t)n + 1)))
		return -1;
	res->served = sv;
	memset(sv + 2 * (size_t)res->rounds, 0,
	       2 * (size_t)(n - res->rounds) + 1);
	if (!(b = realloc(res->base, sizeof(double) * (size_t)n)))
		return -1;
	res->base = b;
	if (!(h = realloc(res->head, sizeof(double) * (size_t)n)))
		return -1;
	res->head = h;
	if (!(f = realloc(res->first, (size_t)n + 1)))
		return -1;
	res->first = f;
	memset(f + res->rounds, 0, (size_t)(n - res->rounds) + 1);
	return 0;
}

static double median_of(const double *v, int n)
{
	struct summary s;
	if (n <= 0)
		return NAN;
	stats_summarize(v, (size_t)n, &s);
	return s.median;
}

/* The most a case may take: three times its most rounds' nominal time.
 * A case whose samples overrun their time many times over (a lock that
 * starves its writer for a while) would otherwise take minutes. */
static double case_budget_s(const struct ab_run *run, const struct ab_looks *lk)
{
	return 3 * 2 * run->sample_s * lk->rounds[lk->n - 1];
}

/* The looks of the case (ab_looks.h): its rounds up to each look, until
 * the verdict is settled, the rounds run out (too disturbed), the next
 * look would overrun the case's budget (at the pace of the rounds so far:
 * a stop that does not look at the ratios, so it adds no false flag; a
 * head whose samples overrun may stop sooner, which costs power only) or
 * the run is stopped. res->look is the look it stopped at. */
static void take_looks(struct ab_run *run, struct ab_result *res,
		       const long idx[2], double timeout_s)
{
	const struct ab_looks *lk = ab_looks_of(run, res);
	double t0 = clock_mono_s();
	for (int k = 0; k < lk->n && !ab_stop; k++) {
		int want = lk->rounds[k];
		/* Go rows (two looks, a Go process per sample) are exempt */
		if (k && !res->id.go &&
		    (clock_mono_s() - t0) / res->rounds * want >
			    case_budget_s(run, lk)) {
			res->settled = AB_LOOK_TIME;
			return;
		}
		res->look = k;
		if (grow_rounds(res, want) != 0) {
			set_failed(res, 0, "out of memory");
			return;
		}
		if (rounds(run, res, idx, want, timeout_s))
			return;
		if (res->rounds)
			stats_paired_ratio(res->base, res->head,
					   (size_t)res->rounds, &res->pr);
		res->settled = ab_looks_next(lk, k, &res->pr,
					     1 + run->threshold_pct / 100,
					     run->alpha, run->n);
		if (res->rounds < want || res->settled != AB_LOOK_MORE)
			return;
	}
}

static void measure_pair(struct ab_run *run, struct ab_result *res,
			 const long idx[2], double timeout_s)
{
	struct sample_reply warm;
	struct reply r;
	if (open_side(run, 0, idx[0], res, timeout_s) ||
	    open_side(run, 1, idx[1], res, timeout_s))
		return;
	/* one iteration count for both: base's calibration */
	if (ask(run, 0, "calibrate", &r, timeout_s) != AB_REPLY_OK ||
	    sscanf(r.line, "iters %llu", &res->iters) != 1) {
		set_failed(res, 0, r.line);
		return;
	}
	if (sample_side(run, 0, res->iters, res, &warm, timeout_s) ||
	    sample_side(run, 1, res->iters, res, &warm, timeout_s))
		return;
	res->renew_at = AB_RENEW_ROUNDS;
	take_looks(run, res, idx, timeout_s);
	res->base_ns = median_of(res->base, res->rounds);
	res->head_ns = median_of(res->head, res->rounds);
}

static void run_pair(struct ab_run *run, struct ab_result *res,
		     const long idx[2], double timeout_s)
{
	struct reply r;
	double t0 = clock_mono_s();
	if (idx[1] < 0) {
		res->status = AB_SKIPPED;
		snprintf(res->reason, sizeof(res->reason), "only in base");
	} else if (idx[0] < 0) {
		res->status = AB_SKIPPED;
		snprintf(res->reason, sizeof(res->reason), "only in head");
	} else {
		measure_pair(run, res, idx, timeout_s);
		for (int side = 0; side < 2; side++)
			ask(run, side, "close", &r, timeout_s);
	}
	res->seconds = clock_mono_s() - t0;
}

/* Base's cases in its order, then those only head has. */
static int plan_cases(struct ab_run *run, long (**idx)[2])
{
	const struct ab_side *b = &run->side[0][0], *h = &run->side[1][0];
	size_t n = 0;
	*idx = calloc(b->ncases + h->ncases + 1, sizeof(**idx));
	run->res = calloc(b->ncases + h->ncases + 1, sizeof(*run->res));
	if (!*idx || !run->res)
		return -1;
	for (size_t i = 0; i < b->ncases; i++) {
		run->res[n].id = b->cases[i];
		(*idx)[n][0] = (long)i;
		(*idx)[n++][1] = ab_side_find(h, &b->cases[i]);
	}
	for (size_t i = 0; i < h->ncases; i++)
		if (ab_side_find(b, &h->cases[i]) < 0) {
			run->res[n].id = h->cases[i];
			(*idx)[n][0] = -1;
			(*idx)[n++][1] = (long)i;
		}
	run->n = n;
	return 0;
}

static void progress(const struct ab_opts *o, const struct ab_run *run,
		     size_t i, double start)
{
	const struct ab_case_id *c = &run->res[i].id;
	double el = clock_mono_s() - start;
	double eta = i ? el / (double)i * (double)(run->n - i) : 0;
	if (!o->progress)
		return;
	fprintf(stderr,
		"\r\033[K[%zu/%zu] %s %s %s %dT %s  %d:%02d elapsed, ETA "
		"%d:%02d",
		i + 1, run->n, c->bench, c->impl, c->params, c->threads,
		c->placement, (int)el / 60, (int)el % 60, (int)eta / 60,
		(int)eta % 60);
	fflush(stderr);
}

static void measure_all(const struct ab_opts *o, struct ab_run *run,
			long (*idx)[2])
{
	double start = clock_mono_s();
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_ab_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	clock_utc(run->started, sizeof(run->started));
	for (size_t i = 0; i < run->n; i++) {
		progress(o, run, i, start);
		run_pair(run, &run->res[i], idx[i], o->timeout_s);
		if (ab_stop) {
			/* the case under way was cut short: it is dropped,
			 * never judged on a part of its rounds */
			struct ab_result *cut = &run->res[i];
			free(cut->base);
			free(cut->head);
			free(cut->first);
			free(cut->served);
			cut->served = NULL;
			cut->base = cut->head = NULL;
			cut->first = NULL;
			run->interrupted = 1;
			run->n = i;
			break;
		}
	}
	if (o->progress)
		fprintf(stderr, "\r\033[K");
	clock_utc(run->finished, sizeof(run->finished));
	run->seconds = clock_mono_s() - start;
}

/* ---- the command ---- */

static int start_sides(const struct ab_opts *o, struct ab_run *run, char **argv,
		       struct err *e)
{
	static const char *const labels[] = {"base", "head"};
	for (int k = 0; k < 2; k++) {
		struct ab_side *sd = &run->side[k][0];
		sd->label = labels[k];
		snprintf(sd->spec, sizeof(sd->spec), "%s", argv[k]);
		sd->argv = (char **)o->fwd;
		sd->stop = &ab_stop;
		if (ab_resolve(argv[k], labels[k], o->with_go, sd->bin,
			       sizeof(sd->bin), sd->git, sizeof(sd->git),
			       e) != 0)
			return -1;
		ab_build_of(sd->bin, sd->build, sizeof(sd->build));
		for (int p = 1; p < run->procs; p++)
			run->side[k][p] = *sd;
	}
	for (int k = 0; k < 2; k++)
		for (int p = 0; p < run->procs; p++) {
			struct ab_side *sd = &run->side[k][p];
			if (ab_side_start(sd, e) != 0)
				return -1;
			if (sd->ncases != run->side[k][0].ncases)
				return err_set(e,
					       "%s: its servers list different "
					       "cases (%zu, %zu)",
					       labels[k], sd->ncases,
					       run->side[k][0].ncases);
		}
	return 0;
}

/* A revision ab builds gets meson's defaults (release); a binary gets what
 * its build directory was set up with. Two builds made differently differ
 * by that too, which the verdicts would blame on the change. */
static void warn_builds(const struct ab_run *run)
{
	const char *b = run->side[0][0].build, *h = run->side[1][0].build;
	if (b[0] && h[0] && strcmp(b, h) != 0)
		fprintf(stderr,
			"contend: warning: base and head were built "
			"differently (base: %s; head: %s): the verdicts "
			"include that difference (build both the same way, "
			"and pass the binaries)\n",
			b, h);
}

/* --out, as contend run's --out FILE: replaced only with --force; one
 * that appeared during the run is left alone, the json kept in the temp
 * file, which the message names. */
static int write_out(const struct ab_opts *o, json_t *doc, struct err *e)
{
	char tmp[4200];
	int rc;
	results_temp_path(o->out, tmp, sizeof(tmp));
	if (results_write_temp(doc, tmp, e) != 0)
		return -1;
	rc = results_publish(tmp, o->out, o->force, e);
	if (rc == RESULTS_EXISTS)
		return err_set(e,
			       "'%s' was created during the run and is left "
			       "alone; the results are in '%s'",
			       o->out, tmp);
	return rc;
}

static int emit(const struct ab_opts *o, const struct ab_run *run)
{
	json_t *doc = ab_json(run);
	struct err e = {""};
	int rc = 0;
	struct ab_output out = {run, doc};
	writers_emit(ab_writers, AB_NWRITERS, o->formats, stdout, &out);
	if (doc && o->out && strcmp(o->out, "none") != 0) {
		if (write_out(o, doc, &e) != 0) {
			fprintf(stderr, "contend ab: %s\n", e.msg);
			rc = -1;
		} else {
			fprintf(stderr, "ab results: %s\n", o->out);
		}
	}
	json_decref(doc);
	return rc;
}

static int verdict_status(const struct ab_run *run)
{
	if (ab_stop)
		return 128 + ab_stop;
	int judged = 0;
	for (size_t i = 0; i < run->n; i++)
		if (run->res[i].verdict == AB_REGRESSION)
			return EXIT_CASE_FAILED;
	for (size_t i = 0; i < run->n; i++)
		judged |= run->res[i].status == AB_OK &&
			  run->res[i].verdict != AB_INCONCLUSIVE;
	/* nothing could be judged: too noisy a machine is not a pass */
	return judged || !run->n ? EXIT_OK : EXIT_INCONCLUSIVE;
}

static void free_run(struct ab_run *run, long (*idx)[2])
{
	for (int k = 0; k < 2; k++)
		for (int p = 0; p < run->procs; p++)
			ab_side_stop(&run->side[k][p]);
	for (size_t i = 0; run->res && i < run->n; i++) {
		free(run->res[i].base);
		free(run->res[i].head);
		free(run->res[i].first);
		free(run->res[i].served);
	}
	free(run->res);
	free(idx);
}

int cmd_ab(int argc, char **argv)
{
	struct ab_opts o = {.rounds = 10,
			    .reopen = 1,
			    .procs = 4,
			    .threshold = 5,
			    .alpha = 0.05,
			    .timeout_s = 120,
			    .formats = 1u, /* ab_writers[0] */
			    .progress = isatty(STDERR_FILENO)};
	struct ab_run run;
	struct topo topo;
	struct err e = {""};
	long(*idx)[2] = NULL;
	int rc, first = 0;
	memset(&run, 0, sizeof(run));
	rc = parse_ab_args(&o, argc, argv, &first);
	if (rc)
		return rc == 1 ? EXIT_OK : rc;
	if (topo_load(&topo, NULL, &e) != 0)
		return usage_error(&e);
	machine_read(&run.machine, &topo);
	pick_time(&o, topo_npus(&topo));
	run.rounds = o.rounds;
	run.max_rounds = o.max_rounds;
	ab_looks_plan(o.rounds, o.max_rounds, &run.looks);
	ab_looks_plan(o.rounds,
		      o.max_rounds < 2 * o.rounds ? o.max_rounds : 2 * o.rounds,
		      &run.go_looks);
	run.reopen = o.reopen;
	run.seed = o.seed_set ? o.seed
			      : (uint64_t)clock_mono_ns() ^ (uint64_t)getpid()
								    << 32;
	run.rng_pause = run.seed ^ 0x9e3779b97f4a7c15ull;
	run.rng_proc = run.seed ^ 0xd1b54a32d192ed03ull;
	run.procs = o.procs;
	run.sample_s = o.time_s;
	run.threshold_pct = o.threshold;
	run.alpha = o.alpha;
	run.correction = o.correction;
	if (start_sides(&o, &run, argv + first, &e) != 0 ||
	    plan_cases(&run, &idx) != 0) {
		free_run(&run, idx);
		topo_free(&topo);
		return usage_error(&e);
	}
	machine_print_warnings(stderr, &run.machine);
	warn_builds(&run);
	measure_all(&o, &run, idx);
	ab_judge(&run);
	rc = emit(&o, &run) != 0 ? EXIT_CASE_FAILED : verdict_status(&run);
	free_run(&run, idx);
	topo_free(&topo);
	return rc;
}
