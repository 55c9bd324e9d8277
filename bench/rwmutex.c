/* rwmutex family: Go's sync.RWMutex — what readers and writers pay, and
 * whether a writer gets in at all.
 *
 * rwmutex/uncontended (op=read|write): every thread has its own lock and
 * data (first-touched on its CPU), so this is the fast path alone: rlock,
 * sum one line, runlock; or lock, bump one word, unlock.
 * rwmutex/read-ratio (read=N,lines=C): each thread reads or writes one
 * shared lock's data, the read share N percent; a read sums the 8 words of
 * each of C cache lines, a write bumps one word in each. Writes are spread
 * evenly: op i of a thread writes when (i + 37 tid) mod 100 >= N. With
 * read=100 the data lines are shared by every core and only the lock's own
 * bookkeeping can make readers contend: a lock that counts readers in one
 * word turns every read into a cache-line transfer, which this row exposes
 * as threads grow; a reader-scalable lock (bravo, ck_brlock) does not.
 * rwmutex/writer-wait (2 threads or more): thread 0 takes the lock for writing
 * `iters` times, back to back, timing each acquisition; every other thread
 * reads in a loop until the writer is done (or has read 100 x iters times, so
 * that a starved writer still ends the sample). An op is one read or one write
 * of any thread; the result fields writer_p50_ns, writer_p99_ns and
 * writer_max_ns are the writer's acquisition latencies in the last sample
 * (clock read included, ~20 ns). A reader-preferring lock lets overlapping
 * readers hold it continuously, so its writer waits far longer: starvation
 * shows in p99/max from 3 threads on (with 2 threads the lone reader's
 * sections never overlap).
 * rwmutex/sections (read=N,cs=NS,ps=NS; --full): read-ratio's mix on one
 * line with busy work of cs ns inside the lock (shared or exclusive) and
 * ps ns after it (bench/sections.h): fields ideal_ns_per_op (Amdahl's
 * bound: the writes' critical sections serialised, the reads' overlapping)
 * and, from the runner, overhead_ns_per_op.
 * Each implementation of rwmutex_impls.h gets its own copy of the loops
 * (RWMUTEX_BENCHES) so that its static inline ops are inlined.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "clock.h"
#include "latency.h"
#include "rwmutex_impls.h"
#include "sections.h"

#define RWMUTEX_LINES	 8
#define RWMUTEX_READ_CAP 100 /* reads per writer op before readers stop */

/* The writer's acquisition latencies (16 buckets per power of two). */
static int rwmutex_hist_fields(const struct latency_hist_fine *h,
			       struct bench_field *out, int max)
{
	if (max < 3 || h->n == 0)
		return 0;
	out[0] = (struct bench_field){"writer_p50_ns",
				      latency_fine_quantile(h, 0.50)};
	out[1] = (struct bench_field){"writer_p99_ns",
				      latency_fine_quantile(h, 0.99)};
	out[2] = (struct bench_field){"writer_max_ns", (double)h->max};
	return 3;
}

