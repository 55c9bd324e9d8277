/* Interference readings (interference.h). All of it is read between
 * samples, by the coordinating thread, while the workers sleep: nothing
 * here runs inside a timed region. */
#include "interference.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

#define MAX_CPU_ID 4096

/* Sums busy and steal time over the chosen CPUs' lines of /proc/stat
 * (the "cpu" total line when want is NULL). */
static int read_proc_stat(const unsigned char *want, struct intf_snap *s)
{
	FILE *f = fopen("/proc/stat", "r");
	char line[512];
	long hz = sysconf(_SC_CLK_TCK);
	double tick_ns = hz > 0 ? 1e9 / (double)hz : 1e7;
	unsigned long long v[8];
	int found = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f) && !strncmp(line, "cpu", 3)) {
		int id = -1, n;
		if (line[3] == ' ')
			n = sscanf(line + 3,
				   " %llu %llu %llu %llu %llu %llu "
				   "%llu %llu",
				   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
				   &v[6], &v[7]);
		else
			n = sscanf(line + 3,
				   "%d %llu %llu %llu %llu %llu %llu %llu %llu",
				   &id, &v[0], &v[1], &v[2], &v[3], &v[4],
				   &v[5], &v[6], &v[7]) -
			    1;
		if (n < 8 ||
		    (want ? id < 0 || id >= MAX_CPU_ID || !want[id] : id >= 0))
			continue;
		/* user nice system idle iowait irq softirq steal: guest time
		 * is already inside user */
		s->busy_ns +=
			(uint64_t)((double)(v[0] + v[1] + v[2] + v[5] + v[6]) *
				   tick_ns);
		s->steal_ns += (uint64_t)((double)v[7] * tick_ns);
		found = 1;
	}
	fclose(f);
	return found;
}

int intf_thread_now(uint64_t *run, uint64_t *wait, uint64_t *t)
{
	unsigned long long r, w;
	FILE *f = fopen("/proc/thread-self/schedstat", "r");
	int ok;
	*t = clock_mono_ns();
	if (!f)
		return 0;
	ok = fscanf(f, "%llu %llu", &r, &w) == 2;
	fclose(f);
	*run = ok ? r : 0;
	*wait = ok ? w : 0;
	return ok;
}

static int read_psi(uint64_t *total_us)
{
	FILE *f = fopen("/proc/pressure/cpu", "r");
	char line[256];
	int ok = 0;
	if (!f)
		return 0;
	while (!ok && fgets(line, sizeof(line), f)) {
		const char *t = strstr(line, "total=");
		unsigned long long v;
		if (!strncmp(line, "some", 4) && t &&
		    sscanf(t + 6, "%llu", &v) == 1) {
			*total_us = v;
			ok = 1;
		}
	}
	fclose(f);
	return ok;
}

void intf_snap_take(struct intf_snap *s, const int *cpus, int ncpus)
{
	unsigned char want[MAX_CPU_ID];
	int any = 0;
	memset(s, 0, sizeof(*s));
	memset(want, 0, sizeof(want));
	for (int i = 0; i < ncpus; i++)
		if (cpus[i] >= 0 && cpus[i] < MAX_CPU_ID)
			any = want[cpus[i]] = 1;
	s->have_stat = read_proc_stat(any ? want : NULL, s);
	s->have_psi = read_psi(&s->psi_us);
	s->t_ns = clock_mono_ns();
}

static uint64_t delta(uint64_t a, uint64_t b)
{
	return b > a ? b - a : 0;
}

double intf_acc_add(struct intf_acc *acc, const struct intf_snap *a,
		    const struct intf_snap *b, const struct intf_threads *th)
{
	int first = acc->wall_ns == 0;
	acc->have_stat =
		(first || acc->have_stat) && a->have_stat && b->have_stat;
	acc->have_sched = (first || acc->have_sched) && th->ok;
	acc->have_psi = (first || acc->have_psi) && a->have_psi && b->have_psi;
	acc->wall_ns += delta(a->t_ns, b->t_ns);
	acc->busy_ns += delta(a->busy_ns, b->busy_ns);
	acc->steal_ns += delta(a->steal_ns, b->steal_ns);
	acc->run_ns += th->run_ns;
	acc->wait_ns += th->wait_ns;
	acc->span_ns += th->span_ns;
	acc->psi_us += delta(a->psi_us, b->psi_us);
	if (!th->ok || !th->span_ns)
		return NAN;
	return (double)th->wait_ns / (double)th->span_ns;
}

static double share(uint64_t part, uint64_t wall, int n)
{
	return wall && n > 0 ? (double)part / ((double)wall * n) : NAN;
}

void intf_summarize(const struct intf_acc *acc, const double *sample_wait,
		    int nsamples, int use_wait, struct interference *out)
{
	double busy_others;
	memset(out, 0, sizeof(*out));
	out->others = out->wait = out->steal = out->psi_some = NAN;
	if (!acc->wall_ns)
		return;
	out->valid = 1;
	if (acc->have_stat && acc->have_sched) {
		/* the case's threads ran only on its CPUs (bound), or the
		 * CPUs are every CPU (unbound); without their own run time
		 * the busy time cannot be split */
		busy_others = acc->busy_ns > acc->run_ns
				      ? (double)(acc->busy_ns - acc->run_ns)
				      : 0;
		out->others =
			share((uint64_t)busy_others, acc->wall_ns, acc->ncpus);
		out->steal = share(acc->steal_ns, acc->wall_ns, acc->ncpus);
		out->max = fmax(out->others, out->steal);
		out->disturbed = out->others > DISTURB_OTHERS ||
				 out->steal > DISTURB_STEAL;
	}
	if (acc->have_sched && acc->span_ns)
		out->wait = (double)acc->wait_ns / (double)acc->span_ns;
	if (acc->have_psi)
		out->psi_some =
			(double)acc->psi_us * 1e3 / (double)acc->wall_ns;
	for (int k = 0; use_wait && sample_wait && k < nsamples; k++)
		if (sample_wait[k] > DISTURB_WAIT) {
			out->disturbed_samples++;
			out->disturbed = 1;
			out->max = fmax(out->max, sample_wait[k]);
		}
	if (use_wait && out->wait == out->wait)
		out->max = fmax(out->max, out->wait);
}
