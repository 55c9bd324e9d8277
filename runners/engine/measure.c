/* The measurement engine.
 *
 * Threads: one worker per benchmark thread, bound (and the binding read back)
 * before thread_init so first-touch memory lands on its node. Between samples
 * workers sleep on a futex (go); the coordinator sets the iteration count,
 * bumps go and sleeps on another futex (done) until every worker finished.
 * A sample's start is a spin barrier among the workers, so they begin within
 * a cache-line transfer of each other rather than a futex wake-up apart.
 * Per sample: ns/op = (latest end - earliest start) / ops summed over threads.
 * Counters and allocation counting run on each worker around its timed part.
 * A case whose first two threads are bound to two CPUs also times, after
 * each sample and outside it, FLOOR_ROUNDS cache-line round trips between
 * those two threads (c2c.h): the machine's state at that moment (in a VM
 * the host may move the vCPUs nearer or farther mid-run), which tells when
 * a C row and its Go row ran in two states (record.c). For a hand-off pair
 * (BENCH_HANDOFF, two threads) it is also the floor its C / c2c ratio is
 * taken against, sample by sample.
 */
#include "cacheline.h"
#include "measure.h"

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "c2c.h"
#include "clock.h"
#include "futex.h"
#include "spin.h"
#include "interference.h"

#define MAX_ITERS    1000000000ull
#define FLOOR_WARM   100  /* untimed: both threads are in the loop */
#define FLOOR_ROUNDS 2000 /* 0.1-1 ms, against samples of 5 ms and more */

struct worker;

struct case_run {
	const struct bench *b;
	const struct measure_params *mp;
	void *shared;
	int nthreads;
	uint64_t iters;
	int quit;
	int floor; /* two threads on two CPUs: time the c2c floor per sample */
	int timed; /* this sample runs for timed_ns, iters a chunk */
	uint64_t timed_ns;
	int started;	 /* worker threads running */
	double slowdown; /* selftest_slowdown: 0.05 spins 5% more per sample */
	void *heap_pad;	 /* layout_jitter */
	size_t stack_pad;
	int setup_failed;
	double floor_ns; /* the last sample's floor, by worker 0 */
	_Alignas(CACHE_LINE) _Atomic uint64_t floor_line;
	_Alignas(CACHE_LINE) _Atomic uint32_t go;
	_Alignas(CACHE_LINE) _Atomic uint32_t arrived;
	_Alignas(CACHE_LINE) _Atomic uint32_t done;
	struct worker *w;
};

struct worker {
	_Alignas(CACHE_LINE) struct case_run *cr;
	pthread_t th;
	int cpu; /* planned, -1 unbound */
	/* its schedstat just before the start barrier and after its timed
	 * part: run, wait, time (interference.h) */
	uint64_t s0[3], s1[3];
	int sched_ok;
	int bound; /* read back */
	struct bench_thread bt;
	struct counter_thread ct;
	uint64_t t0, t1, ops;
	uint64_t floor_seq; /* this thread's place in the floor's round trips */
	struct alloc_counts alloc;
	double ctr[CTR_COUNT];
	int failed;
	char msg[256];
};

static const char *const phase_names[] = {
	"setup",  "thread start", "calibrate", "warmup",
	"sample", "teardown",	  "done",
};

void case_phase_describe(const struct case_progress *p, int repeat, char *buf,
			 size_t len)
{
	int ph = atomic_load(&p->phase);
	if (ph == PHASE_SAMPLE)
		snprintf(buf, len, "sample %d of %d", atomic_load(&p->sample),
			 repeat);
	else if (ph >= 0 && ph <= PHASE_DONE)
		snprintf(buf, len, "%s", phase_names[ph]);
	else
		snprintf(buf, len, "unknown phase");
}

static void set_phase(const struct measure_params *mp, int phase, int sample)
{
	if (!mp->progress)
		return;
	atomic_store(&mp->progress->sample, sample);
	atomic_store(&mp->progress->phase, phase);
}

/* Waits until *word != old: a short spin, then the futex. */
static uint32_t wait_change(_Atomic uint32_t *word, uint32_t old)
{
	uint32_t v;
	for (int i = 0; i < 1000; i++) {
		/* acquire: pairs with the release that changed the word, so
		 * what was written before it (iters, results) is visible */
		v = atomic_load_explicit(word, memory_order_acquire);
		if (v != old)
			return v;
		spin_pause();
	}
	while ((v = atomic_load_explicit(word, memory_order_acquire)) == old)
		futex_wait(word, old, NULL);
	return v;
}

