/* rwmutex/read-ratio: each thread reads or writes under the lock, with the
 * read share given by read=N (percent). A read sums the 8 words of one shared
 * cache line; a write increments one of them. With read=100 the data line is
 * shared by all cores and only the lock's own bookkeeping can make readers
 * contend: a lock that counts readers in one word turns every read into a
 * cache-line transfer, which is what this row exposes as threads grow.
 * Writes are spread evenly: op i of a thread writes when i mod 100 >= N.
 */
#include <stdlib.h>

#include "bench.h"
#include "rwmutex_pthread.h"

#define RWMUTEX_BENCH_RATIO(IMPL, READ, SUMMARY)                               \
	static uint64_t rwmutex_##IMPL##_r##READ##_run(                        \
		void *shared, struct bench_thread *t, uint64_t iters)          \
	{                                                                      \
		struct rwmutex_##IMPL##_shared *s = shared;                    \
		uint64_t sum = 0;                                              \
		unsigned phase = (unsigned)t->tid * 37u % 100u;                \
		for (uint64_t i = 0; i < iters; i++) {                         \
			if (++phase == 100)                                    \
				phase = 0;                                     \
			if (phase < (READ)) {                                  \
				rwmutex_##IMPL##_rlock(&s->l);                 \
				for (int w = 0; w < 8; w++)                    \
					sum += s->data[w];                     \
				rwmutex_##IMPL##_runlock(&s->l);               \
			} else {                                               \
				rwmutex_##IMPL##_lock(&s->l);                  \
				s->data[i & 7]++;                              \
				rwmutex_##IMPL##_unlock(&s->l);                \
			}                                                      \
		}                                                              \
		keep(sum);                                                     \
		return iters;                                                  \
	}                                                                      \
	BENCH_REGISTER(rwmutex_##IMPL##_r##READ, .name = "rwmutex/read-ratio", \
		       .impl = #IMPL, .params = "read=" #READ, .arg = READ,    \
		       .summary = "reads (sum one line) and writes under the " \
				  "lock, read share in percent (" SUMMARY ")", \
		       .setup = rwmutex_##IMPL##_setup,                        \
		       .teardown = rwmutex_##IMPL##_teardown,                  \
		       .run = rwmutex_##IMPL##_r##READ##_run)

#define RWMUTEX_BENCHES(IMPL, SUMMARY)                                         \
	struct rwmutex_##IMPL##_shared {                                       \
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
		for (int w = 0; w < 8; w++)                                    \
			s->data[w] = (uint64_t)w;                              \
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
	RWMUTEX_BENCH_RATIO(IMPL, 100, SUMMARY);                               \
	RWMUTEX_BENCH_RATIO(IMPL, 90, SUMMARY)

RWMUTEX_BENCHES(pthread, "pthread_rwlock_t");