#define RWMUTEX_BENCHES(IMPL)                                                  \
	struct rwmutex_##IMPL##_shared {                                       \
		_Alignas(CACHE_LINE) struct rwmutex_##IMPL l;                  \
		_Alignas(CACHE_LINE) uint64_t data[RWMUTEX_LINES][8];          \
		/* writer-wait: bumped when the writer is done */              \
		_Alignas(CACHE_LINE) _Atomic uint64_t writer_done;             \
		struct latency_hist_fine hist; /* the writer's only */         \
		struct sections sec;	       /* rwmutex/sections only */     \
	};                                                                     \
                                                                               \
	/* uncontended: the thread's own lock and line */                      \
	struct rwmutex_##IMPL##_local {                                        \
		_Alignas(CACHE_LINE) struct rwmutex_##IMPL l;                  \
		_Alignas(CACHE_LINE) uint64_t data[8];                         \
	};                                                                     \
                                                                               \
	static int rwmutex_##IMPL##_setup(const struct bench *b, int nthreads, \
					  void **shared, struct err *e)        \
	{                                                                      \
		struct rwmutex_##IMPL##_shared *s;                             \
		(void)b;                                                       \
		(void)nthreads;                                                \
		s = aligned_alloc(CACHE_LINE, sizeof(*s));                     \
		if (!s)                                                        \
			return err_set(e, "rwmutex: out of memory");           \
		memset(s, 0, sizeof(*s));                                      \
		for (int c = 0; c < RWMUTEX_LINES; c++)                        \
			for (int w = 0; w < 8; w++)                            \
				s->data[c][w] = (uint64_t)w;                   \
		atomic_init(&s->writer_done, 0);                               \
		if (!strcmp(b->name, "rwmutex/sections") &&                    \
		    sections_init(&s->sec, b, nthreads, 1, e) != 0) {          \
			free(s);                                               \
			return -1;                                             \
		}                                                              \
		if (rwmutex_##IMPL##_init(&s->l) != 0) {                       \
			free(s);                                               \
			return err_set(e, "rwmutex: init failed");             \
		}                                                              \
		*shared = s;                                                   \
		return 0;                                                      \
	}                                                                      \
                                                                               \
	static void rwmutex_##IMPL##_teardown(void *shared)                    \
	{                                                                      \
		struct rwmutex_##IMPL##_shared *s = shared;                    \
		rwmutex_##IMPL##_destroy(&s->l);                               \
		free(s);                                                       \
	}                                                                      \
                                                                               \
	static int rwmutex_##IMPL##_thread_init(void *shared, int tid,         \
						void **local, struct err *e)   \
	{                                                                      \
		struct rwmutex_##IMPL##_local *l;                              \
		(void)shared;                                                  \
		(void)tid;                                                     \
		l = aligned_alloc(CACHE_LINE, sizeof(*l));                     \
		if (!l)                                                        \
			return err_set(e, "rwmutex: out of memory");           \
		memset(l, 0, sizeof(*l));                                      \
		if (rwmutex_##IMPL##_init(&l->l) != 0) {                       \
			free(l);                                               \
			return err_set(e, "rwmutex: init failed");             \
		}                                                              \
		*local = l;                                                    \
		return 0;                                                      \
	}                                                                      \
                                                                               \
	static void rwmutex_##IMPL##_thread_fini(void *shared, void *local)    \
	{                                                                      \
		struct rwmutex_##IMPL##_local *l = local;                      \
		struct rwmutex_##IMPL##_shared *s = shared;                    \
		if (s->sec.on) /* rwmutex/sections */                          \
			sections_check(&s->sec);                               \
		rwmutex_##IMPL##_destroy(&l->l);                               \
		free(l);                                                       \
	}                                                                      \
                                                                               \
	static uint64_t rwmutex_##IMPL##_uncontended_run(                      \
		void *shared, struct bench_thread *t, uint64_t iters)          \
	{                                                                      \
		struct rwmutex_##IMPL##_local *l = t->local;                   \
		uint64_t sum = 0;                                              \
		(void)shared;                                                  \
		if (t->bench->arg) { /* op=read */                             \
			for (uint64_t i = 0; i < iters; i++) {                 \
				rwmutex_##IMPL##_rlock(&l->l);                 \
				for (int w = 0; w < 8; w++)                    \
					sum += l->data[w];                     \
				rwmutex_##IMPL##_runlock(&l->l);               \
			}                                                      \
		} else {                                                       \
			for (uint64_t i = 0; i < iters; i++) {                 \
				rwmutex_##IMPL##_lock(&l->l);                  \
				l->data[i & 7]++;                              \
				rwmutex_##IMPL##_unlock(&l->l);                \
			}                                                      \
		}                                                              \
		keep(sum);                                                     \
		return iters;                                                  \
	}                                                                      \
                                                                               \
	static uint64_t rwmutex_##IMPL##_ratio_run(                            \
		void *shared, struct bench_thread *t, uint64_t iters)          \
	{                                                                      \
		struct rwmutex_##IMPL##_shared *s = shared;                    \
		uint64_t sum = 0;                                              \
		unsigned read = (unsigned)t->bench->arg;                       \
		int lines = (int)t->bench->arg2;                               \
		unsigned phase = (unsigned)t->tid * 37u % 100u;                \
		for (uint64_t i = 0; i < iters; i++) {                         \
			if (++phase == 100)                                    \
				phase = 0;                                     \
			if (phase < read) {                                    \
				rwmutex_##IMPL##_rlock(&s->l);                 \
				for (int c = 0; c < lines; c++)                \
					for (int w = 0; w < 8; w++)            \
						sum += s->data[c][w];          \
				rwmutex_##IMPL##_runlock(&s->l);               \
			} else {                                               \
				rwmutex_##IMPL##_lock(&s->l);                  \
				for (int c = 0; c < lines; c++)                \
					s->data[c][i & 7]++;                   \
				rwmutex_##IMPL##_unlock(&s->l);                \
			}                                                      \
		}                                                              \
		keep(sum);                                                     \
		return iters;                                                  \
	}                                                                      \
                                                                               \
	static uint64_t rwmutex_##IMPL##_sections_run(                         \
		void *shared, struct bench_thread *t, uint64_t iters)          \
	{                                                                      \
		struct rwmutex_##IMPL##_shared *s = shared;                    \
		uint64_t sum = 0, x = (uint64_t)t->tid;                        \
		uint64_t cs = s->sec.cs_units, ps = s->sec.ps_units;           \
		unsigned read = s->sec.read;                                   \
		unsigned phase = (unsigned)t->tid * 37u % 100u;                \
		for (uint64_t i = 0; i < iters; i++) {                         \
			if (++phase == 100)                                    \
				phase = 0;                                     \
			if (phase < read) {                                    \
				rwmutex_##IMPL##_rlock(&s->l);                 \
				SECTION_KEEP_INSIDE(x);                        \
				for (int w = 0; w < 8; w++)                    \
					sum += s->data[0][w];                  \
				x = busy_units(cs, x);                         \
				SECTION_KEEP_INSIDE(x);                        \
				rwmutex_##IMPL##_runlock(&s->l);               \
			} else {                                               \
				rwmutex_##IMPL##_lock(&s->l);                  \
				SECTION_KEEP_INSIDE(x);                        \
				s->data[0][i & 7]++;                           \
				x = busy_units(cs, x);                         \
				SECTION_KEEP_INSIDE(x);                        \
				rwmutex_##IMPL##_unlock(&s->l);                \
			}                                                      \
			x = busy_units(ps, x);                                 \
		}                                                              \
		sections_sink(&s->sec, x);                                     \
		keep(sum);                                                     \
		return iters;                                                  \
	}                                                                      \
                                                                               \
	static int rwmutex_##IMPL##_sections_fields(                           \
		void *shared, struct bench_field *out, int max)                \
	{                                                                      \
		struct rwmutex_##IMPL##_shared *s = shared;                    \
		return sections_fields(&s->sec, out, max);                     \
	}                                                                      \
                                                                               \
	/* Readers stop when writer_done moves past the value it had when      \
	 * they started: the runner's barrier orders the previous sample's     \
	 * bump before this sample's start. Relaxed loads: only a stop hint.   \
	 */                                                                    \
	static uint64_t rwmutex_##IMPL##_writer_wait_run(                      \
		void *shared, struct bench_thread *t, uint64_t iters)          \
	{                                                                      \
		struct rwmutex_##IMPL##_shared *s = shared;                    \
		uint64_t sum = 0, n = 0;                                       \
		if (t->tid == 0) {                                             \
			latency_fine_reset(&s->hist);                          \
			for (uint64_t i = 0; i < iters; i++) {                 \
				uint64_t t0 = clock_mono_ns(), d;              \
				rwmutex_##IMPL##_lock(&s->l);                  \
				d = clock_mono_ns() - t0;                      \
				s->data[0][i & 7]++;                           \
				rwmutex_##IMPL##_unlock(&s->l);                \
				latency_fine_record(&s->hist, d);              \
			}                                                      \
			atomic_fetch_add_explicit(&s->writer_done, 1,          \
						  memory_order_relaxed);       \
			return iters;                                          \
		}                                                              \
		uint64_t gen = atomic_load_explicit(&s->writer_done,           \
						    memory_order_relaxed);     \
		uint64_t cap = iters * RWMUTEX_READ_CAP;                       \
		while (n < cap &&                                              \
		       atomic_load_explicit(&s->writer_done,                   \
					    memory_order_relaxed) == gen) {    \
			rwmutex_##IMPL##_rlock(&s->l);                         \
			for (int w = 0; w < 8; w++)                            \
				sum += s->data[0][w];                          \
			rwmutex_##IMPL##_runlock(&s->l);                       \
			n++;                                                   \
		}                                                              \
		keep(sum);                                                     \
		return n;                                                      \
	}                                                                      \
                                                                               \
	static int rwmutex_##IMPL##_fields(void *shared,                       \
					   struct bench_field *out, int max)   \
	{                                                                      \
		struct rwmutex_##IMPL##_shared *s = shared;                    \
		return rwmutex_hist_fields(&s->hist, out, max);                \
	}