static void spin_barrier(_Atomic uint32_t *arrived, uint32_t target)
{
	unsigned spins = 0;
	atomic_fetch_add_explicit(arrived, 1, memory_order_acq_rel);
	while (atomic_load_explicit(arrived, memory_order_acquire) < target) {
		spin_pause();
		if (++spins % 256 == 0)
			sched_yield(); /* oversubscribed or unbound threads */
	}
}

static void report_done(struct case_run *cr)
{
	/* release: publishes this worker's results to the coordinator */
	if (atomic_fetch_add_explicit(&cr->done, 1, memory_order_release) + 1 ==
	    (uint32_t)cr->nthreads)
		futex_wake(&cr->done, 1);
}

static int bind_self(struct worker *w, struct err *e)
{
	hwloc_topology_t t = w->cr->mp->topo->t;
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	int r = 0;
	w->bound = -1;
	if (!set)
		return err_set(e, "out of memory");
	if (w->cpu >= 0) {
		hwloc_bitmap_only(set, (unsigned)w->cpu);
		if (hwloc_set_cpubind(t, set, HWLOC_CPUBIND_THREAD) != 0)
			r = err_set(e, "cannot bind thread %d to CPU %d: %s",
				    w->bt.tid, w->cpu, strerror(errno));
		else if (hwloc_get_cpubind(t, set, HWLOC_CPUBIND_THREAD) == 0 &&
			 hwloc_bitmap_weight(set) == 1)
			w->bound = hwloc_bitmap_first(set);
		if (!r && w->bound != w->cpu)
			r = err_set(e,
				    "thread %d bound to CPU %d, read back %d",
				    w->bt.tid, w->cpu, w->bound);
	}
	hwloc_bitmap_free(set);
	return r;
}

/* The floor burst after a sample: the round trips of c2c/pingpong between
 * the case's own two threads, timed by thread 0. No barrier: the first
 * (untimed) round trips wait for the partner to finish its sample. */
/* FLOOR_WARM untimed then FLOOR_ROUNDS timed round trips on line, from
 * *seq on; thread 0's ns per round trip (0 on thread 1). */
static double c2c_burst(_Atomic uint64_t *line, int tid, uint64_t *seq)
{
	uint64_t t0 = 0;
	for (int i = 0; i < FLOOR_WARM + FLOOR_ROUNDS; i++, *seq += 2) {
		if (i == FLOOR_WARM && tid == 0)
			t0 = clock_mono_ns();
		c2c_round(line, tid, *seq);
	}
	return tid == 0 ? (double)(clock_mono_ns() - t0) / FLOOR_ROUNDS : 0;
}

static void floor_burst(struct worker *w)
{
	double ns = c2c_burst(&w->cr->floor_line, w->bt.tid, &w->floor_seq);
	if (w->bt.tid == 0)
		w->cr->floor_ns = ns;
}

/* A BENCH_TIMED sample: chunks until timed_ns have passed since this
 * thread's start (the threads leave one barrier together, so they stop
 * together, each within one chunk). A chunk starts at TIMED_CHUNK_MIN ops
 * (or cr->iters, if fewer) and doubles, up to cr->iters, while it lasts under
 * 1/TIMED_CHUNKS of the sample: sized by this thread's own rate in this sample,
 * not by the calibration's count, which for an unfair primitive includes the
 * uncontended tail this mode removes. Chunks stay multiples of
 * TIMED_CHUNK_MIN: rwmutex/read-ratio's mix of reads and writes repeats
 * every 100 ops and starts afresh in each call. A clock read per chunk
 * costs nothing beside 100 ops. */
#define TIMED_CHUNK_MIN 100
#define TIMED_CHUNKS	64
static uint64_t run_for_time(struct case_run *cr, struct worker *w)
{
	uint64_t ops = 0, t = w->t0;
	/* fewer: the whole sample is calibrated to fewer (a slow op) */
	uint64_t chunk =
		cr->iters < TIMED_CHUNK_MIN ? cr->iters : TIMED_CHUNK_MIN;
	uint64_t stop = w->t0 + cr->timed_ns,
		 slice = cr->timed_ns / TIMED_CHUNKS;
	for (;;) {
		uint64_t now;
		ops += cr->b->run(cr->shared, &w->bt, chunk);
		now = clock_mono_ns();
		if (now >= stop)
			return ops;
		if (now - t < slice && chunk < cr->iters)
			chunk *= 2;
		t = now;
	}
}

