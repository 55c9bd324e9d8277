/* chan family: Go's channels — what a send/receive, a hand-off, a select
 * and a close cost, and what a blocked receiver burns.
 *
 * chan/pingpong (cap=0, cap=1): two threads, two channels; thread 0 sends on
 * ping and receives on pong, thread 1 echoes. An op (counted on thread 0) is
 * one round trip. Compare with c2c/pingpong of the same placement (the
 * C / c2c table): the difference is how the channel waits. Every 64th round
 * trip is timed: fields lat_p50_ns, lat_p99_ns, lat_max_ns. The clock reads
 * leave thread 0 late for its next send, which breaks the pair's rhythm; a
 * timed round trip is one that follows such a break, and ns/op is the
 * round trip in step. (Timing every 8th added half a c2c round trip to
 * hchan's ns/op, far more than the clock reads cost.)
 * chan/throughput (cap=1, 64, 1024; pc=1x1, 1xN, Nx1, NxN): producers send,
 * consumers receive on one channel; an op is one element delivered. 1x1 is
 * a pair (placements by distance); the others split T threads.
 * chan/select (n=2, 4, 16): each thread selects over its own n buffered
 * channels that all hold elements, then sends the element back: an op is
 * one select (which picks at random among n ready cases) plus one send.
 * chan/buffered (cap=64): every thread sends one element then receives one
 * on one shared channel; an op is the pair.
 * Payloads (size=64, size=1024; --full): chan/pingpong cap=0 and
 * chan/throughput cap=1024 1x1 with elements of that many bytes (the rest
 * carry a uint64, 8 bytes), its first word the sequence; size comes first
 * in the params so that Go's sub-benchmarks nest the same way.
 * chan/close-broadcast: T-1 receivers block on a channel, thread 0 closes
 * it; an op is one round (a channel made, blocked on, closed, freed); field
 * wake_p50_ns/wake_p99_ns: close to the last receiver running again (Go's
 * ctx.Done() pattern).
 * Implementations: mutexcond (mutex + condvars, the baseline), hchan (Go's
 * design: waiter queues, direct hand-off, spin-then-park), ring (Vyukov's
 * lock-free bounded ring, parking only when empty or full; no cap=0).
 * chan/idle-cost: thread 1 blocks in receive while thread 0 sleeps 5 ms,
 * then sends; field cpu_ms_per_s: the receiver's CPU time per second
 * blocked (a receiver that parks burns next to nothing, one that spins
 * burns 1000).
 */
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "channel_impls.h"
#include "clock.h"
#include "latency.h"
#include "spin.h"

#define CHAN_SELECT_MAX 16

/* One implementation's operations. Each workload below is a body inlined
 * into one run function per implementation (CHAN_RUNS), with that
 * implementation's chan_fns as a constant: the hot loop calls, say,
 * chan_hchan_send itself, where chan_send would jump through chan_ops. */
struct chan_fns {
	chan_t *(*make)(size_t elem_size, size_t capacity);
	int (*send)(chan_t *ch, const void *elem);
	int (*recv)(chan_t *ch, void *elem);
	int (*close)(chan_t *ch);
	int (*select)(chan_case *cases, size_t n, int block,
		      const struct timespec *deadline);
};

#define CHAN_FNS(IMPL)                                                         \
	static const struct chan_fns chan_##IMPL##_fns = {                     \
		chan_##IMPL##_new,   chan_##IMPL##_send,   chan_##IMPL##_recv, \
		chan_##IMPL##_close, chan_##IMPL##_select,                     \
	}

/* A workload's body: inlined, so f's calls become direct ones. */
#define CHAN_BODY static inline __attribute__((always_inline)) uint64_t

#define CHAN_PAYLOAD_MAX 1024

struct chan_shared {
	chan_t *(*make)(size_t elem_size, size_t capacity);
	size_t elem_size; /* size= (payload workloads), else 8 */
	chan_t *a, *b;
	int producers, consumers;
	int select_n; /* chan/select: channels per thread */
	/* pingpong and close-broadcast: thread 0's histogram */
	struct latency_hist lat;
	/* close-broadcast */
	_Alignas(CACHE_LINE) _Atomic uint64_t round, arrived, departed;
	_Alignas(CACHE_LINE) _Atomic uint64_t last_wake;
	/* idle-cost */
	_Alignas(CACHE_LINE) _Atomic uint64_t idle_cpu_ns, idle_wall_ns;
};

