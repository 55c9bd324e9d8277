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
 *
 * Each implementation of mutex_impls.h gets its own copy of the loops
 * (MUTEX_BENCHES) so its static inline lock and unlock are inlined.
 */
#include <sched.h>
#include <stdlib.h>

#include "bench.h"
#include "mutex_impls.h"
#include "spin.h"

/* Failed turn checks before a waiting handoff thread yields its CPU, so two
 * threads forced onto one CPU (placement none, oversubscribed) still make
 * progress; never reached when each has its own CPU. */
#define MUTEX_HANDOFF_YIELD (1u << 16)

#define MUTEX_BENCHES(IMPL, SUMMARY, FAIR_SPIN)                                \
	struct mutex_##IMPL##_shared {                                         \
		_Alignas(CACHE_LINE) struct mutex_##IMPL m;                    \
		/* the data the lock guards, in a line of its own */           \
		_Alignas(CACHE_LINE) uint64_t counter;                         \
		uint64_t handovers; /* acquisitions by another thread */       \
		int owner, turn;                                               \
	};                                                                     \
                                                                               \
	static int mutex_##IMPL##_setup(const struct bench *b, int nthreads,   \
					void **shared, struct err *e)          \
	{                                                                      \
		struct mutex_##IMPL##_shared *s;                               \
		(void)b;                                                       \
		(void)nthreads;                                                \
		s = aligned_alloc(CACHE_LINE, sizeof(*s));                     \
		if (!s)                                                        \
			return err_set(e, "mutex: out of memory");             \
		s->counter = s->handovers = 0;                                 \
		s->owner = s->turn = 0;                                        \
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
			if (mine)                                              \
				s->turn = other;                               \
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
	BENCH_REGISTER(mutex_##IMPL##_handoff_bench, .name = "mutex/handoff",  \
		       .impl = #IMPL, .params = "",                            \
		       .flags = BENCH_PAIR | BENCH_HANDOFF,                    \
		       .summary = "two threads pass the lock back and forth; " \
				  "an op is one transfer (" SUMMARY ")",       \
		       .setup = mutex_##IMPL##_setup,                          \
		       .teardown = mutex_##IMPL##_teardown,                    \
		       .run = mutex_##IMPL##_handoff_run);

MUTEX_IMPLS(MUTEX_BENCHES)
