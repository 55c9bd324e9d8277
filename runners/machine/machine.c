#include "machine.h"

#include <ctype.h>
#include <gnu/libc-version.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "spin.h"
#include "uarch.h"

#ifdef CONTEND_HAVE_LIBCPUID
#include <libcpuid.h>

static const char *hypervisor_name(hypervisor_vendor_t h)
{
	static const char *const names[] = {
		[HYPERVISOR_NONE] = "",
		[HYPERVISOR_BHYVE] = "bhyve",
		[HYPERVISOR_HYPERV] = "hyper-v",
		[HYPERVISOR_KVM] = "kvm",
		[HYPERVISOR_PARALLELS] = "parallels",
		[HYPERVISOR_QEMU] = "qemu",
		[HYPERVISOR_VIRTUALBOX] = "virtualbox",
		[HYPERVISOR_VMWARE] = "vmware",
		[HYPERVISOR_XEN] = "xen",
	};
	if ((int)h >= 0 && h < NUM_HYPERVISOR_VENDORS)
		return names[h];
	return "unknown";
}

static const cpu_feature_t interesting_flags[] = {
	CPU_FEATURE_SSE4_2,  CPU_FEATURE_AVX,	     CPU_FEATURE_AVX2,
	CPU_FEATURE_AVX512F, CPU_FEATURE_HT,	     CPU_FEATURE_CONSTANT_TSC,
	CPU_FEATURE_RDTSCP,  CPU_FEATURE_HYPERVISOR, CPU_FEATURE_CX16,
	CPU_FEATURE_RDRAND,
};

static void read_cpuid(struct machine *m)
{
	struct cpu_raw_data_t raw;
	struct cpu_id_t id;
	size_t used = 0;
	if (!cpuid_present() || cpuid_get_raw_data(&raw) != 0 ||
	    cpu_identify(&raw, &id) != 0)
		return;
	snprintf(m->cpu.identified_by, sizeof(m->cpu.identified_by),
		 "libcpuid %s", cpuid_lib_version());
	snprintf(m->cpu.vendor, sizeof(m->cpu.vendor), "%s", id.vendor_str);
	snprintf(m->cpu.brand, sizeof(m->cpu.brand), "%s", id.brand_str);
	for (size_t n = strlen(m->cpu.brand); n && m->cpu.brand[n - 1] == ' ';)
		m->cpu.brand[--n] = '\0';
	snprintf(m->cpu.codename, sizeof(m->cpu.codename), "%s",
		 id.cpu_codename);
	m->cpu.family = id.ext_family;
	m->cpu.model = id.ext_model;
	m->cpu.stepping = id.stepping;
	m->cpu.cores = id.num_cores;
	m->cpu.logical = id.num_logical_cpus;
	m->cpu.l1d_kb = id.l1_data_cache;
	m->cpu.l2_kb = id.l2_cache;
	m->cpu.l3_kb = id.l3_cache;
	m->cpu.cacheline = id.l1_data_cacheline;
	m->cpu.invariant_tsc = id.flags[CPU_FEATURE_CONSTANT_TSC] != 0;
	snprintf(m->cpu.hypervisor, sizeof(m->cpu.hypervisor), "%s",
		 id.flags[CPU_FEATURE_HYPERVISOR]
			 ? hypervisor_name(cpuid_get_hypervisor(&raw, &id))
			 : "");
	if (id.flags[CPU_FEATURE_HYPERVISOR] && !m->cpu.hypervisor[0])
		snprintf(m->cpu.hypervisor, sizeof(m->cpu.hypervisor),
			 "unknown");
	for (size_t i = 0;
	     i < sizeof(interesting_flags) / sizeof(interesting_flags[0]); i++)
		if (id.flags[interesting_flags[i]])
			used += (size_t)snprintf(
				m->cpu.flags + used,
				used < sizeof(m->cpu.flags)
					? sizeof(m->cpu.flags) - used
					: 0,
				"%s%s", used ? " " : "",
				cpu_feature_str(interesting_flags[i]));
}
#else
/* libcpuid is x86 only: elsewhere /proc/cpuinfo and hwloc say it all */
static void read_cpuid(struct machine *m)
{
	(void)m;
}
#endif