struct chan_local {
	chan_t *sel[CHAN_SELECT_MAX]; /* chan/select: this thread's channels */
	chan_case cases[CHAN_SELECT_MAX];
	uint64_t elem;
};

static int chan_make_pair(struct chan_shared *s, size_t cap)
{
	s->a = s->make(s->elem_size, cap);
	s->b = s->make(s->elem_size, cap);
	return s->a && s->b ? 0 : -1;
}

static void chan_teardown(void *shared)
{
	struct chan_shared *s = shared;
	chan_free(s->a);
	chan_free(s->b);
	free(s);
}

/* pc (arg2): 0 1x1, 1 1xN, 2 Nx1, 3 NxN: producers and consumers of T */
static void chan_split(struct chan_shared *s, long pc, int nthreads)
{
	s->producers = 1;
	if (pc == 2)
		s->producers = nthreads - 1;
	else if (pc == 3)
		s->producers = nthreads / 2;
	if (s->producers < 1)
		s->producers = 1;
	s->consumers = nthreads - s->producers;
}

static int chan_setup_with(const struct bench *b, int nthreads, void **shared,
			   struct err *e,
			   chan_t *(*make)(size_t elem_size, size_t capacity))
{
	struct chan_shared *s = aligned_alloc(CACHE_LINE, sizeof(*s));
	if (!s)
		return err_set(e, "chan: out of memory");
	memset(s, 0, sizeof(*s));
	s->make = make;
	s->elem_size = sizeof(uint64_t);
	if (strstr(b->params, "size=")) {
		long n = atol(strstr(b->params, "size=") + 5);
		if (n < (long)sizeof(uint64_t) || n > CHAN_PAYLOAD_MAX) {
			free(s);
			return err_set(e, "chan: size must be 8 to %d bytes",
				       CHAN_PAYLOAD_MAX);
		}
		s->elem_size = (size_t)n;
	}
	s->select_n = strcmp(b->name, "chan/select") == 0 ? (int)b->arg2 : 0;
	chan_split(s, b->arg2, nthreads);
	if (chan_make_pair(s, (size_t)b->arg) != 0) {
		chan_teardown(s);
		return err_set(e, "chan: cannot create channel");
	}
	*shared = s;
	return 0;
}

/* chan/select: this thread's n channels, each holding one element */
static int chan_thread_init(void *shared, int tid, void **local, struct err *e)
{
	struct chan_shared *s = shared;
	struct chan_local *l = calloc(1, sizeof(*l));
	uint64_t v = (uint64_t)tid;
	*local = l;
	if (!l)
		return err_set(e, "chan: out of memory");
	for (int i = 0; i < s->select_n && i < CHAN_SELECT_MAX; i++) {
		l->sel[i] = s->make(sizeof(uint64_t), 64);
		if (!l->sel[i] || chan_send(l->sel[i], &v) != CHAN_OK)
			return err_set(e, "chan: cannot create channel");
		l->cases[i] = (chan_case){l->sel[i], CHAN_RECV, &l->elem, 0};
	}
	return 0;
}

static void chan_thread_fini(void *shared, void *local)
{
	struct chan_local *l = local;
	(void)shared;
	for (int i = 0; i < CHAN_SELECT_MAX; i++)
		chan_free(l->sel[i]);
	free(l);
}

CHAN_BODY chan_buffered_body(const struct chan_fns *f, void *shared,
			     struct bench_thread *t, uint64_t iters)
{
	struct chan_shared *s = shared;
	uint64_t v = (uint64_t)t->tid, sum = 0;
	for (uint64_t i = 0; i < iters; i++) {
		f->send(s->a, &v);
		f->recv(s->a, &v);
		sum += v;
	}
	keep(sum);
	return iters;
}

/* Thread 0 times every PINGPONG_TIMED-th round trip (file comment). */
#define PINGPONG_TIMED 64
CHAN_BODY chan_pingpong_body(const struct chan_fns *f, void *shared,
			     struct bench_thread *t, uint64_t iters)
{
	struct chan_shared *s = shared;
	uint64_t v = 0;
	if (t->tid != 0) {
		for (uint64_t i = 0; i < iters; i++) {
			f->recv(s->a, &v);
			f->send(s->b, &v);
		}
		return 0;
	}
	for (uint64_t i = 0; i < iters; i++) {
		uint64_t t0 = i % PINGPONG_TIMED == 0 ? clock_mono_ns() : 0;
		f->send(s->a, &i);
		f->recv(s->b, &v);
		if (t0)
			latency_record(&s->lat, clock_mono_ns() - t0);
	}
	keep(v);
	return iters;
}

