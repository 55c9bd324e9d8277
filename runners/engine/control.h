/* Control probes: a fixed reference workload and the cache-line round
 * trip, timed at the start of a run, between cases every CONTROL_EVERY_S
 * and at the end, so that the results file samples the machine's state
 * over time (run.controls). scripts/regress sets two files' probes side by
 * side: when they moved, the machine changed between the runs, whatever
 * the cases say. */
#ifndef CONTEND_CONTROL_H
#define CONTEND_CONTROL_H

#include <jansson.h>
#include <stddef.h>

#define CONTROL_SAMPLES 5
#define CONTROL_EVERY_S 10.0

struct control_probe {
	double t_s;	 /* since the run started */
	long after_case; /* index of the case before it; -1 at the start */
	int cpu;	 /* where the reference loop ran; -1 unbound */
	double ref_ns;	 /* median ns per step of the reference loop */
	double ref_samples[CONTROL_SAMPLES];
	double c2c_ns; /* round trip between the first two CPUs; 0 none */
};

/* Times the probe on the first two CPUs this process may use. */
void control_probe_take(struct control_probe *p, double t_s, long after_case);
json_t *control_probe_json(const struct control_probe *p);

#endif
