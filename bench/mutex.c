/* mutex family: Go's sync.Mutex, and the locks it is built from.
 *
 * mutex/uncontended: one thread locks, bumps a counter, unlocks: the fast
 * path alone (one or two atomic RMWs on a line that never leaves the core);
 * runs at 1 thread only.
 *
 * mutex/lock: every thread locks, bumps a counter in one shared cache line,
 * notes whether it took the lock from another thread (handovers_per_op: 1
 * when threads strictly alternate, as a FIFO lock makes them; near 0 when
 * one re-takes the lock many times in a row, which an unfair lock allows
 * and which saves the line transfers), unlocks (the counter lives in
 * memory the unlock publishes, so the
 * compiler cannot drop the increments). At one thread this is the
 * uncontended path again; with more, the lock word and the counter's line
 * move between cores on every op, and a sleeping lock adds futex waits and
 * wake-ups (context switches per op in the counter table say how often that
 * happened). Unfair locks look good here: one thread may keep the lock for
 * many ops while the line stays in its cache.
 *
 * mutex/handoff: two threads alternate ownership: each locks, reads a shared
 * turn under the lock and, when the turn is its own, passes it to the other
 * thread; an op is one transfer. Unfairness cannot help here: every op
 * moves the lock and the data from one CPU to the other, so compare with
 * c2c/pingpong of the same placement (one round trip, i.e. two transfers, is
 * the floor of two ops). Each thread makes exactly iters transfers per
 * sample, so both finish every sample and the turn is back at thread 0.
 * Every 64th pass is timed, from the passer's clock read under the lock to
 * the taker's under the lock once it sees the turn (the unlock, the
 * taker's acquisition, its polling and, for a sleeping lock, the wake-up):
 * fields handoff_p50_ns, handoff_p99_ns, handoff_max_ns, warm-up included.
 *
 * mutex/sections (cs=NS,ps=NS): mutex/lock with busy work of cs ns inside
 * the lock and ps ns after it (lockhammer's -c and -p; the work is a
 * measured unit of arithmetic, common/busywork.h). Field ideal_ns_per_op
 * is Amdahl's bound for T threads, max(cs, (cs + ps) / T): the lock
 * serialises the critical sections, the parallel ones overlap; the runner
 * adds overhead_ns_per_op, ns/op minus that bound: what the lock itself
 * costs once the sections are accounted for (its fast path, its hand-overs
 * and the lost overlap of a thread waiting where it could have worked).
 * handovers_per_op as in mutex/lock.
 *
 * Each implementation of mutex_impls.h gets its own copy of the loops
 * (MUTEX_BENCHES) so its static inline lock and unlock are inlined.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "clock.h"
#include "latency.h"
#include "mutex_impls.h"
#include "sections.h"
#include "spin.h"

/* Failed turn checks before a waiting handoff thread yields its CPU, so two
 * threads forced onto one CPU (placement none, oversubscribed) still make
 * progress; never reached when each has its own CPU. */
#define MUTEX_HANDOFF_YIELD (1u << 16)

/* Under the lock, on a pass of the turn: the pass timed before this one
 * ends here (the taker sees its turn), and every 64th pass starts one, but
 * not a thread's last of the sample (its taker's first would come after
 * the runner's work between samples: milliseconds). The lock orders the
 * two clock reads and the histogram's updates. */
static void mutex_handoff_time(struct latency_hist_fine *h, uint64_t *passes,
			       uint64_t *stamp, int last)
{
	if (*stamp) {
		latency_fine_record(h, clock_mono_ns() - *stamp);
		*stamp = 0;
	}
	if ((++*passes & 63) == 0 && !last)
		*stamp = clock_mono_ns();
}

static int mutex_handoff_fields(const struct latency_hist_fine *h,
				struct bench_field *out, int max)
{
	if (max < 3 || h->n == 0)
		return 0;
	out[0] = (struct bench_field){"handoff_p50_ns",
				      latency_fine_quantile(h, 0.50)};
	out[1] = (struct bench_field){"handoff_p99_ns",
				      latency_fine_quantile(h, 0.99)};
	out[2] = (struct bench_field){"handoff_max_ns", (double)h->max};
	return 3;
}

/* CS and PS are the params' numbers too (.arg, .arg2): the list sorts by
 * them, and the rows of one case stay together */
