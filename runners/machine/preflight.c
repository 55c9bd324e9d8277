#include "preflight.h"

#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <unistd.h>

#include "cgroup.h"

#define CPU_SYSFS "/sys/devices/system/cpu"
/* As many CPUs as a topology may describe (topology.c refuses more). */
#define MAX_CPUS	   8192
#define SET_UNKNOWN(field) snprintf(field, sizeof(field), "%s", ENV_UNKNOWN_STR)

/* The first line of path without its newline; "unknown" and -1 when the
 * file is absent or empty (a kernel without the feature). */
static int read_str(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "r");
	int ok = 0;
	if (f) {
		ok = fgets(out, (int)len, f) != NULL;
		fclose(f);
	}
	if (ok)
		out[strcspn(out, "\n")] = '\0';
	if (!ok || !out[0]) {
		snprintf(out, len, "%s", ENV_UNKNOWN_STR);
		return -1;
	}
	return 0;
}

static int read_int(const char *path, int unknown)
{
	char buf[32], *end;
	long v;
	if (read_str(path, buf, sizeof(buf)) != 0)
		return unknown;
	v = strtol(buf, &end, 10);
	return end == buf ? unknown : (int)v;
}

/* sysfs lists choices as "always [madvise] never": the bracketed one is in
 * effect. */
static void read_bracketed(const char *path, char *out, size_t len)
{
	char buf[128];
	const char *open, *close;
	if (read_str(path, buf, sizeof(buf)) != 0 ||
	    !(open = strchr(buf, '[')) || !(close = strchr(open, ']'))) {
		snprintf(out, len, "%s", ENV_UNKNOWN_STR);
		return;
	}
	snprintf(out, len, "%.*s", (int)(close - open - 1), open + 1);
}

static int known(const char *s)
{
	return strcmp(s, ENV_UNKNOWN_STR) != 0;
}