/* Arm's "CPU implementer" codes (the Arm ARM's MIDR_EL1 list). */
static const char *arm_implementer(unsigned long code)
{
	switch (code) {
	case 0x41:
		return "ARM";
	case 0x42:
		return "Broadcom";
	case 0x48:
		return "HiSilicon";
	case 0x4e:
		return "NVIDIA";
	case 0x51:
		return "Qualcomm";
	case 0x61:
		return "Apple";
	case 0xc0:
		return "Ampere";
	default:
		return "";
	}
}

/* /proc/cpuinfo fallback for what libcpuid does not know (non-x86). */
static void read_proc_cpuinfo(struct machine *m)
{
	char line[512], impl[16] = "", part[16] = "";
	FILE *f;
	if (m->cpu.brand[0] || !(f = fopen("/proc/cpuinfo", "r")))
		return;
	snprintf(m->cpu.identified_by, sizeof(m->cpu.identified_by),
		 "/proc/cpuinfo");
	while (fgets(line, sizeof(line), f)) {
		char *v = strchr(line, ':');
		if (!v)
			continue;
		v += 2;
		v[strcspn(v, "\n")] = '\0';
		if (!strncmp(line, "model name", 10) && !m->cpu.brand[0])
			snprintf(m->cpu.brand, sizeof(m->cpu.brand), "%s", v);
		else if (!strncmp(line, "vendor_id", 9) && !m->cpu.vendor[0])
			snprintf(m->cpu.vendor, sizeof(m->cpu.vendor), "%s", v);
		else if (!strncmp(line, "CPU implementer", 15) && !*impl)
			snprintf(impl, sizeof(impl), "%s", v);
		else if (!strncmp(line, "CPU part", 8) && !*part)
			snprintf(part, sizeof(part), "%s", v);
	}
	fclose(f);
	/* AArch64 names no model: the implementer and part codes do */
	if (!m->cpu.brand[0] && *impl) {
		const char *name = arm_implementer(strtoul(impl, NULL, 0));
		snprintf(m->cpu.vendor, sizeof(m->cpu.vendor), "%s",
			 *name ? name : impl);
		snprintf(m->cpu.brand, sizeof(m->cpu.brand), "%s part %s",
			 m->cpu.vendor, *part ? part : "?");
	}
}

#if defined(__x86_64__) || defined(__i386__)
static uint64_t rdtsc(void)
{
	return __builtin_ia32_rdtsc();
}

/* TSC ticks over 20 ms of CLOCK_MONOTONIC: good to about 0.01%. */
static double measure_tsc_hz(void)
{
	struct timespec d = {0, 20000000};
	double t0 = clock_mono_s();
	uint64_t c0 = rdtsc();
	nanosleep(&d, NULL);
	uint64_t c1 = rdtsc();
	double t1 = clock_mono_s();
	return (double)(c1 - c0) / (t1 - t0);
}
#else
static double measure_tsc_hz(void)
{
	return 0;
}
#endif

/* FNV-1a: stable across runs and builds, no dependency for 64 bits. */
static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (h ^ 0xff) * 1099511628211ull;
}

/* The id names what the machine is, not what it is called: CPU identity
 * and the whole machine's topology (not the CPUs a cgroup or taskset allows
 * this run), so results from the same machine (or identical ones) group
 * together across hostnames, kernels, reboots and CPU restrictions. */
static void make_id(struct machine *m)
{
	char buf[512], slug[40];
	size_t n = 0;
	uint64_t h = 14695981039346656037ull;
	snprintf(buf, sizeof(buf), "%s|%s|%d|%d|%d|%d|%d|%d|%d|%d|%d|%d|%d",
		 m->cpu.vendor, m->cpu.brand, m->cpu.family, m->cpu.model,
		 m->cpu.stepping, m->topo_full.packages,
		 m->topo_full.numa_nodes, m->topo_full.l3_domains,
		 m->topo_full.cores, m->topo_full.pus, m->cpu.l1d_kb,
		 m->cpu.l2_kb, m->cpu.l3_kb);
	h = fnv1a(h, buf);
	for (const char *s = m->cpu.brand[0] ? m->cpu.brand : "cpu";
	     *s && n < sizeof(slug) - 1; s++) {
		char c = (char)tolower((unsigned char)*s);
		if (isalnum((unsigned char)c))
			slug[n++] = c;
		else if (n && slug[n - 1] != '-')
			slug[n++] = '-';
	}
	while (n && slug[n - 1] == '-')
		n--;
	slug[n] = '\0';
	snprintf(m->id, sizeof(m->id), "%s%s-%dc-%08x",
		 m->emulated ? "emulated-" : "", slug, m->topo_full.pus,
		 (unsigned)(h ^ (h >> 32)));
}