/* chan/pingpong with s->elem_size-byte elements (size=). */
CHAN_BODY chan_pingpong_payload_body(const struct chan_fns *f, void *shared,
				     struct bench_thread *t, uint64_t iters)
{
	struct chan_shared *s = shared;
	_Alignas(CACHE_LINE) unsigned char buf[CHAN_PAYLOAD_MAX] = {0};
	uint64_t v = 0;
	if (t->tid != 0) {
		for (uint64_t i = 0; i < iters; i++) {
			f->recv(s->a, buf);
			f->send(s->b, buf);
		}
		return 0;
	}
	for (uint64_t i = 0; i < iters; i++) {
		uint64_t t0 = i % PINGPONG_TIMED == 0 ? clock_mono_ns() : 0;
		memcpy(buf, &i, sizeof(i));
		f->send(s->a, buf);
		f->recv(s->b, buf);
		memcpy(&v, buf, sizeof(v));
		if (t0)
			latency_record(&s->lat, clock_mono_ns() - t0);
	}
	keep(v);
	return iters;
}

static int chan_latency_fields(void *shared, struct bench_field *out, int max)
{
	struct chan_shared *s = shared;
	if (max < 3 || s->lat.n == 0)
		return 0;
	out[0] = (struct bench_field){"lat_p50_ns",
				      latency_quantile(&s->lat, 0.50)};
	out[1] = (struct bench_field){"lat_p99_ns",
				      latency_quantile(&s->lat, 0.99)};
	out[2] = (struct bench_field){"lat_max_ns", (double)s->lat.max};
	return 3;
}

/* Producers send iters each; the P x iters elements are split evenly over
 * the consumers, so every thread knows its count and all finish. */
CHAN_BODY chan_throughput_body(const struct chan_fns *f, void *shared,
			       struct bench_thread *t, uint64_t iters)
{
	struct chan_shared *s = shared;
	uint64_t v = (uint64_t)t->tid << 40, sum = 0, total, mine;
	int c = t->tid - s->producers;
	if (c < 0) {
		for (uint64_t i = 0; i < iters; i++, v++)
			f->send(s->a, &v);
		return iters;
	}
	total = iters * (uint64_t)s->producers;
	mine = total / (uint64_t)s->consumers +
	       ((uint64_t)c < total % (uint64_t)s->consumers);
	for (uint64_t i = 0; i < mine; i++) {
		f->recv(s->a, &v);
		sum += v;
	}
	keep(sum);
	return 0;
}

/* chan/throughput with s->elem_size-byte elements (size=). */
CHAN_BODY chan_throughput_payload_body(const struct chan_fns *f, void *shared,
				       struct bench_thread *t, uint64_t iters)
{
	struct chan_shared *s = shared;
	_Alignas(CACHE_LINE) unsigned char buf[CHAN_PAYLOAD_MAX] = {0};
	uint64_t v = (uint64_t)t->tid << 40, sum = 0, total, mine;
	int c = t->tid - s->producers;
	if (c < 0) {
		for (uint64_t i = 0; i < iters; i++, v++) {
			memcpy(buf, &v, sizeof(v));
			f->send(s->a, buf);
		}
		return iters;
	}
	total = iters * (uint64_t)s->producers;
	mine = total / (uint64_t)s->consumers +
	       ((uint64_t)c < total % (uint64_t)s->consumers);
	for (uint64_t i = 0; i < mine; i++) {
		f->recv(s->a, buf);
		memcpy(&v, buf, sizeof(v));
		sum += v;
	}
	keep(sum);
	return 0;
}

CHAN_BODY chan_select_body(const struct chan_fns *f, void *shared,
			   struct bench_thread *t, uint64_t iters)
{
	struct chan_shared *s = shared;
	struct chan_local *l = t->local;
	uint64_t sum = 0;
	for (uint64_t i = 0; i < iters; i++) {
		int k = f->select(l->cases, (size_t)s->select_n, 1, NULL);
		sum += l->elem;
		f->send(l->sel[k], &l->elem);
	}
	keep(sum);
	return iters;
}

