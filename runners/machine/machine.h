/* The machine fingerprint: what a result was measured on. */
#ifndef CONTEND_MACHINE_H
#define CONTEND_MACHINE_H

#include <jansson.h>
#include <stdio.h>

#include "preflight.h"
#include "topology.h"

struct machine {
	char id[128];
	char hostname[128];
	struct {
		char vendor[32], brand[96], codename[96];
		char uarch[48]; /* uarch.h: "" when unknown */
		int family, model, stepping;
		int cores, logical;
		int l1d_kb, l2_kb, l3_kb, cacheline;
		char flags[512];     /* the flags that matter to this suite */
		char hypervisor[32]; /* "" when none */
		double tsc_hz;	     /* 0 when not measurable */
		double pause_ns;     /* spin_pause_ps: what spin budgets use */
		int invariant_tsc;
		char identified_by[32]; /* "libcpuid" or "/proc/cpuinfo" */
	} cpu;
	/* The CPU is emulated (QEMU's TCG): its timings are the emulator's,
	 * comparable with no machine's; the id says so. */
	int emulated;
	struct topo_summary topo;      /* the CPUs this run may use */
	struct topo_summary topo_full; /* the whole machine: names the id */
	char kernel[128], libc[64], compiler[128], cflags[256];
	struct environment env; /* the pre-flight check (preflight.h) */
};

/* The build's type and compiler flags (meson.build), and the compiler this
 * binary was built with, as string literals. */
#ifndef CONTEND_CFLAGS
#define CONTEND_CFLAGS "unknown"
#endif
#ifdef __clang__
#define CONTEND_COMPILER "clang " __VERSION__
#else
#define CONTEND_COMPILER "gcc " __VERSION__
#endif

/* Reads everything it can; fields it cannot read stay empty or zero (in
 * env: "unknown" or -1, see preflight.h). */
void machine_read(struct machine *m, const struct topo *tp);
json_t *machine_to_json(const struct machine *m);
void machine_print(const struct machine *m);
/* The pre-flight warnings, one "contend: warning: ..." line each. */
void machine_print_warnings(FILE *f, const struct machine *m);

#endif
