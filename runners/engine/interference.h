/* What else ran on a case's CPUs while it was measured: the case's own
 * threads' run-queue wait (from their schedstat, in ns), the CPUs' busy
 * time minus the case's own CPU time and their steal time (/proc/stat, in
 * ticks), and the kernel's CPU pressure (/proc/pressure/cpu) where it has
 * it. Each is a share of the time the case had. */
#ifndef CONTEND_INTERFERENCE_H
#define CONTEND_INTERFERENCE_H

#include <stdint.h>
#include <sys/types.h>

/* A sample is disturbed when its threads waited for a CPU more than this
 * share of their time; a case when any sample was, or when others or steal
 * took more of its CPUs than these shares over all its samples. Shares,
 * not times: they mean the same on every machine. The busy-time share is
 * looser as /proc/stat counts in ticks (10 ms against samples of 20 ms and
 * more). */
#define DISTURB_WAIT   0.05
#define DISTURB_STEAL  0.05
#define DISTURB_OTHERS 0.10

/* Counters at one moment over a set of CPUs. */
struct intf_snap {
	uint64_t t_ns;
	uint64_t busy_ns, steal_ns; /* summed over the CPUs (ticks as ns) */
	uint64_t psi_us;	    /* /proc/pressure/cpu some total */
	int have_stat, have_psi;
};

/* The case's threads over one sample, each read by the thread itself just
 * before the start barrier and just after its timed part (so a late wake
 * before the sample is not counted): summed run and run-queue wait, and
 * the summed spans between the two reads. */
struct intf_threads {
	uint64_t run_ns, wait_ns, span_ns;
	int ok; /* every thread could read its schedstat */
};

/* A case's sums over its samples. */
struct intf_acc {
	uint64_t wall_ns;	    /* summed over samples */
	uint64_t busy_ns, steal_ns; /* over the case's CPUs */
	uint64_t run_ns, wait_ns;   /* over the case's threads */
	uint64_t span_ns;	    /* their spans (intf_threads) */
	uint64_t psi_us;
	int ncpus;
	int have_stat, have_sched, have_psi;
};

/* What a record carries (interference in the results file). Shares are
 * NaN where not measured. */
struct interference {
	int valid;
	double others, wait, steal, psi_some;
	double max; /* the largest of the three shares, or a sample's wait */
	int disturbed_samples; /* samples whose wait exceeded DISTURB_WAIT */
	int disturbed;
};

/* Reads the counters for cpus[0..ncpus) (ncpus 0: every CPU). Never
 * fails: what cannot be read is marked absent. */
void intf_snap_take(struct intf_snap *s, const int *cpus, int ncpus);
/* The calling thread's run and wait so far (ns) and the time; 0 when its
 * schedstat cannot be read. */
int intf_thread_now(uint64_t *run, uint64_t *wait, uint64_t *t);
/* Adds the interval a..b and the threads' figures to acc; returns the
 * threads' wait share (NaN without schedstat). */
double intf_acc_add(struct intf_acc *acc, const struct intf_snap *a,
		    const struct intf_snap *b, const struct intf_threads *th);
/* The record's figures from acc; use_wait 0 when the case's own threads
 * compete for its CPUs (more threads than CPUs, or unbound), so that their
 * wait is their own doing and not a sign of others. */
void intf_summarize(const struct intf_acc *acc, const double *sample_wait,
		    int nsamples, int use_wait, struct interference *out);

#endif