#define MUTEX_SECTIONS(IMPL, SUMMARY, CS, PS, FLAGS)                           \
	BENCH_REGISTER(mutex_##IMPL##_sections_##CS##_##PS##_bench,            \
		       .name = "mutex/sections", .impl = #IMPL,                \
		       .params = "cs=" #CS ",ps=" #PS, .arg = CS, .arg2 = PS,  \
		       .flags = BENCH_TIMED | (FLAGS),                         \
		       .summary = "mutex/lock with busy work inside and "      \
				  "after the lock (" SUMMARY ")",              \
		       .setup = mutex_##IMPL##_setup,                          \
		       .teardown = mutex_##IMPL##_teardown,                    \
		       .thread_fini = mutex_##IMPL##_sections_fini,            \
		       .fields = mutex_##IMPL##_sections_fields,               \
		       .run = mutex_##IMPL##_sections_run)

#define MUTEX_BENCHES(IMPL, SUMMARY, FAIR_SPIN)                                \
	struct mutex_##IMPL##_shared {                                         \
		_Alignas(CACHE_LINE) struct mutex_##IMPL m;                    \
		/* the data the lock guards, in a line of its own */           \
		_Alignas(CACHE_LINE) uint64_t counter;                         \
		uint64_t handovers; /* acquisitions by another thread */       \
		int owner, turn;                                               \
		uint64_t passes, stamp; /* handoff: the timed pass's clock */  \
		struct latency_hist_fine hand;                                 \
		struct sections sec; /* mutex/sections only */                 \
	};                                                                     \
                                                                               \
	static int mutex_##IMPL##_setup(const struct bench *b, int nthreads,   \
					void **shared, struct err *e)          \
	{                                                                      \
		struct mutex_##IMPL##_shared *s;                               \
		s = aligned_alloc(CACHE_LINE, sizeof(*s));                     \
		if (!s)                                                        \
			return err_set(e, "mutex: out of memory");             \
		s->counter = s->handovers = s->passes = s->stamp = 0;          \
		memset(&s->sec, 0, sizeof(s->sec));                            \
		s->owner = s->turn = 0;                                        \
		latency_fine_reset(&s->hand);                                  \
		if (!strcmp(b->name, "mutex/sections") &&                      \
		    sections_init(&s->sec, b, nthreads, 0, e) != 0) {          \
			free(s);                                               \
			return -1;                                             \
		}                                                              \
		if (mutex_##IMPL##_init(&s->m) != 0) {                         \
			free(s);                                               \
			return err_set(e, "mutex: init failed");               \
		}                                                              \
		*shared = s;                                                   \
		return 0;                                                      \
	}                                                                      \
                                                                               \
	static void mutex_##IMPL##_teardown(void *shared)                      \
	{                                                                      \
		struct mutex_##IMPL##_shared *s = shared;                      \
		mutex_##IMPL##_destroy(&s->m);                                 \
		free(s);                                                       \
	}                                                                      \
                                                                               \
	static uint64_t mutex_##IMPL##_lock_run(                               \
		void *shared, struct bench_thread *t, uint64_t iters)          \
	{                                                                      \
		struct mutex_##IMPL##_shared *s = shared;                      \
		for (uint64_t i = 0; i < iters; i++) {                         \
			mutex_##IMPL##_lock(&s->m);                            \
			s->counter++;                                          \
			if (s->owner != t->tid) {                              \
				s->owner = t->tid;                             \
				s->handovers++;                                \
			}                                                      \
			mutex_##IMPL##_unlock(&s->m);                          \
		}                                                              \
		return iters;                                                  \
	}                                                                      \
                                                                               \
	static int mutex_##IMPL##_fields(void *shared,                         \
					 struct bench_field *out, int max)     \
	{                                                                      \
		struct mutex_##IMPL##_shared *s = shared;                      \
		if (max < 1 || !s->counter)                                    \
			return 0;                                              \
		out[0] = (struct bench_field){"handovers_per_op",              \
					      (double)s->handovers /           \
						      (double)s->counter};     \
		return 1;                                                      \
	}                                                                      \
                                                                               \
	static uint64_t mutex_##IMPL##_sections_run(                           \
		void *shared, struct bench_thread *t, uint64_t iters)          \
	{                                                                      \
		struct mutex_##IMPL##_shared *s = shared;                      \
		uint64_t cs = s->sec.cs_units, ps = s->sec.ps_units;           \
		uint64_t x = (uint64_t)t->tid;                                 \
		for (uint64_t i = 0; i < iters; i++) {                         \
			mutex_##IMPL##_lock(&s->m);                            \
			SECTION_KEEP_INSIDE(x);                                \
			s->counter++;                                          \
			if (s->owner != t->tid) {                              \
				s->owner = t->tid;                             \
				s->handovers++;                                \
			}                                                      \
			x = busy_units(cs, x);                                 \
			SECTION_KEEP_INSIDE(x);                                \
			mutex_##IMPL##_unlock(&s->m);                          \
			x = busy_units(ps, x);                                 \
		}                                                              \
		sections_sink(&s->sec, x);                                     \
		return iters;                                                  \
	}                                                                      \
                                                                               \
	static void mutex_##IMPL##_sections_fini(void *shared, void *local)    \
	{                                                                      \
		struct mutex_##IMPL##_shared *s = shared;                      \
		(void)local;                                                   \
		sections_check(&s->sec);                                       \
	}                                                                      \
                                                                               \
	static int mutex_##IMPL##_sections_fields(                             \
		void *shared, struct bench_field *out, int max)                \
	{                                                                      \
		struct mutex_##IMPL##_shared *s = shared;                      \
		int n = mutex_##IMPL##_fields(shared, out, max);               \
		return n + sections_fields(&s->sec, out + n, max - n);         \
	}                                                                      \
                                                                               \
	static int mutex_##IMPL##_handoff_fields(                              \
		void *shared, struct bench_field *out, int max)                \
	{                                                                      \
		struct mutex_##IMPL##_shared *s = shared;                      \
		return mutex_handoff_fields(&s->hand, out, max);               \
	}                                                                      \
                                                                               \
	static uint64_t mutex_##IMPL##_handoff_run(                            \
		void *shared, struct bench_thread *t, uint64_t iters)          \
	{                                                                      \
		struct mutex_##IMPL##_shared *s = shared;                      \
		int me = t->tid, other = !t->tid;                              \
		unsigned misses = 0;                                           \
		for (uint64_t done = 0; done < iters;) {                       \
			int mine;                                              \
			mutex_##IMPL##_lock(&s->m);                            \
			mine = s->turn == me;                                  \
			if (mine) {                                            \
				s->turn = other;                               \
				mutex_handoff_time(&s->hand, &s->passes,       \
						   &s->stamp,                  \
						   done + 1 == iters);         \
			}                                                      \
			mutex_##IMPL##_unlock(&s->m);                          \
			if (mine) {                                            \
				done++;                                        \
				continue;                                      \
			}                                                      \
			spin_pause();                                          \
			if (++misses == MUTEX_HANDOFF_YIELD) {                 \
				misses = 0;                                    \
				sched_yield();                                 \
			}                                                      \
		}                                                              \
		return iters;                                                  \
	}                                                                      \
                                                                               \
	BENCH_REGISTER(mutex_##IMPL##_uncontended_bench,                       \
		       .name = "mutex/uncontended", .impl = #IMPL,             \
		       .params = "", .flags = BENCH_SINGLE,                    \
		       .summary = "one thread: lock, bump a counter, "         \
				  "unlock (" SUMMARY ")",                      \
		       .setup = mutex_##IMPL##_setup,                          \
		       .teardown = mutex_##IMPL##_teardown,                    \
		       .run = mutex_##IMPL##_lock_run);                        \
	BENCH_REGISTER(mutex_##IMPL##_lock_bench, .name = "mutex/lock",        \
		       .impl = #IMPL, .params = "", .flags = BENCH_TIMED,      \
		       .summary =                                              \
			       "lock, bump a shared counter, unlock (" SUMMARY \
			       ")",                                            \
		       .setup = mutex_##IMPL##_setup,                          \
		       .teardown = mutex_##IMPL##_teardown,                    \
		       .fields = mutex_##IMPL##_fields,                        \
		       .run = mutex_##IMPL##_lock_run);                        \
	MUTEX_SECTIONS(IMPL, SUMMARY, 100, 0, 0);                              \
	MUTEX_SECTIONS(IMPL, SUMMARY, 100, 500, 0);                            \
	MUTEX_SECTIONS(IMPL, SUMMARY, 0, 500, BENCH_FULL);                     \
	MUTEX_SECTIONS(IMPL, SUMMARY, 1000, 0, BENCH_FULL);                    \
	MUTEX_SECTIONS(IMPL, SUMMARY, 1000, 5000, BENCH_FULL);                 \
	BENCH_REGISTER(mutex_##IMPL##_handoff_bench, .name = "mutex/handoff",  \
		       .impl = #IMPL, .params = "",                            \
		       .flags = BENCH_PAIR | BENCH_HANDOFF,                    \
		       .fields = mutex_##IMPL##_handoff_fields,                \
		       .summary = "two threads pass the lock back and forth; " \
				  "an op is one transfer (" SUMMARY ")",       \
		       .setup = mutex_##IMPL##_setup,                          \
		       .teardown = mutex_##IMPL##_teardown,                    \
		       .run = mutex_##IMPL##_handoff_run);

MUTEX_IMPLS(MUTEX_BENCHES)
