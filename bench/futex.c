/* futex family: the kernel's sleep and wake-up, the floor under every
 * primitive that parks (a sleeping mutex, a channel's blocked receiver).
 *
 * futex/wake (private=1|0): T-1 threads sleep in FUTEX_WAIT on one word;
 * once the kernel says every one of them sleeps (its /proc task state is
 * S), thread 0 changes the word and wakes them all with one FUTEX_WAKE. An
 * op is one round (arrive, sleep, wake, run again). Fields: the time from
 * just before the wake call to the first waiter running again
 * (wake_first_p50_ns) and to the last (wake_last_p50_ns, wake_last_p99_ns,
 * wake_last_max_ns), over every round, warm-up included. private=0 is a
 * shared futex (keyed by the mapping, as between processes). In the VMs
 * this suite was written on a sleep and wake costs 24-47 us, while a cache
 * line crosses in well under a microsecond: what a primitive that parks
 * too eagerly pays.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"
#include "c2c.h"
#include "clock.h"
#include "futex.h"
#include "latency.h"

/* Rounds in which a waiter is not seen asleep within this long go on
 * anyway (it was preempted before its FUTEX_WAIT, say): its wake-up is
 * then shorter, never longer, than a sleeper's. */
#define FUTEX_ASLEEP_WAIT_NS 20000000

struct futex_shared {
	_Alignas(CACHE_LINE) _Atomic uint32_t word; /* the round, mod 2^32 */
	_Alignas(CACHE_LINE) _Atomic uint64_t arrived, departed;
	_Atomic uint64_t first, last; /* wake times of this round */
	int private_;
	int nthreads;
	pid_t *tids;
	struct latency_hist first_lat, last_lat; /* thread 0's only */
};

struct futex_local {
	uint64_t round; /* every thread's, in step across samples */
};

static int futex_setup(const struct bench *b, int nthreads, void **shared,
		       struct err *e)
{
	struct futex_shared *s = aligned_alloc(CACHE_LINE, sizeof(*s));
	if (!s)
		return err_set(e, "futex: out of memory");
	memset(s, 0, sizeof(*s));
	s->private_ = b->arg != 0;
	s->nthreads = nthreads;
	s->tids = calloc((size_t)nthreads, sizeof(pid_t));
	if (!s->tids) {
		free(s);
		return err_set(e, "futex: out of memory");
	}
	atomic_init(&s->word, 0);
	*shared = s;
	return 0;
}

static void futex_teardown(void *shared)
{
	struct futex_shared *s = shared;
	free(s->tids);
	free(s);
}

static int futex_thread_init(void *shared, int tid, void **local, struct err *e)
{
	struct futex_shared *s = shared;
	/* written before the threads start their samples (the runner's
	 * barrier publishes it to thread 0) */
	s->tids[tid] = (pid_t)syscall(SYS_gettid);
	*local = calloc(1, sizeof(struct futex_local));
	return *local ? 0 : err_set(e, "futex: out of memory");
}

static void futex_thread_fini(void *shared, void *local)
{
	(void)shared;
	free(local);
}

/* Whether the kernel has thread tid asleep: the state letter after the
 * command name in /proc/self/task/TID/stat. */
static int futex_asleep(pid_t tid)
{
	char path[64], buf[256];
	const char *p;
	ssize_t n;
	int fd;
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1; /* no /proc: as if asleep (the round still counts) */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return !p || p[1] != ' ' || p[2] == 'S';
}

static void futex_wait_asleep(const struct futex_shared *s)
{
	uint64_t end = clock_mono_ns() + FUTEX_ASLEEP_WAIT_NS;
	for (int i = 1; i < s->nthreads; i++)
		while (!futex_asleep(s->tids[i]) && clock_mono_ns() < end)
			sched_yield();
}