/* Appends v to the comma-separated list unless it is there already. */
static void add_distinct(char *list, size_t len, const char *v, int *count)
{
	size_t n = strlen(v), used = strlen(list);
	for (const char *p = list; (p = strstr(p, v)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return;
	snprintf(list + used, len - used, "%s%s", used ? "," : "", v);
	(*count)++;
}

/* Each allowed CPU may have its own policy: one left at powersave among
 * performance ones slows only the threads placed there, so all are read. */
static void read_governors(struct environment *env, const cpu_set_t *set,
			   size_t size)
{
	char list[sizeof(env->governor) - 8] = "", path[96], v[32];
	int count = 0;
	for (int c = 0; c < MAX_CPUS; c++) {
		if (!CPU_ISSET_S(c, size, set))
			continue;
		snprintf(path, sizeof(path),
			 CPU_SYSFS "/cpu%d/cpufreq/scaling_governor", c);
		if (read_str(path, v, sizeof(v)) == 0)
			add_distinct(list, sizeof(list), v, &count);
	}
	if (count == 0)
		snprintf(env->governor, sizeof(env->governor), "%s",
			 ENV_UNKNOWN_STR);
	else
		snprintf(env->governor, sizeof(env->governor), "%s%s",
			 count > 1 ? "mixed: " : "", list);
}

/* Whichever knob the frequency driver offers: acpi-cpufreq (and amd-pstate
 * since 6.x) the global boost file, intel_pstate its inverted no_turbo,
 * others a per-policy boost file. Kept: the file, so the advice names it. */
static void read_boost(struct environment *env, int first_cpu)
{
	static const struct {
		const char *path;
		char on; /* the digit that means boost is on */
	} knobs[] = {
		{CPU_SYSFS "/cpufreq/boost", '1'},
		{CPU_SYSFS "/intel_pstate/no_turbo", '0'},
		{NULL, '1'}, /* the first allowed CPU's policy */
	};
	char path[96], v[8];
	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		if (knobs[i].path)
			snprintf(path, sizeof(path), "%s", knobs[i].path);
		else
			snprintf(path, sizeof(path),
				 CPU_SYSFS "/cpu%d/cpufreq/boost", first_cpu);
		if (read_str(path, v, sizeof(v)) != 0)
			continue;
		snprintf(env->boost, sizeof(env->boost), "%s",
			 v[0] == knobs[i].on ? "on" : "off");
		snprintf(env->boost_control, sizeof(env->boost_control), "%s",
			 path);
		return;
	}
}

static void read_cpufreq(struct environment *env)
{
	size_t size = CPU_ALLOC_SIZE(MAX_CPUS);
	cpu_set_t *set = CPU_ALLOC(MAX_CPUS);
	int first = 0;
	char path[96];
	if (!set)
		return;
	if (sched_getaffinity(0, size, set) != 0) {
		CPU_FREE(set);
		return;
	}
	env->cpus_allowed = CPU_COUNT_S(size, set);
	while (first < MAX_CPUS - 1 && !CPU_ISSET_S(first, size, set))
		first++;
	read_governors(env, set, size);
	read_boost(env, first);
	snprintf(path, sizeof(path), CPU_SYSFS "/cpu%d/cpufreq/scaling_driver",
		 first);
	read_str(path, env->cpufreq_driver, sizeof(env->cpufreq_driver));
	read_str(CPU_SYSFS "/amd_pstate/status", env->amd_pstate,
		 sizeof(env->amd_pstate));
	CPU_FREE(set);
}

static void read_smt(struct environment *env)
{
	read_str(CPU_SYSFS "/smt/control", env->smt_control,
		 sizeof(env->smt_control));
	env->smt_active = read_int(CPU_SYSFS "/smt/active", -1);
}

/* The sysctl says what new processes get; setarch -R (ADDR_NO_RANDOMIZE,
 * inherited by the case processes) turns it off for this one alone. */
static void read_aslr(struct environment *env)
{
	int pers = personality(0xffffffff);
	env->aslr = read_int("/proc/sys/kernel/randomize_va_space", -1);
	if (pers != -1 && (pers & ADDR_NO_RANDOMIZE))
		env->aslr_this_process = 0;
	else if (env->aslr >= 0)
		env->aslr_this_process = env->aslr > 0;
	else
		env->aslr_this_process = -1;
}

/* Names in DMI's vendor or product that only virtual machines carry (not
 * "Amazon EC2": its bare-metal instances say so too; not plain "Google":
 * Chromebooks). */
static int dmi_says_vm(const struct environment *env)
{
	static const char *const hints[] = {
		"QEMU",		  "KVM",       "VMware",
		"VirtualBox",	  "innotek",   "Xen",
		"Bochs",	  "BHYVE",     "Parallels",
		"Google Compute", "OpenStack", "Virtual Machine",
	};
	for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (strcasestr(env->dmi_vendor, hints[i]) ||
		    strcasestr(env->dmi_product, hints[i]))
			return 1;
	return 0;
}

static void read_virt(struct environment *env, const char *cpuid_hypervisor)
{
	snprintf(env->hypervisor, sizeof(env->hypervisor), "%s",
		 !cpuid_hypervisor     ? ENV_UNKNOWN_STR
		 : cpuid_hypervisor[0] ? cpuid_hypervisor
				       : "none");
	read_str("/sys/hypervisor/type", env->sys_hypervisor,
		 sizeof(env->sys_hypervisor));
	read_str("/sys/class/dmi/id/sys_vendor", env->dmi_vendor,
		 sizeof(env->dmi_vendor));
	read_str("/sys/class/dmi/id/product_name", env->dmi_product,
		 sizeof(env->dmi_product));
	if ((cpuid_hypervisor && cpuid_hypervisor[0]) ||
	    known(env->sys_hypervisor) || dmi_says_vm(env))
		env->virtualised = 1;
	else if (cpuid_hypervisor) /* CPUID would have said */
		env->virtualised = 0;
	else
		env->virtualised = -1;
}

static void read_load(struct environment *env)
{
	char line[256];
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fgets(line, sizeof(line), f) &&
		    sscanf(line, "%lf %lf %lf %d/", &env->load1, &env->load5,
			   &env->load15, &env->running) != 4)
			env->load1 = env->load5 = env->load15 = env->running =
				-1;
		fclose(f);
	}
	/* PSI (Linux 4.20+, CONFIG_PSI): the share of time some runnable task
	 * waited for a CPU, which the load average does not separate. */
	f = fopen("/proc/pressure/cpu", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "some avg10=%lf", &env->psi_cpu_some_avg10) ==
		    1)
			break;
	fclose(f);
}

/* QUOTA and PERIOD of the cgroup at dir: v2's cpu.max ("QUOTA PERIOD", or
 * "max PERIOD" for none), v1's cpu.cfs_quota_us (-1 for none) and
 * cpu.cfs_period_us. 0 when it sets a quota. */
static int quota_at(const char *dir, int v1, double *quota, double *period)
{
	char path[4300], line[64], line2[64];
	snprintf(path, sizeof(path), "%s/%s", dir,
		 v1 ? "cpu.cfs_quota_us" : "cpu.max");
	if (read_str(path, line, sizeof(line)) != 0)
		return -1;
	if (!v1)
		return sscanf(line, "%lf %lf", quota, period) == 2 &&
				       *period > 0
			       ? 0
			       : -1;
	snprintf(path, sizeof(path), "%s/cpu.cfs_period_us", dir);
	return read_str(path, line2, sizeof(line2)) == 0 &&
			       sscanf(line, "%lf", quota) == 1 &&
			       sscanf(line2, "%lf", period) == 1 &&
			       *quota >= 0 && *period > 0
		       ? 0
		       : -1;
}