static void run_sample(struct worker *w, uint32_t gen)
{
	struct case_run *cr = w->cr;
	const struct counter_plan *cp = cr->mp->counters;
	w->sched_ok = intf_thread_now(&w->s0[0], &w->s0[1], &w->s0[2]);
	counters_thread_start(cp, &w->ct);
	alloc_count_begin();
	spin_barrier(&cr->arrived, gen * (uint32_t)cr->nthreads);
	w->t0 = clock_mono_ns();
	w->ops = cr->timed ? run_for_time(cr, w)
			   : cr->b->run(cr->shared, &w->bt, cr->iters);
	w->t1 = clock_mono_ns();
	if (cr->slowdown > 0) { /* a test's slower build (selftest_slowdown) */
		uint64_t end = w->t0 + (uint64_t)((double)(w->t1 - w->t0) *
						  (1 + cr->slowdown));
		while ((w->t1 = clock_mono_ns()) < end)
			;
	}
	w->alloc = alloc_count_end();
	memset(w->ctr, 0, sizeof(w->ctr));
	counters_thread_stop(cp, &w->ct, w->ctr);
	w->sched_ok &= intf_thread_now(&w->s1[0], &w->s1[1], &w->s1[2]);
	if (cr->floor && w->bt.tid < 2)
		floor_burst(w);
}

static void *worker_loop(struct worker *w);

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	/* layout_jitter's stack shift: every frame below lands lower (the
	 * empty asm makes the array used, so it is not optimised away) */
	char pad[w->cr->stack_pad + 1];
	pad[0] = 0;
	__asm__ volatile("" : : "r"(pad) : "memory");
	return worker_loop(w);
}

static void *worker_loop(struct worker *w)
{
	struct case_run *cr = w->cr;
	struct err e = {""};
	uint32_t gen = 0;
	int ok = bind_self(w, &e) == 0 &&
		 counters_thread_open(cr->mp->counters, &w->ct, &e) == 0 &&
		 (!cr->b->thread_init ||
		  cr->b->thread_init(cr->shared, w->bt.tid, &w->bt.local, &e) ==
			  0);
	if (!ok) {
		w->failed = 1;
		snprintf(w->msg, sizeof(w->msg), "%s", e.msg);
	}
	report_done(cr);
	for (;;) {
		gen = wait_change(&cr->go, gen);
		if (cr->quit)
			break;
		run_sample(w, gen);
		report_done(cr);
	}
	if (ok && cr->b->thread_fini)
		cr->b->thread_fini(cr->shared, w->bt.local);
	counters_thread_close(&w->ct);
	return NULL;
}

/* Waits until n workers reported; 1 when the deadline passed first. The
 * last of nthreads wakes us; with fewer (thread creation failed) the
 * 100 ms recheck does. */
static int wait_done(struct case_run *cr, int n, uint64_t deadline)
{
	uint32_t v;
	while ((v = atomic_load_explicit(&cr->done, memory_order_acquire)) <
	       (uint32_t)n) {
		uint64_t now = clock_mono_ns();
		struct timespec ts;
		if (deadline && now >= deadline)
			return 1;
		ts.tv_sec = 0;
		ts.tv_nsec = 100000000; /* recheck the deadline every 100 ms */
		/* without a deadline, no wake-ups of our own on the case's
		 * CPUs (they would count as others' time), unless fewer
		 * than all threads started: then nobody wakes us */
		futex_wait(&cr->done, v,
			   deadline || n < cr->nthreads ? &ts : NULL);
	}
	return 0;
}

static int start_sample(struct case_run *cr, uint64_t iters, uint64_t deadline)
{
	cr->iters = iters;
	atomic_store_explicit(&cr->done, 0, memory_order_relaxed);
	/* release: iters and done are set before any worker sees the new go */
	atomic_fetch_add_explicit(&cr->go, 1, memory_order_release);
	futex_wake(&cr->go, INT_MAX);
	return wait_done(cr, cr->nthreads, deadline);
}

struct sample {
	double ns;    /* elapsed, earliest start to latest end */
	uint64_t ops; /* summed over threads */
};

static struct sample collect(const struct case_run *cr)
{
	uint64_t t0 = UINT64_MAX, t1 = 0;
	struct sample s = {0, 0};
	for (int i = 0; i < cr->nthreads; i++) {
		const struct worker *w = &cr->w[i];
		t0 = w->t0 < t0 ? w->t0 : t0;
		t1 = w->t1 > t1 ? w->t1 : t1;
		s.ops += w->ops;
	}
	s.ns = (double)(t1 - t0);
	return s;
}

/* Go's b.N prediction: grow the iteration count until one sample lasts the
 * target time, by at most 100x a step, aiming 20% over. */
static uint64_t predict_iters(uint64_t n, double elapsed_ns, double target_ns)
{
	double next = elapsed_ns > 0
			      ? target_ns / (elapsed_ns / (double)n) * 1.2
			      : (double)n * 100;
	if (next > (double)n * 100)
		next = (double)n * 100;
	if (next < (double)n + 1)
		next = (double)n + 1;
	return next > (double)MAX_ITERS ? MAX_ITERS : (uint64_t)next;
}