static void futex_note(_Atomic uint64_t *v, uint64_t now, int earliest)
{
	/* relaxed: thread 0 reads it after every waiter's departure
	 * (acquire), which each makes after its note (release) */
	uint64_t seen = atomic_load_explicit(v, memory_order_relaxed);
	while ((earliest ? now < seen : now > seen) &&
	       !atomic_compare_exchange_weak_explicit(v, &seen, now,
						      memory_order_relaxed,
						      memory_order_relaxed))
		;
}

static void futex_waiter(struct futex_shared *s, uint64_t r)
{
	uint32_t w = (uint32_t)r;
	uint64_t now;
	/* release: thread 0 counts us after this round's start */
	atomic_fetch_add_explicit(&s->arrived, 1, memory_order_release);
	/* acquire: the waker's store of the next round */
	while (atomic_load_explicit(&s->word, memory_order_acquire) == w)
		futex_wait_kind(&s->word, w, s->private_);
	now = clock_mono_ns();
	futex_note(&s->first, now, 1);
	futex_note(&s->last, now, 0);
	/* release: the notes before thread 0's read of them */
	atomic_fetch_add_explicit(&s->departed, 1, memory_order_release);
}

static void futex_waker(struct futex_shared *s, uint64_t r)
{
	uint64_t waiters = (uint64_t)(s->nthreads - 1), t0;
	c2c_wait(&s->arrived, (r + 1) * waiters);
	futex_wait_asleep(s);
	atomic_store_explicit(&s->first, UINT64_MAX, memory_order_relaxed);
	atomic_store_explicit(&s->last, 0, memory_order_relaxed);
	t0 = clock_mono_ns();
	/* release: the reset notes before any waiter's new ones */
	atomic_store_explicit(&s->word, (uint32_t)(r + 1),
			      memory_order_release);
	futex_wake_kind(&s->word, INT_MAX, s->private_);
	c2c_wait(&s->departed, (r + 1) * waiters);
	latency_record(&s->first_lat,
		       atomic_load_explicit(&s->first, memory_order_relaxed) -
			       t0);
	latency_record(&s->last_lat,
		       atomic_load_explicit(&s->last, memory_order_relaxed) -
			       t0);
}

static uint64_t futex_run(void *shared, struct bench_thread *t, uint64_t iters)
{
	struct futex_shared *s = shared;
	struct futex_local *l = t->local;
	for (uint64_t i = 0; i < iters; i++, l->round++) {
		if (t->tid == 0)
			futex_waker(s, l->round);
		else
			futex_waiter(s, l->round);
	}
	return t->tid == 0 ? iters : 0;
}

static int futex_fields(void *shared, struct bench_field *out, int max)
{
	struct futex_shared *s = shared;
	if (max < 4 || s->last_lat.n == 0)
		return 0;
	out[0] = (struct bench_field){"wake_first_p50_ns",
				      latency_quantile(&s->first_lat, 0.50)};
	out[1] = (struct bench_field){"wake_last_p50_ns",
				      latency_quantile(&s->last_lat, 0.50)};
	out[2] = (struct bench_field){"wake_last_p99_ns",
				      latency_quantile(&s->last_lat, 0.99)};
	out[3] = (struct bench_field){"wake_last_max_ns",
				      (double)s->last_lat.max};
	return 4;
}

#define FUTEX_WAKE_BENCH(TAG, PRIVATE, FLAGS)                                  \
	BENCH_REGISTER(futex_wake_##TAG, .name = "futex/wake",                 \
		       .impl = "linux", .params = "private=" #PRIVATE,         \
		       .arg = PRIVATE, .flags = FLAGS, .min_threads = 2,       \
		       .summary = "T-1 threads asleep on one futex, woken by " \
				  "one FUTEX_WAKE (the floor under parking)",  \
		       .setup = futex_setup, .teardown = futex_teardown,       \
		       .thread_init = futex_thread_init,                       \
		       .thread_fini = futex_thread_fini,                       \
		       .fields = futex_fields, .run = futex_run)

FUTEX_WAKE_BENCH(private, 1, 0);
FUTEX_WAKE_BENCH(shared, 0, BENCH_FULL);