/* The tightest CPU quota along this process's cgroup path (v2, else v1's
 * cpu controller): a process over its quota is throttled, its threads
 * runnable and not run until the next period. */
static void read_cpu_quota(struct environment *env)
{
	static const char *const v1_mounts[] = {"/sys/fs/cgroup/cpu",
						"/sys/fs/cgroup/cpu,cpuacct"};
	char cg[4096], dir[4200];
	int v1 = cgroup_own(cg, sizeof(cg)) != 0 || cg[1] == '\0';
	if (v1 && cgroup_own_v1("cpu", cg, sizeof(cg)) != 0)
		return;
	do {
		for (int m = 0; m < (v1 ? 2 : 1); m++) {
			double quota, period;
			snprintf(dir, sizeof(dir), "%s%s",
				 v1 ? v1_mounts[m] : "/sys/fs/cgroup", cg);
			if (quota_at(dir, v1, &quota, &period) != 0 ||
			    (env->cpu_quota >= 0 &&
			     quota / period >= env->cpu_quota))
				continue;
			env->cpu_quota = quota / period;
			snprintf(env->cpu_quota_cgroup,
				 sizeof(env->cpu_quota_cgroup), "%.150s",
				 cg[0] ? cg : "/");
		}
	} while (cgroup_parent(cg) == 0);
}

