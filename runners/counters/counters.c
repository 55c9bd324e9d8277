#include "counters.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <papi.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "list.h"

/* Hardware events: PAPI presets first, then names the perf_event component
 * exposes natively on machines whose presets are not mapped. */
static const struct {
	const char *name;
	const char *papi[4];
	int sw; /* PERF_COUNT_SW_*, or -1 */
} defs[CTR_COUNT] = {
	[CTR_CYCLES] = {"cycles", {"PAPI_TOT_CYC", "perf::CYCLES"}, -1},
	[CTR_INSTRUCTIONS] = {"instructions",
			      {"PAPI_TOT_INS", "perf::INSTRUCTIONS"},
			      -1},
	[CTR_L1D_MISSES] = {"l1d-misses",
			    {"PAPI_L1_DCM", "perf::L1-DCACHE-LOAD-MISSES"},
			    -1},
	[CTR_LLC_MISSES] = {"llc-misses",
			    {"PAPI_L3_TCM", "perf::LLC-LOAD-MISSES",
			     "PAPI_L2_TCM"},
			    -1},
	[CTR_CONTEXT_SWITCHES] = {"context-switches",
				  {0},
				  PERF_COUNT_SW_CONTEXT_SWITCHES},
	[CTR_PAGE_FAULTS] = {"page-faults", {0}, PERF_COUNT_SW_PAGE_FAULTS},
	[CTR_CPU_MIGRATIONS] = {"cpu-migrations",
				{0},
				PERF_COUNT_SW_CPU_MIGRATIONS},
};

const char *counter_name(enum counter_id c)
{
	return defs[c].name;
}

int counters_parse(const char *spec, int wanted[CTR_COUNT], struct err *e)
{
	char buf[512], *tok, *save = NULL;
	int all = strcmp(spec, "default") == 0 || strcmp(spec, "all") == 0;
	for (int c = 0; c < CTR_COUNT; c++)
		wanted[c] = all;
	if (all || strcmp(spec, "none") == 0)
		return 0;
	if (!*spec)
		return err_set(e,
			       "empty counter list (names, default or none)");
	if (list_check(spec, "counter list", e) != 0)
		return -1;
	if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf))
		return err_set(e, "counter list too long");
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		int found = 0;
		for (int c = 0; c < CTR_COUNT; c++)
			if (strcmp(tok, defs[c].name) == 0)
				wanted[c] = found = 1;
		if (!found)
			return err_set(e,
				       "unknown counter '%s' (cycles, "
				       "instructions, l1d-misses, llc-misses, "
				       "context-switches, page-faults, "
				       "cpu-migrations, default, none)",
				       tok);
	}
	return 0;
}

static int perf_open_sw(int config, int user_only)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = (unsigned long long)config;
	a.disabled = 1;
	a.exclude_hv = 1;
	a.exclude_kernel = user_only ? 1 : 0;
	/* this thread only, any CPU; not into the Go reference's exec */
	return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1,
			    PERF_FLAG_FD_CLOEXEC);
}

static int paranoid_level(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	int v = -100;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -100;
		fclose(f);
	}
	return v;
}

/* Software events with kernel counting first. Where perf_event_paranoid
 * forbids that, page faults can still be counted user-side (faults are
 * charged to the faulting context); context switches and migrations
 * cannot, and say why instead of reading a false zero. */
static void probe_sw(struct counter_plan *p, int c)
{
	int fd = perf_open_sw(defs[c].sw, 0), err = errno;
	if (fd < 0 && (err == EACCES || err == EPERM) && c == CTR_PAGE_FAULTS) {
		fd = perf_open_sw(defs[c].sw, 1);
		p->user_only[c] = fd >= 0;
	}
	if (fd >= 0) {
		p->keep_fd[c] = fd;
		p->available[c] = 1;
		snprintf(p->source[c], sizeof(p->source[c]), "perf_event:%s%s",
			 defs[c].name, p->user_only[c] ? " (user)" : "");
	} else if (err == EACCES || err == EPERM) {
		snprintf(p->reason[c], sizeof(p->reason[c]),
			 "perf_event_open: %s (kernel.perf_event_paranoid=%d; "
			 "needs <= 1, or root)",
			 strerror(err), paranoid_level());
	} else {
		snprintf(p->reason[c], sizeof(p->reason[c]),
			 "perf_event_open: %s", strerror(err));
	}
}

static void papi_stop(struct counter_plan *p)
{
	if (p->papi_ready)
		PAPI_shutdown();
	p->papi_ready = 0;
}

static unsigned long papi_thread_id(void)
{
	return (unsigned long)pthread_self();
}