/* A sample that ends calibration must not be one that lost its CPU: on a
 * busy machine the first sample (one op, the threads' start skew and all)
 * or any other can take the target time for a reason that has nothing to
 * do with the op, and every later sample would then run that few
 * iterations (one op of a pair, no publication of a read-mostly case). A
 * sample over the target by more than 2x what the last one predicted, or
 * the first, is taken once more at the same count before it is trusted. */
static int calibrate(struct case_run *cr, uint64_t deadline, uint64_t *iters)
{
	double target = cr->mp->time_s * 1e9, predicted = 0;
	uint64_t n = 1;
	int again = 0;
	for (;;) {
		struct sample s;
		if (start_sample(cr, n, deadline))
			return 1;
		s = collect(cr);
		if (n >= MAX_ITERS)
			break;
		if (s.ns >= target) {
			if (again || (predicted > 0 && s.ns <= 2 * predicted))
				break;
			again = 1;
			continue;
		}
		again = 0;
		uint64_t next = predict_iters(n, s.ns, target);
		predicted = s.ns / (double)n * (double)next;
		n = next;
	}
	*iters = n;
	return 0;
}

static void accumulate(const struct case_run *cr, struct record *r,
		       double *thread_ns, uint64_t *thread_ops,
		       struct alloc_counts *alloc)
{
	for (int i = 0; i < cr->nthreads; i++) {
		const struct worker *w = &cr->w[i];
		thread_ns[i] += (double)(w->t1 - w->t0);
		thread_ops[i] += w->ops;
		alloc->allocs += w->alloc.allocs;
		alloc->bytes += w->alloc.bytes;
		for (int c = 0; c < CTR_COUNT; c++)
			r->counters[c] += w->ctr[c];
	}
}

static void fairness(struct record *r, int n, const double *thread_ns,
		     const uint64_t *thread_ops)
{
	double tmin = thread_ns[0], tmax = thread_ns[0], sum = 0, sq = 0, lo,
	       hi, mean;
	int rates = 1;
	for (int i = 0; i < n; i++) {
		tmin = thread_ns[i] < tmin ? thread_ns[i] : tmin;
		tmax = thread_ns[i] > tmax ? thread_ns[i] : tmax;
		rates &= thread_ops[i] > 0 && thread_ns[i] > 0;
	}
	r->fair_valid = n >= 2 && tmax > 0;
	r->all_running = r->fair_valid ? tmin / tmax : NAN;
	r->rate_min = r->rate_max = r->rate_cv = NAN;
	if (!r->fair_valid || !rates)
		return;
	lo = hi = (double)thread_ops[0] / thread_ns[0];
	for (int i = 0; i < n; i++) {
		double x = (double)thread_ops[i] / thread_ns[i];
		sum += x;
		sq += x * x;
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
	}
	mean = sum / n;
	r->rate_min = lo / mean;
	r->rate_max = hi / mean;
	/* the population's: the threads are all there are, not a sample */
	r->rate_cv = sqrt(fmax(sq / n - mean * mean, 0)) / mean;
}

static void finish_record(const struct case_run *cr, struct record *r,
			  const double *thread_ns, const uint64_t *thread_ops,
			  const struct alloc_counts *alloc)
{
	const struct counter_plan *cp = cr->mp->counters;
	double sum = 0;
	int counted = 0;
	stats_summarize(r->samples, (size_t)r->nsamples, &r->ns);
	r->noisy = r->ns.cv > NOISY_CV;
	stats_level_shift(r->samples, (size_t)r->nsamples, SHIFT_RATIO,
			  &r->shift);
	for (int i = 0; i < cr->nthreads; i++)
		if (thread_ops[i]) {
			sum += thread_ns[i] / (double)thread_ops[i];
			counted++;
		}
	r->ns_thread = counted ? sum / counted : 0;
	fairness(r, cr->nthreads, thread_ns, thread_ops);
	r->time_bound = cr->timed;
	r->thread_ops = malloc(sizeof(uint64_t) * (size_t)cr->nthreads);
	if (r->thread_ops)
		memcpy(r->thread_ops, thread_ops,
		       sizeof(uint64_t) * (size_t)cr->nthreads);
	r->alloc_valid = alloc_counting_available();
	r->bytes_per_op = (double)alloc->bytes / (double)r->ops;
	r->allocs_per_op = (double)alloc->allocs / (double)r->ops;
	r->multiplexed = cp->multiplexed;
	for (int c = 0; c < CTR_COUNT; c++) {
		r->counter_valid[c] = cp->wanted[c] && cp->available[c];
		r->counters[c] /= (double)r->ops;
	}
}