static void chan_spin_until(_Atomic uint64_t *word, uint64_t want)
{
	unsigned spins = 0;
	/* acquire: what the other side did before its release is visible */
	while (atomic_load_explicit(word, memory_order_acquire) < want)
		if (++spins % 1024 == 0)
			sched_yield(); /* more threads than CPUs still progress
					*/
		else
			spin_pause();
}

static void chan_wait_ns(uint64_t ns)
{
	uint64_t end = clock_mono_ns() + ns;
	while (clock_mono_ns() < end)
		spin_pause();
}

/* Receivers: wait for round r's channel, block on it, note the wake. */
static inline __attribute__((always_inline)) void
chan_broadcast_receiver(const struct chan_fns *f, struct chan_shared *s,
			uint64_t r)
{
	uint64_t v, now, seen;
	chan_spin_until(&s->round, r);
	/* release: thread 0 sees our arrival after we read round r's channel */
	atomic_fetch_add_explicit(&s->arrived, 1, memory_order_release);
	f->recv(s->a, &v);
	now = clock_mono_ns();
	seen = atomic_load_explicit(&s->last_wake, memory_order_relaxed);
	while (now > seen &&
	       !atomic_compare_exchange_weak_explicit(&s->last_wake, &seen, now,
						      memory_order_relaxed,
						      memory_order_relaxed))
		;
	atomic_fetch_add_explicit(&s->departed, 1, memory_order_release);
}

/* Thread 0: when all arrived, give them 20 us to block, close, wait for
 * every one to leave, and make the next round's channel. */
static inline __attribute__((always_inline)) void
chan_broadcast_closer(const struct chan_fns *f, struct chan_shared *s,
		      uint64_t r, int receivers)
{
	uint64_t t0;
	chan_spin_until(&s->arrived, (r + 1) * (uint64_t)receivers);
	chan_wait_ns(20000);
	atomic_store_explicit(&s->last_wake, 0, memory_order_relaxed);
	t0 = clock_mono_ns();
	f->close(s->a);
	chan_spin_until(&s->departed, (r + 1) * (uint64_t)receivers);
	latency_record(
		&s->lat,
		atomic_load_explicit(&s->last_wake, memory_order_relaxed) - t0);
	chan_free(s->a);
	s->a = f->make(sizeof(uint64_t), 0);
	/* release: receivers of round r+1 see the new channel */
	atomic_store_explicit(&s->round, r + 1, memory_order_release);
}

CHAN_BODY chan_broadcast_body(const struct chan_fns *f, void *shared,
			      struct bench_thread *t, uint64_t iters)
{
	struct chan_shared *s = shared;
	struct chan_local *l = t->local;
	int receivers = t->nthreads - 1;
	for (uint64_t i = 0; i < iters; i++, l->elem++) {
		if (t->tid == 0)
			chan_broadcast_closer(f, s, l->elem, receivers);
		else
			chan_broadcast_receiver(f, s, l->elem);
	}
	return t->tid == 0 ? iters : 0;
}

