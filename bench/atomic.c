/* atomic family: Go's atomic.Value — what a load and a swap cost.
 *
 * atomic/load: every thread loads the current value and reads two of its
 * fields (the config-read pattern; the value never changes, so this is the
 * read side alone). atomic/swap: every thread publishes its own value and
 * takes back the one it replaced (store-heavy; values are never freed, so no
 * reclamation cost is included). Payloads are 64 bytes, one cache line.
 * Each implementation gets its own copy of the loops (ATOMIC_BENCHES) so its
 * static inline ops are inlined into them.
 */
#include <stdlib.h>
#include <string.h>

#include "atomic_value_c11.h"
#include "atomic_value_mutex.h"
#include "bench.h"

struct atomic_payload {
	_Alignas(CACHE_LINE) uint64_t a;
	uint64_t b;
	char rest[CACHE_LINE - 2 * sizeof(uint64_t)];
};

static struct atomic_payload *atomic_payload_new(uint64_t seed)
{
	struct atomic_payload *p = aligned_alloc(CACHE_LINE, sizeof(*p));
	if (p) {
		p->a = seed;
		p->b = seed * 2 + 1;
	}
	return p;
}

static int atomic_thread_init(void *shared, int tid, void **local,
			      struct err *e)
{
	(void)shared;
	*local = atomic_payload_new((uint64_t)tid + 100);
	return *local ? 0 : err_set(e, "atomic: out of memory");
}

/* After a swap run a thread holds some value it did not allocate; all values
 * are freed together in teardown from this list, never while in use. */
#define ATOMIC_MAX_VALUES 1024

#define ATOMIC_BENCHES(IMPL, SUMMARY)                                          \
	struct atomic_##IMPL##_shared {                                        \
		_Alignas(CACHE_LINE) struct atomic_value_##IMPL v;             \
		int nvalues;                                                   \
		struct atomic_payload *values[ATOMIC_MAX_VALUES];              \
	};                                                                     \
                                                                               \
	static int atomic_##IMPL##_setup(const struct bench *b, int nthreads,  \
					 void **shared, struct err *e)         \
	{                                                                      \
		struct atomic_##IMPL##_shared *s;                              \
		(void)b;                                                       \
		if (nthreads + 1 > ATOMIC_MAX_VALUES)                          \
			return err_set(e, "atomic: at most %d threads",        \
				       ATOMIC_MAX_VALUES - 1);                 \
		s = aligned_alloc(CACHE_LINE, sizeof(*s));                     \
		if (!s)                                                        \
			return err_set(e, "atomic: out of memory");            \
		memset(s, 0, sizeof(*s));                                      \
		s->nvalues = 1 + nthreads;                                     \
		s->values[0] = atomic_payload_new(1);                          \
		if (!s->values[0] ||                                           \
		    atomic_value_##IMPL##_init(&s->v, s->values[0]) != 0) {    \
			free(s->values[0]);                                    \
			free(s);                                               \
			return err_set(e, "atomic: init failed");              \
		}                                                              \
		*shared = s;                                                   \
		return 0;                                                      \
	}                                                                      \
                                                                               \
	static void atomic_##IMPL##_teardown(void *shared)                     \
	{                                                                      \
		struct atomic_##IMPL##_shared *s = shared;                     \
		for (int i = 0; i < s->nvalues; i++)                           \
			free(s->values[i]);                                    \
		atomic_value_##IMPL##_destroy(&s->v);                          \
		free(s);                                                       \
	}                                                                      \
                                                                               \
	/* Thread values join the shared list so teardown frees them all. */   \
	static int atomic_##IMPL##_thread_init(void *shared, int tid,          \
					       void **local, struct err *e)    \
	{                                                                      \
		struct atomic_##IMPL##_shared *s = shared;                     \
		if (atomic_thread_init(shared, tid, local, e) != 0)            \
			return -1;                                             \
		s->values[1 + tid] = *local;                                   \
		return 0;                                                      \
	}                                                                      \
                                                                               \
	static uint64_t atomic_##IMPL##_load_run(                              \
		void *shared, struct bench_thread *t, uint64_t iters)          \
	{                                                                      \
		struct atomic_##IMPL##_shared *s = shared;                     \
		(void)t;                                                       \
		for (uint64_t i = 0; i < iters; i++) {                         \
			const struct atomic_payload *p =                       \
				atomic_value_##IMPL##_load(&s->v);             \
			keep(p->a + p->b);                                     \
		}                                                              \
		return iters;                                                  \
	}                                                                      \
                                                                               \
	static uint64_t atomic_##IMPL##_swap_run(                              \
		void *shared, struct bench_thread *t, uint64_t iters)          \
	{                                                                      \
		struct atomic_##IMPL##_shared *s = shared;                     \
		void *mine = t->local;                                         \
		for (uint64_t i = 0; i < iters; i++)                           \
			mine = atomic_value_##IMPL##_swap(&s->v, mine);        \
		keep_ptr(mine);                                                \
		/* what this thread holds now is its value for the next run */ \
		t->local = mine;                                               \
		return iters;                                                  \
	}                                                                      \
                                                                               \
	BENCH_REGISTER(atomic_##IMPL##_load, .name = "atomic/load",            \
		       .impl = #IMPL, .params = "size=64", .arg = 64,          \
		       .summary = "load the value, read two fields (" SUMMARY  \
				  ")",                                         \
		       .setup = atomic_##IMPL##_setup,                         \
		       .teardown = atomic_##IMPL##_teardown,                   \
		       .thread_init = atomic_##IMPL##_thread_init,             \
		       .run = atomic_##IMPL##_load_run);                       \
	BENCH_REGISTER(atomic_##IMPL##_swap, .name = "atomic/swap",            \
		       .impl = #IMPL, .params = "size=64", .arg = 64,          \
		       .summary =                                              \
			       "every thread swaps in its own value (" SUMMARY \
			       ")",                                            \
		       .setup = atomic_##IMPL##_setup,                         \
		       .teardown = atomic_##IMPL##_teardown,                   \
		       .thread_init = atomic_##IMPL##_thread_init,             \
		       .run = atomic_##IMPL##_swap_run)

ATOMIC_BENCHES(c11, "C11 atomic pointer");
ATOMIC_BENCHES(mutex, "pthread mutex around a pointer");