/* The floor's median, and the C / c2c ratio as the median over samples of
 * each sample over its own floor (a change of the vCPUs' distance between
 * samples moves both alike). */
static void floor_summarize(struct record *r, const double *floor_ns)
{
	struct summary fs, rs;
	double *fl = malloc(sizeof(double) * (size_t)r->nsamples);
	double *ratio = malloc(sizeof(double) * (size_t)r->nsamples);
	size_t n = 0;
	for (int k = 0; fl && ratio && k < r->nsamples; k++)
		if (floor_ns[k] > 0) {
			fl[n] = floor_ns[k];
			ratio[n++] = r->samples[k] / floor_ns[k];
		}
	if (n > 0) {
		stats_summarize(fl, n, &fs);
		stats_summarize(ratio, n, &rs);
		r->c2c_floor_ns = fs.median;
		if (record_is_pair(r))
			r->c2c_ratio = rs.median;
	}
	free(fl);
	free(ratio);
}

/* The case's CPUs (distinct, bound ones; none when a thread is unbound:
 * then every CPU counts) and threads, for the interference readings. */
struct intf_scope {
	int *cpus;
	int ncpus;
	int own_wait_is_others; /* one bound thread per CPU */
};

static int scope_init(const struct case_run *cr, struct intf_scope *sc)
{
	int unbound = 0;
	sc->ncpus = 0;
	sc->cpus = malloc(sizeof(int) * (size_t)cr->nthreads);
	if (!sc->cpus)
		return -1;
	for (int i = 0; i < cr->nthreads; i++) {
		int c = cr->w[i].cpu, dup = 0;
		unbound |= c < 0;
		for (int j = 0; j < sc->ncpus; j++)
			dup |= sc->cpus[j] == c;
		if (!dup && c >= 0)
			sc->cpus[sc->ncpus++] = c;
	}
	sc->own_wait_is_others = !unbound && sc->ncpus == cr->nthreads;
	if (unbound)
		sc->ncpus = 0;
	return 0;
}

static void scope_free(struct intf_scope *sc)
{
	free(sc->cpus);
}

static int sample_with_intf(struct case_run *cr, const struct intf_scope *sc,
			    struct intf_acc *acc, uint64_t iters,
			    uint64_t deadline, double *wait)
{
	struct intf_snap a, b;
	int rc;
	struct intf_threads th = {0, 0, 0, 1};
	intf_snap_take(&a, sc->cpus, sc->ncpus);
	rc = start_sample(cr, iters, deadline);
	intf_snap_take(&b, sc->cpus, sc->ncpus);
	for (int i = 0; !rc && i < cr->nthreads; i++) {
		const struct worker *w = &cr->w[i];
		th.ok &= w->sched_ok;
		th.run_ns += w->s1[0] - w->s0[0];
		th.wait_ns += w->s1[1] - w->s0[1];
		th.span_ns += w->s1[2] - w->s0[2];
	}
	*wait = rc ? NAN : intf_acc_add(acc, &a, &b, &th);
	return rc;
}

/* Whether the samples run for a time (BENCH_TIMED in bench.h): calibration
 * and warm-up count, as do contend serve's samples (ab compares two builds
 * at one count). */
static int time_bound(const struct case_run *cr)
{
	return (cr->b->flags & BENCH_TIMED) && cr->nthreads >= 2 &&
	       !cr->mp->count_bound;
}