/* hwloc with disallowed CPUs included and no binding restriction. */
static void read_full_topology(struct machine *m)
{
	struct topo full;
	if (hwloc_topology_init(&full.t) != 0)
		return;
	full.is_this_machine = 1;
	hwloc_topology_set_flags(full.t,
				 HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED);
	if (hwloc_topology_load(full.t) == 0)
		topo_summarize(&full, &m->topo_full);
	hwloc_topology_destroy(full.t);
}

void machine_read(struct machine *m, const struct topo *tp)
{
	struct utsname u;
	memset(m, 0, sizeof(*m));
	gethostname(m->hostname, sizeof(m->hostname) - 1);
	read_cpuid(m);
	read_proc_cpuinfo(m);
	snprintf(m->cpu.uarch, sizeof(m->cpu.uarch), "%s",
		 uarch_name(m->cpu.vendor, m->cpu.family, m->cpu.model));
	m->cpu.tsc_hz = measure_tsc_hz();
	/* kept since main measured it (spin_measure_all): every case's child
	 * inherits this value, so the record names the one they spin with */
	m->cpu.pause_ns = spin_pause_ps() / 1000.0;
	topo_summarize(tp, &m->topo);
	read_full_topology(m);
	if (uname(&u) == 0)
		snprintf(m->kernel, sizeof(m->kernel), "%.32s %.64s %.24s",
			 u.sysname, u.release, u.machine);
	snprintf(m->libc, sizeof(m->libc), "glibc %s", gnu_get_libc_version());
	snprintf(m->compiler, sizeof(m->compiler), "%s", CONTEND_COMPILER);
	snprintf(m->cflags, sizeof(m->cflags), "%s", CONTEND_CFLAGS);
	/* CPUID's hypervisor only where libcpuid read it: otherwise unknown */
	environment_read(&m->env, strncmp(m->cpu.identified_by, "libcpuid", 8)
					  ? NULL
					  : m->cpu.hypervisor);
	/* libcpuid's "qemu" is the CPUID signature TCGTCGTCGTCG, which only
	 * QEMU's emulator gives (under KVM QEMU says KVMKVMKVM) */
	m->emulated = !strcmp(m->cpu.hypervisor, "qemu");
	make_id(m);
}

static json_t *str_or_null(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

/* The environment's "unknown" as the null the schema always had. */
static json_t *known_or_null(const char *s)
{
	return strcmp(s, ENV_UNKNOWN_STR) ? json_string(s) : json_null();
}

static json_t *flags_json(const struct machine *m)
{
	json_t *a = json_array();
	char buf[sizeof(m->cpu.flags)], *save = NULL;
	snprintf(buf, sizeof(buf), "%s", m->cpu.flags);
	for (char *t = strtok_r(buf, " ", &save); t;
	     t = strtok_r(NULL, " ", &save))
		json_array_append_new(a, json_string(t));
	return a;
}

static json_t *cpu_json(const struct machine *m)
{
	json_t *caches = json_pack(
		"{s:i, s:i, s:i, s:i}", "l1d_kb", m->cpu.l1d_kb, "l2_kb",
		m->cpu.l2_kb, "l3_kb", m->cpu.l3_kb, "line", m->cpu.cacheline);
	return json_pack(
		"{s:o, s:o, s:i, s:i, s:i, s:o, s:o, s:i, s:i, s:o, s:o, s:o, "
		"s:o, s:b, s:f, s:o}",
		"vendor", str_or_null(m->cpu.vendor), "brand",
		str_or_null(m->cpu.brand), "family", m->cpu.family, "model",
		m->cpu.model, "stepping", m->cpu.stepping, "codename",
		str_or_null(m->cpu.codename), "uarch",
		str_or_null(m->cpu.uarch), "cores", m->cpu.cores, "logical",
		m->cpu.logical, "caches", caches, "flags", flags_json(m),
		"hypervisor", str_or_null(m->cpu.hypervisor), "tsc_hz",
		m->cpu.tsc_hz > 0 ? json_real(m->cpu.tsc_hz) : json_null(),
		"invariant_tsc", m->cpu.invariant_tsc, "pause_ns",
		m->cpu.pause_ns, "identified_by",
		str_or_null(m->cpu.identified_by));
}

json_t *machine_to_json(const struct machine *m)
{
	json_t *topo =
		json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "packages",
			  m->topo.packages, "numa_nodes", m->topo.numa_nodes,
			  "l3_domains", m->topo.l3_domains, "l2_domains",
			  m->topo.l2_domains, "cores", m->topo.cores, "pus",
			  m->topo.pus, "smt", m->topo.smt);
	json_t *os =
		json_pack("{s:s, s:s}", "kernel", m->kernel, "libc", m->libc);
	/* governor and boost stay at the top, where the scripts read them */
	return json_pack(
		"{s:s, s:s, s:b, s:o, s:o, s:i, s:o, s:s, s:s, s:o, s:o, s:o}",
		"id", m->id, "hostname", m->hostname, "emulated", m->emulated,
		"cpu", cpu_json(m), "topology", topo, "machine_pus",
		m->topo_full.pus, "os", os, "compiler", m->compiler, "cflags",
		m->cflags, "governor", known_or_null(m->env.governor), "boost",
		known_or_null(m->env.boost), "environment",
		environment_to_json(&m->env));
}