static void warn(struct environment *env, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warn(struct environment *env, const char *fmt, ...)
{
	va_list ap;
	char *dst;
	if (env->nwarnings >= ENV_WARNINGS_MAX)
		return;
	dst = env->warnings[env->nwarnings++];
	va_start(ap, fmt);
	/* clang-analyzer-valist misses the va_start just above (err.c) */
	vsnprintf(dst, ENV_WARNING_LEN, fmt, ap); // NOLINT
	va_end(ap);
}

/* The command that turns boost off through the knob that reported it. */
static const char *boost_off_hint(const struct environment *env)
{
	if (strstr(env->boost_control, "no_turbo"))
		return "echo 1 | sudo tee " CPU_SYSFS "/intel_pstate/no_turbo";
	if (!strcmp(env->boost_control, CPU_SYSFS "/cpufreq/boost"))
		return "echo 0 | sudo tee " CPU_SYSFS "/cpufreq/boost";
	return "echo 0 | sudo tee " CPU_SYSFS "/cpufreq/policy*/boost";
}

static void warn_frequency(struct environment *env)
{
	/* Any governor but performance lowers the clock while a CPU idles
	 * and raises it with load: short samples and hand-offs between idle
	 * threads run at whatever clock the last idle left. */
	if (known(env->governor) && strcmp(env->governor, "performance") != 0)
		warn(env,
		     "CPU frequency governor is %s, not performance: the "
		     "clock follows the load (sudo cpupower frequency-set -g "
		     "performance)",
		     env->governor);
	/* Boost clocks depend on temperature and on how many cores are
	 * busy, so the same case runs at different speeds from run to run. */
	if (!strcmp(env->boost, "on"))
		warn(env,
		     "turbo boost is on: the clock varies with temperature and "
		     "busy cores, and figures with it (%s)",
		     boost_off_hint(env));
}

static void warn_process(struct environment *env)
{
	/* Only where it applies to this run (not under setarch -R): layout
	 * decides which cache sets and pages data share. */
	if (env->aslr_this_process == 1)
		warn(env,
		     "ASLR is on: memory layout varies from run to run, a "
		     "source of run-to-run spread (setarch -R contend ... runs "
		     "without it)");
	/* Above 1, a process without privilege gets no kernel and (at 3,
	 * Debian's default) no events at all: the counters read n/a. */
	if (!env->root && env->perf_event_paranoid != ENV_PARANOID_UNKNOWN &&
	    env->perf_event_paranoid > 1)
		warn(env,
		     "kernel.perf_event_paranoid is %d: counters are limited "
		     "or n/a for a non-root user (sudo sysctl "
		     "kernel.perf_event_paranoid=1)",
		     env->perf_event_paranoid);
}

/* The best name the readings give the hypervisor. */
static const char *virt_name(const struct environment *env)
{
	if (known(env->hypervisor) && strcmp(env->hypervisor, "none") != 0)
		return env->hypervisor;
	if (known(env->sys_hypervisor))
		return env->sys_hypervisor;
	return known(env->dmi_product) ? env->dmi_product : env->dmi_vendor;
}

static void warn_machine(struct environment *env)
{
	/* A hypervisor schedules vCPUs on host CPUs it may move and share:
	 * two separate runs can meet different hosts' states. */
	if (env->virtualised == 1)
		warn(env,
		     "running in a virtual machine (%s): vCPUs may move "
		     "between host CPUs and share them with other guests "
		     "(prefer contend ab for A/B verdicts)",
		     virt_name(env));
	/* "always" gives huge pages to whatever the kernel can find them for
	 * at the time, so TLB misses differ between runs. */
	if (!strcmp(env->thp_enabled, "always"))
		warn(env,
		     "transparent huge pages are always on: whether a "
		     "buffer gets one varies from run to run (echo madvise "
		     "| sudo tee /sys/kernel/mm/transparent_hugepage/"
		     "enabled)");
}

static void warn_quota(struct environment *env)
{
	/* Throttled threads wait in the run queue: each sample the quota
	 * cuts into reads as disturbed, and is redone or marked. */
	if (env->cpu_quota >= 0 && env->cpus_allowed > 0 &&
	    env->cpu_quota < env->cpus_allowed)
		warn(env,
		     "a CPU quota of %.2f CPUs (cgroup %s) on %d CPUs: the "
		     "kernel throttles the threads once it is spent, and "
		     "those samples read as disturbed (run outside that "
		     "cgroup, or raise its quota)",
		     env->cpu_quota, env->cpu_quota_cgroup, env->cpus_allowed);
}

static void warn_load(struct environment *env)
{
	char psi[48] = "";
	int others = env->running > 0 ? env->running - 1 : 0;
	/* Half a runnable task per CPU on average over the last minute, or
	 * some task waiting for a CPU over 5% of the last 10 s: the
	 * benchmark's threads will share their CPUs. */
	int busy = (env->cpus_allowed > 0 &&
		    env->load1 > 0.5 * env->cpus_allowed) ||
		   env->psi_cpu_some_avg10 > 5.0;
	if (!busy)
		return;
	if (env->psi_cpu_some_avg10 >= 0)
		snprintf(psi, sizeof(psi), ", CPU pressure %.1f%%",
			 env->psi_cpu_some_avg10);
	warn(env,
	     "the machine is busy: %d task%s running besides this one, load "
	     "%.2f on %d CPUs%s; results will be disturbed (wait, or stop "
	     "them: top)",
	     others, others == 1 ? "" : "s", env->load1, env->cpus_allowed,
	     psi);
}

void environment_read(struct environment *env, const char *cpuid_hypervisor)
{
	memset(env, 0, sizeof(*env));
	/* what read_cpufreq leaves where the affinity mask is unreadable */
	SET_UNKNOWN(env->governor);
	SET_UNKNOWN(env->cpufreq_driver);
	SET_UNKNOWN(env->boost);
	SET_UNKNOWN(env->boost_control);
	SET_UNKNOWN(env->amd_pstate);
	env->cpus_allowed = env->running = -1;
	env->load1 = env->load5 = env->load15 = -1;
	env->psi_cpu_some_avg10 = -1;
	env->cpu_quota = -1;
	read_cpufreq(env);
	read_smt(env);
	read_aslr(env);
	env->perf_event_paranoid = read_int(
		"/proc/sys/kernel/perf_event_paranoid", ENV_PARANOID_UNKNOWN);
	env->root = geteuid() == 0;
	read_virt(env, cpuid_hypervisor);
	read_bracketed("/sys/kernel/mm/transparent_hugepage/enabled",
		       env->thp_enabled, sizeof(env->thp_enabled));
	read_bracketed("/sys/kernel/mm/transparent_hugepage/defrag",
		       env->thp_defrag, sizeof(env->thp_defrag));
	read_load(env);
	read_cpu_quota(env);
	warn_frequency(env);
	warn_process(env);
	warn_machine(env);
	warn_load(env);
	warn_quota(env);
}

static json_t *str_json(const char *s)
{
	return known(s) ? json_string(s) : json_null();
}

static json_t *int_json(int v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

static json_t *bool_json(int v)
{
	return v >= 0 ? json_boolean(v) : json_null();
}

static json_t *real_json(double v)
{
	return v >= 0 ? json_real(v) : json_null();
}

static json_t *warnings_json(const struct environment *env)
{
	json_t *a = json_array();
	for (int i = 0; i < env->nwarnings; i++)
		json_array_append_new(a, json_string(env->warnings[i]));
	return a;
}

json_t *environment_to_json(const struct environment *env)
{
	json_t *smt =
		json_pack("{s:o, s:o}", "control", str_json(env->smt_control),
			  "active", bool_json(env->smt_active));
	json_t *virt = json_pack("{s:o, s:o, s:o, s:o, s:o}", "virtualised",
				 bool_json(env->virtualised), "hypervisor",
				 str_json(env->hypervisor), "sys_hypervisor",
				 str_json(env->sys_hypervisor), "dmi_vendor",
				 str_json(env->dmi_vendor), "dmi_product",
				 str_json(env->dmi_product));
	json_t *thp =
		json_pack("{s:o, s:o}", "enabled", str_json(env->thp_enabled),
			  "defrag", str_json(env->thp_defrag));
	json_t *load = json_pack(
		"{s:o, s:o, s:o, s:o, s:o, s:o}", "avg1", real_json(env->load1),
		"avg5", real_json(env->load5), "avg15", real_json(env->load15),
		"running", int_json(env->running), "cpus_allowed",
		int_json(env->cpus_allowed), "psi_cpu_some_avg10",
		real_json(env->psi_cpu_some_avg10));
	json_object_set_new(load, "cpu_quota", real_json(env->cpu_quota));
	json_object_set_new(load, "cpu_quota_cgroup",
			    env->cpu_quota >= 0
				    ? json_string(env->cpu_quota_cgroup)
				    : json_null());
	json_t *paranoid = env->perf_event_paranoid == ENV_PARANOID_UNKNOWN
				   ? json_null()
				   : json_integer(env->perf_event_paranoid);
	return json_pack(
		"{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:o, "
		"s:o, s:o}",
		"governor", str_json(env->governor), "cpufreq_driver",
		str_json(env->cpufreq_driver), "boost", str_json(env->boost),
		"boost_control", str_json(env->boost_control), "amd_pstate",
		str_json(env->amd_pstate), "smt", smt, "aslr",
		int_json(env->aslr), "aslr_this_process",
		bool_json(env->aslr_this_process), "perf_event_paranoid",
		paranoid, "root", env->root, "virtualisation", virt, "thp", thp,
		"load", load, "warnings", warnings_json(env));
}

void environment_print_warnings(FILE *f, const struct environment *env)
{
	for (int i = 0; i < env->nwarnings; i++)
		fprintf(f, "contend: warning: %s\n", env->warnings[i]);
}

static const char *or_na(const char *s)
{
	return known(s) ? s : "n/a";
}

static const char *yes_no(int v)
{
	return v < 0 ? "n/a" : v ? "yes" : "no";
}

void environment_print(FILE *f, const struct environment *env)
{
	fprintf(f, "governor:     %s (driver %s)\n", or_na(env->governor),
		or_na(env->cpufreq_driver));
	fprintf(f, "boost:        %s\n", or_na(env->boost));
	fprintf(f, "smt control:  %s, active %s\n", or_na(env->smt_control),
		yes_no(env->smt_active));
	if (env->aslr < 0)
		fprintf(f, "aslr:         n/a\n");
	else
		fprintf(f,
			"aslr:         randomize_va_space %d, this process "
			"%s\n",
			env->aslr, yes_no(env->aslr_this_process));
	if (env->perf_event_paranoid == ENV_PARANOID_UNKNOWN)
		fprintf(f, "perf_event:   n/a\n");
	else
		fprintf(f, "perf_event:   paranoid %d%s\n",
			env->perf_event_paranoid,
			env->root ? " (root: not applied)" : "");
	fprintf(f,
		"virtualised:  %s (cpuid %s, /sys/hypervisor %s, dmi %s / "
		"%s)\n",
		yes_no(env->virtualised), or_na(env->hypervisor),
		or_na(env->sys_hypervisor), or_na(env->dmi_vendor),
		or_na(env->dmi_product));
	fprintf(f, "huge pages:   %s, defrag %s\n", or_na(env->thp_enabled),
		or_na(env->thp_defrag));
	if (env->load1 < 0)
		fprintf(f, "load:         n/a, %d CPUs allowed",
			env->cpus_allowed);
	else
		fprintf(f,
			"load:         %.2f %.2f %.2f, %d running, %d CPUs "
			"allowed",
			env->load1, env->load5, env->load15, env->running,
			env->cpus_allowed);
	if (env->psi_cpu_some_avg10 >= 0)
		fprintf(f, ", CPU pressure %.2f%%", env->psi_cpu_some_avg10);
	fprintf(f, "\n");
	for (int i = 0; i < env->nwarnings; i++)
		fprintf(f, "warning:      %s\n", env->warnings[i]);
}