/* Calibration, warmup and samples. Returns 1 on timeout. */
static int measure(struct case_run *cr, struct record *r, uint64_t deadline)
{
	struct intf_scope sc = {0};
	struct intf_acc acc = {0};
	double *thread_ns = calloc((size_t)cr->nthreads, sizeof(double));
	uint64_t *thread_ops = calloc((size_t)cr->nthreads, sizeof(uint64_t));
	double *floor_ns = calloc((size_t)cr->mp->repeat, sizeof(double));
	struct alloc_counts alloc = {0, 0};
	uint64_t n;
	int timed_out = 0;
	r->samples = calloc((size_t)cr->mp->repeat, sizeof(double));
	r->wait_samples = calloc((size_t)cr->mp->repeat, sizeof(double));
	if (!thread_ns || !thread_ops || !floor_ns || !r->samples ||
	    !r->wait_samples || scope_init(cr, &sc) != 0) {
		r->status = REC_FAILED;
		snprintf(r->reason, sizeof(r->reason), "out of memory");
		goto out;
	}
	set_phase(cr->mp, PHASE_CALIBRATE, 0);
	if ((timed_out = calibrate(cr, deadline, &n)))
		goto out;
	r->iters = n;
	set_phase(cr->mp, PHASE_WARMUP, 0);
	if (cr->mp->warmup_s > 0) {
		double w = (double)n * cr->mp->warmup_s / cr->mp->time_s;
		if ((timed_out = start_sample(cr, w < 1 ? 1 : (uint64_t)w,
					      deadline)))
			goto out;
	}
	if (time_bound(cr)) {
		cr->timed = 1;
		cr->timed_ns = (uint64_t)(cr->mp->time_s * 1e9);
		/* the largest chunk: the whole calibrated count */
	}
	for (int k = 0; k < cr->mp->repeat; k++) {
		struct sample s;
		set_phase(cr->mp, PHASE_SAMPLE, k + 1);
		if ((timed_out = sample_with_intf(cr, &sc, &acc, n, deadline,
						  &r->wait_samples[k])))
			goto out;
		s = collect(cr);
		if (s.ops == 0) {
			r->status = REC_FAILED;
			snprintf(r->reason, sizeof(r->reason),
				 "benchmark counted no ops");
			goto out;
		}
		floor_ns[r->nsamples] = cr->floor_ns;
		r->samples[r->nsamples++] = s.ns / (double)s.ops;
		r->ops += s.ops;
		accumulate(cr, r, thread_ns, thread_ops, &alloc);
	}
	finish_record(cr, r, thread_ns, thread_ops, &alloc);
	if (cr->floor)
		floor_summarize(r, floor_ns);
	acc.ncpus = sc.ncpus ? sc.ncpus : (int)sysconf(_SC_NPROCESSORS_ONLN);
	intf_summarize(&acc, r->wait_samples, r->nsamples,
		       sc.own_wait_is_others, &r->intf);
out:
	scope_free(&sc);
	free(thread_ns);
	free(thread_ops);
	free(floor_ns);
	return timed_out;
}

static int start_workers(struct case_run *cr, const int *cpus, int *started,
			 struct err *e)
{
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	*started = 0;
	for (int i = 0; i < cr->nthreads; i++) {
		struct worker *w = &cr->w[i];
		int rc;
		w->cr = cr;
		w->cpu = cpus[i];
		w->bt.tid = i;
		w->bt.nthreads = cr->nthreads;
		w->bt.bench = cr->b;
		rc = pthread_create(&w->th, &attr, worker_main, w);
		if (rc != 0) {
			pthread_attr_destroy(&attr);
			return err_set(e, "cannot create thread %d of %d: %s",
				       i + 1, cr->nthreads, strerror(rc));
		}
		(*started)++;
	}
	pthread_attr_destroy(&attr);
	return 0;
}

static void stop_workers(struct case_run *cr, int started)
{
	cr->quit = 1;
	atomic_fetch_add_explicit(&cr->go, 1, memory_order_release);
	futex_wake(&cr->go, INT_MAX);
	for (int i = 0; i < started; i++)
		pthread_join(cr->w[i].th, NULL);
}

static void fail(struct record *r, enum rec_status st, const char *msg)
{
	r->status = st;
	snprintf(r->reason, sizeof(r->reason), "%s", msg);
}

/* Workers started, bound and initialised; 1 on timeout. A failure is in
 * r->status. */
static int start_case(struct case_run *cr, const int *cpus, struct record *r,
		      uint64_t deadline)
{
	struct err e = {""};
	set_phase(cr->mp, PHASE_THREADS, 0);
	if (start_workers(cr, cpus, &cr->started, &e) != 0)
		fail(r, REC_FAILED, e.msg);
	if (wait_done(cr, cr->started, deadline))
		return 1;
	for (int i = 0; i < cr->started; i++) {
		r->cpus[i] = cr->w[i].cpu < 0 ? -1 : cr->w[i].bound;
		if (cr->w[i].failed && r->status == REC_OK)
			fail(r, REC_FAILED, cr->w[i].msg);
	}
	return 0;
}

/* A slower build for tests and for checking `contend ab`: with
 * CONTEND_SELFTEST=1 and CONTEND_SLOWDOWN=GLOB:PCT in the environment,
 * every sample of a benchmark matching GLOB spins PCT% longer than the
 * workload ran, inside the timed region: a real, calibrated slowdown of
 * the op as the clock sees it, on the CPU, exposed to the same noise. */
