/* The pre-flight check: the state of the machine that moves figures without
 * changing what the machine is (frequency scaling, SMT, ASLR, counter
 * permissions, virtualisation, huge pages, load). Recorded in the results
 * file beside the fingerprint and said once as warnings; nothing here
 * refuses to run. */
#ifndef CONTEND_PREFLIGHT_H
#define CONTEND_PREFLIGHT_H

#include <jansson.h>
#include <limits.h>
#include <stdio.h>

#define ENV_UNKNOWN_STR "unknown"
/* perf_event_paranoid may itself be -1 (everything allowed), so its
 * unknown is INT_MIN; the other integers are never negative. */
#define ENV_PARANOID_UNKNOWN INT_MIN
#define ENV_WARNINGS_MAX     8
#define ENV_WARNING_LEN	     256

/* Strings are "unknown" and numbers -1 where not readable (JSON: null). */
struct environment {
	char governor[128];	 /* one value, or "mixed: a,b" */
	char cpufreq_driver[32]; /* scaling_driver, e.g. "intel_pstate" */
	char boost[8];		 /* "on", "off" */
	char boost_control[96];	 /* the sysfs file that said so */
	char amd_pstate[16];	 /* amd_pstate/status: "active", ... */
	char smt_control[16];	 /* "on", "off", "forceoff", "notsupported" */
	int smt_active;		 /* 1, 0 */
	int aslr;		 /* kernel.randomize_va_space: 0, 1, 2 */
	int aslr_this_process;	 /* 0 under setarch -R (ADDR_NO_RANDOMIZE) */
	int perf_event_paranoid; /* ENV_PARANOID_UNKNOWN when not readable */
	int root;		 /* effective uid 0: paranoid does not apply */
	int virtualised;	 /* 1, 0 */
	char hypervisor[32];	 /* CPUID's, as machine.cpu; "none" */
	char sys_hypervisor[32]; /* /sys/hypervisor/type (Xen) */
	char dmi_vendor[64];	 /* /sys/class/dmi/id/sys_vendor */
	char dmi_product[64];	 /* /sys/class/dmi/id/product_name */
	char thp_enabled[16];	 /* the bracketed value: "always", ... */
	char thp_defrag[24];	 /* likewise */
	double load1, load5, load15;
	int running;		    /* runnable tasks, this process included */
	int cpus_allowed;	    /* CPUs this process may run on */
	double psi_cpu_some_avg10;  /* % of the last 10 s some task waited */
	double cpu_quota;	    /* CPUs' worth a cgroup's cpu.max allows */
	char cpu_quota_cgroup[160]; /* the cgroup that sets the tightest */
	int nwarnings;
	char warnings[ENV_WARNINGS_MAX][ENV_WARNING_LEN];
};

/* Reads what it can and derives the warnings. cpuid_hypervisor: the
 * hypervisor CPUID names ("" for none), NULL where CPUID was not read. */
void environment_read(struct environment *env, const char *cpuid_hypervisor);
json_t *environment_to_json(const struct environment *env);
/* One line each: "contend: warning: <what> (<what to do>)". */
void environment_print_warnings(FILE *f, const struct environment *env);
/* The human-readable lines of `contend machine`, warnings included. */
void environment_print(FILE *f, const struct environment *env);

#endif