#define RWMUTEX_REG(IMPL, WL, ID, NAME, PARAMS, ARG, ARG2, FLAGS, MIN,         \
		    SUMMARY)                                                   \
	BENCH_REGISTER(rwmutex_##IMPL##_##ID, .name = NAME, .impl = #IMPL,     \
		       .params = PARAMS, .arg = ARG, .arg2 = ARG2,             \
		       .flags = FLAGS, .min_threads = MIN, .summary = SUMMARY, \
		       .setup = rwmutex_##IMPL##_setup,                        \
		       .teardown = rwmutex_##IMPL##_teardown,                  \
		       .thread_init = rwmutex_##IMPL##_thread_init,            \
		       .thread_fini = rwmutex_##IMPL##_thread_fini,            \
		       .fields = rwmutex_##IMPL##_fields,                      \
		       .run = rwmutex_##IMPL##_##WL##_run)

/* READ and CS are its numbers (.arg, .arg2: the list's order) */
#define RWMUTEX_SECTIONS(IMPL, READ, CS, PS, SUMMARY)                          \
	BENCH_REGISTER(                                                        \
		rwmutex_##IMPL##_sec_##READ##_##CS##_##PS,                     \
		.name = "rwmutex/sections", .impl = #IMPL,                     \
		.params = "read=" #READ ",cs=" #CS ",ps=" #PS, .arg = READ,    \
		.arg2 = CS, .flags = BENCH_TIMED | BENCH_FULL,                 \
		.summary = "read-ratio with busy work inside and after "       \
			   "the lock (" SUMMARY ")",                           \
		.setup = rwmutex_##IMPL##_setup,                               \
		.teardown = rwmutex_##IMPL##_teardown,                         \
		.thread_init = rwmutex_##IMPL##_thread_init,                   \
		.thread_fini = rwmutex_##IMPL##_thread_fini,                   \
		.fields = rwmutex_##IMPL##_sections_fields,                    \
		.run = rwmutex_##IMPL##_sections_run)

#define RWMUTEX_RATIO(IMPL, READ, LINES, FLAGS, SUMMARY)                       \
	RWMUTEX_REG(IMPL, ratio, r##READ##_l##LINES, "rwmutex/read-ratio",     \
		    "read=" #READ ",lines=" #LINES, READ, LINES,               \
		    (FLAGS) | BENCH_TIMED, 0,                                  \
		    "reads (sum the lines) and writes (bump a word in each) "  \
		    "under one lock, read share in percent (" SUMMARY ")")

/* The quick sweep runs op=read of uncontended (op=write, which is
 * mutex/uncontended's question, under --full) and read=100 and read=90
 * with lines=1; --full adds read=99, 50 and 0 and lines=8. writer-wait
 * needs a reader: 2 threads at least. */
#define RWMUTEX_REGISTER_ALL(IMPL, SUMMARY)                                    \
	RWMUTEX_REG(IMPL, uncontended, unc_read, "rwmutex/uncontended",        \
		    "op=read", 1, 0, 0, 0,                                     \
		    "rlock, sum a line, runlock; a lock per thread (" SUMMARY  \
		    ")");                                                      \
	RWMUTEX_REG(IMPL, uncontended, unc_write, "rwmutex/uncontended",       \
		    "op=write", 0, 0, BENCH_FULL, 0,                           \
		    "lock, bump a word, unlock; a lock per thread (" SUMMARY   \
		    ")");                                                      \
	RWMUTEX_RATIO(IMPL, 100, 1, 0, SUMMARY);                               \
	RWMUTEX_RATIO(IMPL, 99, 1, BENCH_FULL, SUMMARY);                       \
	RWMUTEX_RATIO(IMPL, 90, 1, 0, SUMMARY);                                \
	RWMUTEX_RATIO(IMPL, 50, 1, BENCH_FULL, SUMMARY);                       \
	RWMUTEX_RATIO(IMPL, 0, 1, BENCH_FULL, SUMMARY);                        \
	RWMUTEX_RATIO(IMPL, 100, 8, BENCH_FULL, SUMMARY);                      \
	RWMUTEX_RATIO(IMPL, 99, 8, BENCH_FULL, SUMMARY);                       \
	RWMUTEX_RATIO(IMPL, 90, 8, BENCH_FULL, SUMMARY);                       \
	RWMUTEX_RATIO(IMPL, 50, 8, BENCH_FULL, SUMMARY);                       \
	RWMUTEX_RATIO(IMPL, 0, 8, BENCH_FULL, SUMMARY);                        \
	RWMUTEX_SECTIONS(IMPL, 90, 100, 0, SUMMARY);                           \
	RWMUTEX_SECTIONS(IMPL, 90, 100, 500, SUMMARY);                         \
	RWMUTEX_SECTIONS(IMPL, 99, 1000, 0, SUMMARY);                          \
	RWMUTEX_REG(IMPL, writer_wait, ww, "rwmutex/writer-wait", "", 0, 0, 0, \
		    2,                                                         \
		    "thread 0 writes back to back, the rest read until it is " \
		    "done; op = a read or a write; fields: the writer's "      \
		    "acquisition latency p50/p99/max ns (" SUMMARY ")")

/* One implementation's loops and rows, as RWMUTEX_IMPLS lists them. */
#define RWMUTEX_ALL(IMPL, SUMMARY, WRITER_BOUNDED)                             \
	RWMUTEX_BENCHES(IMPL)                                                  \
	RWMUTEX_REGISTER_ALL(IMPL, SUMMARY);

RWMUTEX_IMPLS(RWMUTEX_ALL)
