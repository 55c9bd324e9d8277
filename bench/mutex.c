/* mutex/lock: every thread locks, bumps a counter in one shared cache line,
 * unlocks (the counter lives in memory the unlock publishes, so the
 * compiler cannot drop the increments). At one thread this is the uncontended
 * fast path; with more, the lock word and the counter's line move between cores
 * on every op, and a sleeping lock adds futex waits and wake-ups (context
 * switches per op in the counter table say how often that happened).
 */
#include <stdlib.h>

#include "bench.h"
#include "mutex_pthread.h"

#define MUTEX_BENCHES(IMPL, SUMMARY)                                           \
	struct mutex_##IMPL##_shared {                                         \
		_Alignas(CACHE_LINE) struct mutex_##IMPL m;                    \
		_Alignas(CACHE_LINE) uint64_t counter;                         \
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
		s->counter = 0;                                                \
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
		(void)t;                                                       \
		for (uint64_t i = 0; i < iters; i++) {                         \
			mutex_##IMPL##_lock(&s->m);                            \
			s->counter++;                                          \
			mutex_##IMPL##_unlock(&s->m);                          \
		}                                                              \
		return iters;                                                  \
	}                                                                      \
                                                                               \
	BENCH_REGISTER(mutex_##IMPL##_lock_bench, .name = "mutex/lock",        \
		       .impl = #IMPL, .params = "",                            \
		       .summary =                                              \
			       "lock, bump a shared counter, unlock (" SUMMARY \
			       ")",                                            \
		       .setup = mutex_##IMPL##_setup,                          \
		       .teardown = mutex_##IMPL##_teardown,                    \
		       .run = mutex_##IMPL##_lock_run)

MUTEX_BENCHES(pthread, "pthread_mutex_t");