static const char *or_na(const char *s)
{
	return s[0] ? s : "n/a";
}

void machine_print(const struct machine *m)
{
	printf("id:           %s\n", m->id);
	printf("hostname:     %s\n", m->hostname);
	printf("cpu:          %s (%s)\n", or_na(m->cpu.brand),
	       or_na(m->cpu.vendor));
	printf("codename:     %s (libcpuid's name)\n", or_na(m->cpu.codename));
	printf("uarch:        %s (from vendor, family and model)\n",
	       m->cpu.uarch[0] ? m->cpu.uarch : "not in this suite's table");
	printf("family/model: %d/%d stepping %d\n", m->cpu.family, m->cpu.model,
	       m->cpu.stepping);
	printf("cores:        %d cores, %d logical (per package, cpuid)\n",
	       m->cpu.cores, m->cpu.logical);
	printf("caches:       L1d %d KiB, L2 %d KiB, L3 %d KiB, line %d B\n",
	       m->cpu.l1d_kb, m->cpu.l2_kb, m->cpu.l3_kb, m->cpu.cacheline);
	printf("flags:        %s\n", or_na(m->cpu.flags));
	printf("hypervisor:   %s\n",
	       m->cpu.hypervisor[0] ? m->cpu.hypervisor : "none");
	printf("emulated:     %s\n",
	       m->emulated ? "yes (QEMU TCG: timings are the emulator's)"
			   : "no");
	if (m->cpu.tsc_hz > 0)
		printf("tsc:          %.3f GHz, %s\n", m->cpu.tsc_hz / 1e9,
		       m->cpu.invariant_tsc ? "invariant" : "not invariant");
	else
		printf("tsc:          n/a\n");
	printf("pause:        %.1f ns (spin budgets are in ns: this turns "
	       "them into pauses)\n",
	       m->cpu.pause_ns);
	printf("topology:     %d packages, %d NUMA nodes, %d L3, %d L2, "
	       "%d cores, %d PUs, SMT %d\n",
	       m->topo.packages, m->topo.numa_nodes, m->topo.l3_domains,
	       m->topo.l2_domains, m->topo.cores, m->topo.pus, m->topo.smt);
	printf("kernel:       %s\n", m->kernel);
	printf("libc:         %s\n", m->libc);
	printf("compiler:     %s\n", m->compiler);
	printf("cflags:       %s\n", m->cflags);
	printf("identified:   %s\n", or_na(m->cpu.identified_by));
	environment_print(stdout, &m->env);
}

void machine_print_warnings(FILE *f, const struct machine *m)
{
	if (m->emulated)
		fprintf(f, "contend: warning: the CPU is emulated (QEMU TCG): "
			   "timings are the emulator's, comparable with no "
			   "machine's (compare and regress leave them out)\n");
	environment_print_warnings(f, &m->env);
}