static int chan_wake_fields(void *shared, struct bench_field *out, int max)
{
	struct chan_shared *s = shared;
	if (max < 3 || s->lat.n == 0)
		return 0;
	out[0] = (struct bench_field){"wake_p50_ns",
				      latency_quantile(&s->lat, 0.50)};
	out[1] = (struct bench_field){"wake_p99_ns",
				      latency_quantile(&s->lat, 0.99)};
	out[2] = (struct bench_field){"wake_max_ns", (double)s->lat.max};
	return 3;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#define CHAN_IDLE_NS 5000000 /* how long the receiver stays blocked */

CHAN_BODY chan_idle_body(const struct chan_fns *f, void *shared,
			 struct bench_thread *t, uint64_t iters)
{
	struct chan_shared *s = shared;
	uint64_t v = 0, cpu0 = thread_cpu_ns(), t0 = clock_mono_ns();
	struct timespec idle = {0, CHAN_IDLE_NS};
	if (t->tid == 0) {
		for (uint64_t i = 0; i < iters; i++) {
			nanosleep(&idle, NULL);
			f->send(s->a, &i);
		}
		return iters;
	}
	for (uint64_t i = 0; i < iters; i++)
		f->recv(s->a, &v);
	atomic_fetch_add(&s->idle_cpu_ns, thread_cpu_ns() - cpu0);
	atomic_fetch_add(&s->idle_wall_ns, clock_mono_ns() - t0);
	keep(v);
	return 0;
}

static int chan_idle_fields(void *shared, struct bench_field *out, int max)
{
	struct chan_shared *s = shared;
	uint64_t wall = atomic_load(&s->idle_wall_ns);
	if (max < 1 || wall == 0)
		return 0;
	out[0] = (struct bench_field){
		"cpu_ms_per_s",
		1000.0 * (double)atomic_load(&s->idle_cpu_ns) / (double)wall};
	return 1;
}

#define CHAN_REG(IMPL, ID, NAME, PARAMS, ARG, ARG2, FLAGS, MIN, RUN, FIELDS,   \
		 SUMMARY)                                                      \
	BENCH_REGISTER(chan_##IMPL##_##ID, .name = NAME, .impl = #IMPL,        \
		       .params = PARAMS, .arg = ARG, .arg2 = ARG2,             \
		       .flags = FLAGS, .min_threads = MIN, .summary = SUMMARY, \
		       .setup = chan_##IMPL##_setup,                           \
		       .teardown = chan_teardown,                              \
		       .thread_init = chan_thread_init,                        \
		       .thread_fini = chan_thread_fini, .fields = FIELDS,      \
		       .run = chan_##IMPL##_##RUN##_run)

#define CHAN_TPUT(IMPL, CAP, PC, PCN, FLAGS, MIN)                              \
	CHAN_REG(IMPL, tput_##CAP##_##PC, "chan/throughput",                   \
		 "cap=" #CAP ",pc=" #PCN, CAP, PC, FLAGS, MIN, throughput,     \
		 NULL, "producers send, consumers receive on one channel")

/* The quick sweep: pingpong cap=0, throughput cap=1024 1x1, select n=2,
 * buffered, close-broadcast and idle-cost; --full adds the rest. Workloads
 * on unbuffered channels are registered apart: the lock-free ring has no
 * unbuffered form. */
#define CHAN_RUN(IMPL, W)                                                      \
	static uint64_t chan_##IMPL##_##W##_run(                               \
		void *shared, struct bench_thread *t, uint64_t iters)          \
	{                                                                      \
		return chan_##W##_body(&chan_##IMPL##_fns, shared, t, iters);  \
	}