/* Initialises PAPI; on failure every hardware counter gets the reason. */
static int papi_start(struct counter_plan *p, char *why, size_t len)
{
	const char *off = getenv("CONTEND_NO_PAPI");
	const PAPI_component_info_t *ci;
	int r;
	if (off && strcmp(off, "1") == 0) {
		/* what a machine without a PMU looks like, anywhere */
		snprintf(why, len, "PAPI disabled by CONTEND_NO_PAPI=1");
		return -1;
	}
	r = PAPI_library_init(PAPI_VER_CURRENT);
	if (r != PAPI_VER_CURRENT) {
		snprintf(why, len, "PAPI: library init failed (%s)",
			 r < 0 ? PAPI_strerror(r) : "version mismatch");
		return -1;
	}
	if ((r = PAPI_thread_init(papi_thread_id)) != PAPI_OK) {
		snprintf(why, len, "PAPI: thread init failed (%s)",
			 PAPI_strerror(r));
		return -1;
	}
	p->papi_ready = 1;
	ci = PAPI_get_component_info(0);
	if (ci && ci->disabled) {
		snprintf(why, len, "PAPI %.32s component disabled: %.120s",
			 ci->name, ci->disabled_reason);
		return -1;
	}
	return 0;
}

static int papi_try(int code)
{
	int es = PAPI_NULL, r;
	if (PAPI_create_eventset(&es) != PAPI_OK)
		return PAPI_ENOMEM;
	r = PAPI_add_event(es, code);
	PAPI_cleanup_eventset(es);
	PAPI_destroy_eventset(&es);
	return r;
}

static void probe_hw(struct counter_plan *p, int c)
{
	int last = PAPI_ENOEVNT;
	for (int k = 0; k < 4 && defs[c].papi[k]; k++) {
		int code;
		if (PAPI_event_name_to_code(defs[c].papi[k], &code) != PAPI_OK)
			continue;
		last = papi_try(code);
		if (last == PAPI_OK) {
			p->available[c] = 1;
			p->papi_code[c] = code;
			snprintf(p->source[c], sizeof(p->source[c]), "%s",
				 defs[c].papi[k]);
			return;
		}
	}
	snprintf(p->reason[c], sizeof(p->reason[c]),
		 "PAPI: no usable event for %s (%s)", defs[c].name,
		 PAPI_strerror(last));
}

/* All available hardware events in one set; if the PMU has too few
 * registers, they will be multiplexed (PAPI scales the counts). */
static void probe_multiplex(struct counter_plan *p)
{
	int es = PAPI_NULL, r = PAPI_OK;
	if (PAPI_create_eventset(&es) != PAPI_OK)
		return;
	for (int c = 0; c < CTR_COUNT && r == PAPI_OK; c++)
		if (p->wanted[c] && p->available[c] && defs[c].sw < 0)
			r = PAPI_add_event(es, p->papi_code[c]);
	PAPI_cleanup_eventset(es);
	PAPI_destroy_eventset(&es);
	if (r != PAPI_OK && PAPI_multiplex_init() == PAPI_OK)
		p->multiplexed = 1;
}

void counters_probe(struct counter_plan *p, const int wanted[CTR_COUNT])
{
	char why[192] = "";
	int papi_ok = -1, any_hw = 0;
	if (p->probed)
		counters_shutdown(p); /* a second probe: its keepers first */
	memset(p, 0, sizeof(*p));
	p->probed = 1;
	p->keep_sched_fd = -1;
	for (int c = 0; c < CTR_COUNT; c++) {
		p->keep_fd[c] = -1;
		p->wanted[c] = wanted[c];
		any_hw |= wanted[c] && defs[c].sw < 0;
	}
	if (any_hw)
		papi_ok = papi_start(p, why, sizeof(why));
	for (int c = 0; c < CTR_COUNT; c++) {
		if (!wanted[c])
			continue;
		if (defs[c].sw >= 0) {
			probe_sw(p, c);
		} else if (papi_ok == 0) {
			probe_hw(p, c);
		} else {
			snprintf(p->reason[c], sizeof(p->reason[c]), "%s", why);
		}
	}
	if (papi_ok == 0)
		probe_multiplex(p);
	papi_stop(p);
	/* PAPI's per-thread events switch the scheduler's perf hooks on and
	 * off as the software ones do: a dummy event holds them */
	for (int c = 0; c < CTR_COUNT; c++)
		if (p->available[c] && defs[c].sw < 0 && p->keep_sched_fd < 0)
			p->keep_sched_fd = perf_open_sw(PERF_COUNT_SW_DUMMY, 1);
}

