/* Per-thread event counters: hardware events through PAPI, software events
 * (context switches, page faults, CPU migrations) straight from the kernel's
 * perf_event interface, which works where a VM exposes no PMU. What cannot
 * be counted reads n/a, with the reason recorded once per run. */
#ifndef CONTEND_COUNTERS_H
#define CONTEND_COUNTERS_H

#include "err.h"

enum counter_id {
	CTR_CYCLES,
	CTR_INSTRUCTIONS,
	CTR_L1D_MISSES,
	CTR_LLC_MISSES,
	CTR_CONTEXT_SWITCHES,
	CTR_PAGE_FAULTS,
	CTR_CPU_MIGRATIONS,
	CTR_COUNT
};

/* What this run counts, decided once before any case (the probe). */
struct counter_plan {
	int wanted[CTR_COUNT];
	int available[CTR_COUNT];
	char reason[CTR_COUNT][192]; /* why an unavailable one is n/a */
	char source[CTR_COUNT][64];  /* PAPI event or perf_event name */
	int papi_code[CTR_COUNT];
	int user_only[CTR_COUNT]; /* software event counted without kernel */
	int papi_ready;		  /* PAPI initialised with thread support */
	int multiplexed; /* hardware events share registers; counts scaled */
	/* One disabled event of each software kind, open from the probe to
	 * counters_shutdown: the kernel patches its text on every CPU (by
	 * IPI) when the first event of a kind opens and when the last one
	 * closes, which per case disturbed the whole machine twice and hung
	 * an emulated (TCG) guest in text_poke_bp. -1 where not open. */
	int keep_fd[CTR_COUNT];
	int keep_sched_fd; /* a dummy event, where PAPI counts */
	int probed;
};

/* Per worker thread. */
struct counter_thread {
	int eventset; /* PAPI, or -1 */
	int nhw;
	int hw_ids[CTR_COUNT];
	int fds[CTR_COUNT]; /* perf_event, or -1 */
};

const char *counter_name(enum counter_id c);
/* "default" (all, what is unavailable reads n/a), "none", or a list of
 * counter names. -1 with a message naming the unknown name. */
int counters_parse(const char *spec, int wanted[CTR_COUNT], struct err *e);
/* Probes PAPI and perf_event for each wanted counter, then shuts PAPI down
 * again (cases run in forked children, and PAPI state does not survive a
 * fork); the software events' keepers stay open. Never fails: what cannot be
 * counted is marked unavailable with its reason. */
void counters_probe(struct counter_plan *p, const int wanted[CTR_COUNT]);
/* Initialises PAPI in the process that will count (a case's child, or the
 * runner itself with --no-isolate). What fails here becomes unavailable. */
void counters_attach(struct counter_plan *p);
/* PAPI down and the keepers closed (the probe's process, at its end). */
void counters_shutdown(struct counter_plan *p);

int counters_thread_open(const struct counter_plan *p,
			 struct counter_thread *ct, struct err *e);
void counters_thread_start(const struct counter_plan *p,
			   struct counter_thread *ct);
/* Stops counting and adds this thread's counts to sum[]. */
void counters_thread_stop(const struct counter_plan *p,
			  struct counter_thread *ct, double sum[CTR_COUNT]);
void counters_thread_close(struct counter_thread *ct);

#endif