static double selftest_slowdown(const char *bench)
{
	const char *on = getenv("CONTEND_SELFTEST"),
		   *v = getenv("CONTEND_SLOWDOWN");
	const char *colon = v ? strrchr(v, ':') : NULL;
	char glob[128];
	double pct;
	if (!on || strcmp(on, "1") != 0 || !colon || colon == v ||
	    (size_t)(colon - v) >= sizeof(glob))
		return 0;
	snprintf(glob, sizeof(glob), "%.*s", (int)(colon - v), v);
	pct = atof(colon + 1);
	return fnmatch(glob, bench, 0) == 0 && pct > 0 && pct < 1000 ? pct / 100
								     : 0;
}

/* A random layout per instance (contend ab): a process keeps its heap and
 * stack addresses from one instance of a case to the next, and where a
 * lock's line falls (cache sets, 4 KiB aliasing with another hot line)
 * can make one process run a case 10-20% off another running the same
 * binary, round after round. A pad of up to 1 MiB (pages, then lines)
 * allocated before the setup moves the workload's memory, and 0-4 KiB of
 * stack moves the workers' frames; the heap is trimmed when an instance
 * ends, so the next one gets fresh pages from the kernel (which physical
 * page a line is on decides its cache sets and, on many CPUs, which L3
 * slice or home agent serves it). Such offsets then fall at random on
 * both builds (as
 * Curtsinger and Berger's Stabilizer argues, ASPLOS 2013). */
static void layout_jitter(struct case_run *cr, unsigned seed)
{
	size_t heap = 4096 * (size_t)(seed % 256) +
		      64 * (size_t)(1 + (seed >> 8) % 64);
	cr->stack_pad = 64 * (size_t)((seed >> 14) % 64);
	cr->heap_pad = malloc(heap);
	if (cr->heap_pad)
		memset(cr->heap_pad, 0, heap); /* the heap really grows */
}

/* The case's memory and setup; NULL when out of memory (r says so). */
static struct case_run *new_case(const struct measure_params *mp,
				 const int *cpus, struct record *r)
{
	/* its atomics are aligned to cache lines: so must it be */
	struct case_run *cr = aligned_alloc(64, sizeof(*cr));
	if (cr)
		memset(cr, 0, sizeof(*cr));
	struct err e = {""};
	r->status = REC_OK;
	r->cpus = malloc(sizeof(int) * (size_t)r->threads);
	if (cr)
		cr->w = aligned_alloc(64, sizeof(struct worker) *
						  (size_t)r->threads);
	if (!cr || !r->cpus || !cr->w) {
		if (cr)
			free(cr->w);
		free(cr);
		fail(r, REC_FAILED, "out of memory");
		return NULL;
	}
	for (int i = 0; i < r->threads; i++)
		r->cpus[i] = cpus[i];
	cr->b = r->b;
	cr->mp = mp;
	cr->nthreads = r->threads;
	/* two distinct CPUs: on one, each round trip would wait a time slice */
	cr->floor = r->threads >= 2 && cpus[0] >= 0 && cpus[1] >= 0 &&
		    cpus[0] != cpus[1];
	cr->slowdown = selftest_slowdown(r->b->name);
	if (mp->jitter_seed)
		layout_jitter(cr, mp->jitter_seed);
	memset(cr->w, 0, sizeof(struct worker) * (size_t)r->threads);
	set_phase(mp, PHASE_SETUP, 0);
	if (r->b->setup &&
	    r->b->setup(r->b, r->threads, &cr->shared, &e) != 0) {
		fail(r, REC_FAILED, e.msg);
		cr->setup_failed = 1;
	}
	return cr;
}

/* Stops the workers, takes the workload's fields, tears down, frees. */
static void end_case(struct case_run *cr, struct record *r)
{
	set_phase(cr->mp, PHASE_TEARDOWN, 0);
	stop_workers(cr, cr->started);
	if (r->status == REC_OK && cr->b->fields)
		r->nfields =
			cr->b->fields(cr->shared, r->fields, BENCH_MAX_FIELDS);
	if (!cr->setup_failed && cr->b->teardown)
		cr->b->teardown(cr->shared);
	set_phase(cr->mp, PHASE_DONE, 0);
	if (cr->heap_pad) {
		free(cr->heap_pad);
		malloc_trim(0);
	}
	free(cr->w);
	free(cr);
}

static void timed_out_record(const struct measure_params *mp, struct record *r)
{
	char msg[128];
	snprintf(msg, sizeof(msg),
		 "timed out after %.0f s; its threads could not be reclaimed",
		 mp->timeout_s);
	fail(r, REC_TIMEOUT, msg);
}