void counters_attach(struct counter_plan *p)
{
	char why[192] = "";
	int any_hw = 0;
	for (int c = 0; c < CTR_COUNT; c++)
		any_hw |= p->wanted[c] && p->available[c] && defs[c].sw < 0;
	if (!any_hw)
		return;
	if (papi_start(p, why, sizeof(why)) != 0 ||
	    (p->multiplexed && PAPI_multiplex_init() != PAPI_OK)) {
		for (int c = 0; c < CTR_COUNT; c++)
			if (p->available[c] && defs[c].sw < 0) {
				p->available[c] = 0;
				snprintf(p->reason[c], sizeof(p->reason[c]),
					 "%s", why[0] ? why : "PAPI: attach");
			}
		return;
	}
	for (int c = 0; c < CTR_COUNT; c++)
		if (p->available[c] && defs[c].sw < 0 &&
		    PAPI_event_name_to_code(p->source[c], &p->papi_code[c]) !=
			    PAPI_OK) {
			p->available[c] = 0;
			snprintf(p->reason[c], sizeof(p->reason[c]),
				 "PAPI: %s vanished after probing",
				 p->source[c]);
		}
}

void counters_shutdown(struct counter_plan *p)
{
	papi_stop(p);
	/* a plan never probed (zeroed) holds no keeper, not fd 0 */
	if (!p->probed)
		return;
	for (int c = 0; c < CTR_COUNT; c++)
		if (p->keep_fd[c] >= 0) {
			close(p->keep_fd[c]);
			p->keep_fd[c] = -1;
		}
	if (p->keep_sched_fd >= 0)
		close(p->keep_sched_fd);
	p->keep_sched_fd = -1;
}

static int open_papi_set(const struct counter_plan *p,
			 struct counter_thread *ct, struct err *e)
{
	int r;
	if ((r = PAPI_create_eventset(&ct->eventset)) != PAPI_OK)
		return err_set(e, "PAPI: cannot create event set: %s",
			       PAPI_strerror(r));
	if (p->multiplexed &&
	    ((r = PAPI_assign_eventset_component(ct->eventset, 0)) != PAPI_OK ||
	     (r = PAPI_set_multiplex(ct->eventset)) != PAPI_OK))
		return err_set(e, "PAPI: cannot multiplex: %s",
			       PAPI_strerror(r));
	for (int c = 0; c < CTR_COUNT; c++) {
		if (!p->wanted[c] || !p->available[c] || defs[c].sw >= 0)
			continue;
		if ((r = PAPI_add_event(ct->eventset, p->papi_code[c])) !=
		    PAPI_OK)
			return err_set(e, "PAPI: cannot add %s: %s",
				       p->source[c], PAPI_strerror(r));
		ct->hw_ids[ct->nhw++] = c;
	}
	return 0;
}

int counters_thread_open(const struct counter_plan *p,
			 struct counter_thread *ct, struct err *e)
{
	memset(ct, 0, sizeof(*ct));
	ct->eventset = PAPI_NULL;
	for (int c = 0; c < CTR_COUNT; c++) {
		ct->fds[c] = -1;
		if (p->wanted[c] && p->available[c] && defs[c].sw >= 0) {
			ct->fds[c] = perf_open_sw(defs[c].sw, p->user_only[c]);
			if (ct->fds[c] < 0)
				return err_set(e, "perf_event_open %s: %s",
					       defs[c].name, strerror(errno));
		}
	}
	for (int c = 0; c < CTR_COUNT; c++)
		if (p->wanted[c] && p->available[c] && defs[c].sw < 0)
			return open_papi_set(p, ct, e);
	return 0;
}

void counters_thread_start(const struct counter_plan *p,
			   struct counter_thread *ct)
{
	(void)p;
	for (int c = 0; c < CTR_COUNT; c++)
		if (ct->fds[c] >= 0) {
			ioctl(ct->fds[c], PERF_EVENT_IOC_RESET, 0);
			ioctl(ct->fds[c], PERF_EVENT_IOC_ENABLE, 0);
		}
	if (ct->nhw)
		PAPI_start(ct->eventset);
}

void counters_thread_stop(const struct counter_plan *p,
			  struct counter_thread *ct, double sum[CTR_COUNT])
{
	long long hw[CTR_COUNT] = {0};
	(void)p;
	if (ct->nhw && PAPI_stop(ct->eventset, hw) == PAPI_OK)
		for (int i = 0; i < ct->nhw; i++)
			sum[ct->hw_ids[i]] += (double)hw[i];
	for (int c = 0; c < CTR_COUNT; c++) {
		uint64_t v = 0;
		if (ct->fds[c] < 0)
			continue;
		ioctl(ct->fds[c], PERF_EVENT_IOC_DISABLE, 0);
		if (read(ct->fds[c], &v, sizeof(v)) == (ssize_t)sizeof(v))
			sum[c] += (double)v;
	}
}

void counters_thread_close(struct counter_thread *ct)
{
	for (int c = 0; c < CTR_COUNT; c++)
		if (ct->fds[c] >= 0)
			close(ct->fds[c]);
	if (ct->eventset != PAPI_NULL) {
		PAPI_cleanup_eventset(ct->eventset);
		PAPI_destroy_eventset(&ct->eventset);
		PAPI_unregister_thread();
	}
}
