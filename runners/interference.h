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

/* Counters at one moment over a set of CPUs and threads. */
struct intf_snap {
	uint64_t t_ns;
	uint64_t busy_ns, steal_ns; /* summed over the CPUs (ticks as ns) */
	uint64_t run_ns, wait_ns;   /* summed over the threads (schedstat) */
	uint64_t psi_us;	    /* /proc/pressure/cpu some total */
	int have_stat, have_sched, have_psi;
};

/* A case's sums over its samples. */
struct intf_acc {
	uint64_t wall_ns;	    /* summed over samples */
	uint64_t busy_ns, steal_ns; /* over the case's CPUs */
	uint64_t run_ns, wait_ns;   /* over the case's threads */
	uint64_t psi_us;
	int ncpus, nthreads;
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

/* Reads the counters for cpus[0..ncpus) (ncpus 0: every CPU) and the
 * threads tids[0..nthreads) of this process. Never fails: what cannot be
 * read is marked absent. */
void intf_snap_take(struct intf_snap *s, const int *cpus, int ncpus,
		    const pid_t *tids, int nthreads);
/* Adds the interval a..b to acc; returns that interval's wait share
 * (NaN without schedstat). */
double intf_acc_add(struct intf_acc *acc, const struct intf_snap *a,
		    const struct intf_snap *b);
/* The record's figures from acc; use_wait 0 when the case's own threads
 * compete for its CPUs (more threads than CPUs, or unbound), so that their
 * wait is their own doing and not a sign of others. */
void intf_summarize(const struct intf_acc *acc, const double *sample_wait,
		    int nsamples, int use_wait, struct interference *out);

#endif