/* IMPL's operations, setup and pingpong (buffered and not) */
#define CHAN_SETUP(IMPL)                                                       \
	CHAN_FNS(IMPL);                                                        \
	static int chan_##IMPL##_setup(const struct bench *b, int nthreads,    \
				       void **shared, struct err *e)           \
	{                                                                      \
		return chan_setup_with(b, nthreads, shared, e,                 \
				       chan_##IMPL##_new);                     \
	}                                                                      \
	CHAN_RUN(IMPL, pingpong)

#define CHAN_TPUT_SIZE(IMPL, SIZE)                                             \
	CHAN_REG(IMPL, tput_1024_s##SIZE, "chan/throughput",                   \
		 "size=" #SIZE ",cap=1024,pc=1x1", 1024, 0,                    \
		 BENCH_PAIR | BENCH_HANDOFF | BENCH_FULL, 0,                   \
		 throughput_payload, NULL,                                     \
		 "producers send, consumers receive on one channel")

#define CHAN_BENCHES_BUFFERED(IMPL)                                            \
	CHAN_RUN(IMPL, throughput)                                             \
	CHAN_RUN(IMPL, throughput_payload)                                     \
	CHAN_RUN(IMPL, select)                                                 \
	CHAN_RUN(IMPL, buffered)                                               \
	CHAN_REG(IMPL, pingpong1, "chan/pingpong", "cap=1", 1, 0,              \
		 BENCH_PAIR | BENCH_HANDOFF | BENCH_FULL, 0, pingpong,         \
		 chan_latency_fields,                                          \
		 "round trip between two threads over two channels");          \
	CHAN_TPUT(IMPL, 1, 0, 1x1, BENCH_PAIR | BENCH_HANDOFF | BENCH_FULL,    \
		  0);                                                          \
	CHAN_TPUT(IMPL, 64, 0, 1x1, BENCH_PAIR | BENCH_HANDOFF | BENCH_FULL,   \
		  0);                                                          \
	CHAN_TPUT(IMPL, 1024, 0, 1x1, BENCH_PAIR | BENCH_HANDOFF, 0);          \
	CHAN_TPUT(IMPL, 64, 1, 1xN, BENCH_FULL, 2);                            \
	CHAN_TPUT(IMPL, 64, 2, Nx1, BENCH_FULL, 2);                            \
	CHAN_TPUT(IMPL, 64, 3, NxN, BENCH_FULL, 2);                            \
	CHAN_TPUT(IMPL, 1, 1, 1xN, BENCH_FULL, 2);                             \
	CHAN_TPUT(IMPL, 1, 2, Nx1, BENCH_FULL, 2);                             \
	CHAN_TPUT(IMPL, 1, 3, NxN, BENCH_FULL, 2);                             \
	CHAN_TPUT(IMPL, 1024, 1, 1xN, BENCH_FULL, 2);                          \
	CHAN_TPUT(IMPL, 1024, 2, Nx1, BENCH_FULL, 2);                          \
	CHAN_TPUT(IMPL, 1024, 3, NxN, BENCH_FULL, 2);                          \
	CHAN_TPUT_SIZE(IMPL, 64);                                              \
	CHAN_TPUT_SIZE(IMPL, 1024);                                            \
	CHAN_REG(IMPL, select2, "chan/select", "n=2", 64, 2, BENCH_TIMED, 0,   \
		 select, NULL,                                                 \
		 "select over n ready channels, send the element back");       \
	CHAN_REG(IMPL, select4, "chan/select", "n=4", 64, 4,                   \
		 BENCH_FULL | BENCH_TIMED, 0, select, NULL,                    \
		 "select over n ready channels, send the element back");       \
	CHAN_REG(IMPL, select16, "chan/select", "n=16", 64, 16,                \
		 BENCH_FULL | BENCH_TIMED, 0, select, NULL,                    \
		 "select over n ready channels, send the element back");       \
	CHAN_REG(IMPL, buffered, "chan/buffered", "cap=64", 64, 0,             \
		 BENCH_TIMED, 0, buffered, NULL,                               \
		 "each thread sends then receives on one shared channel")

#define CHAN_PINGPONG_SIZE(IMPL, SIZE)                                         \
	CHAN_REG(IMPL, pingpong0_s##SIZE, "chan/pingpong",                     \
		 "size=" #SIZE ",cap=0", 0, 0,                                 \
		 BENCH_PAIR | BENCH_HANDOFF | BENCH_FULL, 0, pingpong_payload, \
		 chan_latency_fields,                                          \
		 "round trip between two threads over two channels")

#define CHAN_BENCHES_UNBUFFERED(IMPL)                                          \
	CHAN_RUN(IMPL, broadcast)                                              \
	CHAN_RUN(IMPL, pingpong_payload)                                       \
	CHAN_PINGPONG_SIZE(IMPL, 64);                                          \
	CHAN_PINGPONG_SIZE(IMPL, 1024);                                        \
	CHAN_RUN(IMPL, idle)                                                   \
	CHAN_REG(IMPL, pingpong0, "chan/pingpong", "cap=0", 0, 0,              \
		 BENCH_PAIR | BENCH_HANDOFF, 0, pingpong, chan_latency_fields, \
		 "round trip between two threads over two channels");          \
	CHAN_REG(IMPL, broadcast, "chan/close-broadcast", "", 0, 0, 0, 2,      \
		 broadcast, chan_wake_fields,                                  \
		 "receivers block on a channel; close wakes them all");        \
	CHAN_REG(IMPL, idle, "chan/idle-cost", "", 0, 0, BENCH_PAIR, 0, idle,  \
		 chan_idle_fields,                                             \
		 "a receiver blocked 5 ms per op: its CPU time per second")

/* the unbuffered workloads, where the implementation has capacity 0 */
#define CHAN_IF_UNBUFFERED_1(IMPL) CHAN_BENCHES_UNBUFFERED(IMPL);
#define CHAN_IF_UNBUFFERED_0(IMPL)

#define CHAN_BENCHES(IMPL, UNBUFFERED, MEETS)                                  \
	CHAN_SETUP(IMPL)                                                       \
	CHAN_BENCHES_BUFFERED(IMPL);                                           \
	CHAN_IF_UNBUFFERED_##UNBUFFERED(IMPL)

CHAN_IMPLS(CHAN_BENCHES)