int measure_case(const struct measure_params *mp, const int *cpus,
		 struct record *r)
{
	uint64_t deadline =
		mp->timeout_s > 0
			? clock_mono_ns() + (uint64_t)(mp->timeout_s * 1e9)
			: 0;
	struct case_run *cr = new_case(mp, cpus, r);
	if (!cr)
		return 0;
	if (!cr->setup_failed &&
	    (start_case(cr, cpus, r, deadline) ||
	     (r->status == REC_OK && measure(cr, r, deadline)))) {
		timed_out_record(mp, r);
		return -1; /* threads still run: leak cr rather than free it */
	}
	end_case(cr, r);
	return 0;
}

/* ---- a case held open, sample by sample (contend serve) ---- */

struct case_session {
	struct case_run *cr;
	struct intf_scope sc;
};

struct case_session *measure_open(const struct measure_params *mp,
				  const int *cpus, struct record *r)
{
	struct case_session *cs = calloc(1, sizeof(*cs));
	struct case_run *cr = cs ? new_case(mp, cpus, r) : NULL;
	if (!cr) {
		free(cs);
		return NULL;
	}
	cs->cr = cr;
	if (!cr->setup_failed)
		start_case(cr, cpus, r, 0);
	if (r->status == REC_OK && scope_init(cr, &cs->sc) != 0)
		fail(r, REC_FAILED, "out of memory");
	if (r->status != REC_OK) {
		measure_close(cs, r);
		return NULL;
	}
	return cs;
}

uint64_t measure_calibrate(struct case_session *cs)
{
	uint64_t n = 1;
	calibrate(cs->cr, 0, &n);
	return n;
}

int measure_sample(struct case_session *cs, uint64_t iters,
		   struct session_sample *out)
{
	struct intf_acc acc = {0};
	struct sample s;
	memset(out, 0, sizeof(*out));
	sample_with_intf(cs->cr, &cs->sc, &acc, iters, 0, &out->wait);
	s = collect(cs->cr);
	if (s.ops == 0)
		return -1;
	out->ns_per_op = s.ns / (double)s.ops;
	out->floor_ns = cs->cr->floor ? cs->cr->floor_ns : 0;
	/* the wait says nothing of others where the threads wait for each
	 * other (more threads than CPUs, or unbound) */
	if (!cs->sc.own_wait_is_others)
		out->wait = NAN;
	/* steal: the host ran something else on a vCPU while the case's
	 * thread held it, which its run-queue wait does not see */
	out->disturbed =
		out->wait > DISTURB_WAIT ||
		(acc.have_stat && acc.wall_ns && acc.ncpus &&
		 (double)acc.steal_ns > DISTURB_STEAL * (double)acc.wall_ns *
						(double)acc.ncpus);
	return 0;
}

void measure_close(struct case_session *cs, struct record *r)
{
	if (!cs)
		return;
	scope_free(&cs->sc);
	end_case(cs->cr, r);
	free(cs);
}

/* ---- a floor outside a case (the Go rows) ---- */

struct floor_pair {
	_Alignas(CACHE_LINE) _Atomic uint64_t line;
	int cpu[2];
	double ns;
	int bound[2];
};

struct floor_arg {
	struct floor_pair *fp;
	int tid;
};

static void *floor_thread(void *arg)
{
	struct floor_arg *a = arg;
	struct floor_pair *fp = a->fp;
	cpu_set_t set;
	uint64_t seq = 0;
	double ns;
	CPU_ZERO(&set);
	CPU_SET(fp->cpu[a->tid], &set);
	fp->bound[a->tid] =
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
	ns = c2c_burst(&fp->line, a->tid, &seq);
	if (a->tid == 0)
		fp->ns = ns;
	return NULL;
}

double measure_c2c_floor(const int cpus[2])
{
	struct floor_pair fp = {.cpu = {cpus[0], cpus[1]}};
	struct floor_arg args[2] = {{&fp, 0}, {&fp, 1}};
	pthread_t th[2];
	int started = 0;
	if (cpus[0] < 0 || cpus[1] < 0 || cpus[0] >= CPU_SETSIZE ||
	    cpus[1] >= CPU_SETSIZE)
		return 0;
	atomic_init(&fp.line, 0);
	for (; started < 2; started++)
		if (pthread_create(&th[started], NULL, floor_thread,
				   &args[started]) != 0)
			break;
	if (started == 1) {
		/* the lone thread waits for a partner that never comes: be
		 * it, then give this thread its CPUs back */
		cpu_set_t mine;
		int saved = pthread_getaffinity_np(pthread_self(), sizeof(mine),
						   &mine) == 0;
		floor_thread(&args[1]);
		if (saved)
			pthread_setaffinity_np(pthread_self(), sizeof(mine),
					       &mine);
	}
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	return started == 2 && fp.bound[0] && fp.bound[1] ? fp.ns : 0;
}
