/* The reference loop is a dependent chain of integer multiply-adds and
 * xorshifts: it needs no memory beyond registers and no other thread, so
 * its ns per step moves only with the core's clock and with whoever shares
 * the core (an SMT sibling, the hypervisor). Its step count is fixed, not
 * calibrated: the same work in every run and on every build. */
#include "control.h"

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "measure.h"
#include "stats.h"

#define REF_STEPS (1u << 20) /* about 1-3 ms per sample */

/* The chain's result leaves through this volatile store, so the compiler
 * must compute every step. */
static volatile uint64_t ref_sink;

static double ref_sample(uint64_t seed)
{
	uint64_t x = seed | 1, t0 = clock_mono_ns();
	for (uint32_t i = 0; i < REF_STEPS; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		x ^= x >> 29;
	}
	ref_sink = x;
	return (double)(clock_mono_ns() - t0) / REF_STEPS;
}

struct ref_arg {
	int cpu;
	double samples[CONTROL_SAMPLES];
};

static void *ref_thread(void *arg)
{
	struct ref_arg *a = arg;
	cpu_set_t set;
	CPU_ZERO(&set);
	if (a->cpu >= 0) {
		CPU_SET(a->cpu, &set);
		if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
			a->cpu = -1;
	}
	ref_sample(0); /* warm: the first pass pays for page and clock */
	for (int i = 0; i < CONTROL_SAMPLES; i++)
		a->samples[i] = ref_sample((uint64_t)i);
	return NULL;
}

static int first_cpus(int *cpus, int max)
{
	cpu_set_t set;
	int n = 0;
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 0;
	for (int c = 0; c < CPU_SETSIZE && n < max; c++)
		if (CPU_ISSET(c, &set))
			cpus[n++] = c;
	return n;
}

void control_probe_take(struct control_probe *p, double t_s, long after_case)
{
	int cpus[2] = {-1, -1}, n = first_cpus(cpus, 2);
	struct ref_arg a = {.cpu = cpus[0]};
	pthread_t th;
	struct summary s;
	memset(p, 0, sizeof(*p));
	p->t_s = t_s;
	p->after_case = after_case;
	if (pthread_create(&th, NULL, ref_thread, &a) != 0)
		return;
	pthread_join(th, NULL);
	p->cpu = a.cpu;
	memcpy(p->ref_samples, a.samples, sizeof(a.samples));
	stats_summarize(a.samples, CONTROL_SAMPLES, &s);
	p->ref_ns = s.median;
	if (n == 2)
		p->c2c_ns = measure_c2c_floor(cpus);
}

json_t *control_probe_json(const struct control_probe *p)
{
	json_t *samples = json_array();
	for (int i = 0; i < CONTROL_SAMPLES; i++)
		json_array_append_new(samples, json_real(p->ref_samples[i]));
	return json_pack("{s:f, s:I, s:o, s:f, s:o, s:o}", "t_s", p->t_s,
			 "after_case", (json_int_t)p->after_case, "cpu",
			 p->cpu < 0 ? json_null() : json_integer(p->cpu),
			 "ref_ns", p->ref_ns, "ref_samples", samples, "c2c_ns",
			 p->c2c_ns > 0 ? json_real(p->c2c_ns) : json_null());
}
