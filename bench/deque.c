/* deque family: Go's scheduler question — a run queue per worker with
 * work stealing, or one global queue under a lock?
 *
 * deque/forkjoin (tree=fib,n=N | tree=flat,width=W): the fork-join
 * executor of deque_forkjoin.h, one worker per thread, runs whole task
 * trees: fib(N) (each task spawns one child onto the queue and runs the
 * other itself; leaves do nothing, so this is the queue's own cost) or
 * one root spawning W leaves of FJ_FLAT_WORK multiplies each. Thread 0
 * starts the trees one after another, iters of them per sample; every
 * thread runs what it finds. An op is one task: ns/op is ns per task
 * (elapsed / tasks, over all threads), and the result field
 * steals_per_task is the share of tasks run by another thread than the one
 * that spawned them (for chase_lev, successful steals). Tasks are
 * preallocated, so 0 B/op is expected of both queues: the comparison is
 * the local deque (a push and a take are plain stores and one fence, a
 * steal one CAS) against the global queue (a lock round trip per push and
 * per pop, the queue's lines moving between cores whenever two threads
 * work).
 */
#include <stdlib.h>

#include "bench.h"
#include "deque_forkjoin.h"
#include "deque_impls.h"

struct deque_shared {
	struct fj_exec ex;
};

static int deque_setup(const struct bench *b, int nthreads, void **shared,
		       struct err *e)
{
	struct deque_shared *s = aligned_alloc(CACHE_LINE, sizeof(*s));
	enum fj_tree tree = b->arg2 ? FJ_FLAT : FJ_FIB;
	if (!s)
		return err_set(e, "deque: out of memory");
	if (fj_exec_init(&s->ex, tree, (int)b->arg, nthreads) != 0) {
		free(s);
		return err_set(e, "deque: cannot make a %s tree of %ld",
			       tree == FJ_FLAT ? "flat" : "fib", b->arg);
	}
	*shared = s;
	return 0;
}

static void deque_teardown(void *shared)
{
	struct deque_shared *s = shared;
	fj_exec_destroy(&s->ex);
	free(s);
}

static int deque_fields(void *shared, struct bench_field *out, int max)
{
	struct deque_shared *s = shared;
	uint64_t tasks, steals;
	fj_exec_totals(&s->ex, &tasks, &steals);
	if (max < 1 || tasks == 0)
		return 0;
	out[0] = (struct bench_field){"steals_per_task",
				      (double)steals / (double)tasks};
	return 1;
}

#define DEQUE_BENCHES(IMPL, SUMMARY, OWN_DEQUE)                                \
	static int deque_##IMPL##_thread_init(void *shared, int tid,           \
					      void **local, struct err *e)     \
	{                                                                      \
		struct deque_shared *s = shared;                               \
		*local = NULL;                                                 \
		if (fj_worker_init(&s->ex, tid, OWN_DEQUE) != 0)               \
			return err_set(e, "deque: out of memory");             \
		return 0;                                                      \
	}                                                                      \
                                                                               \
	static uint64_t deque_##IMPL##_run(                                    \
		void *shared, struct bench_thread *t, uint64_t iters)          \
	{                                                                      \
		struct deque_shared *s = shared;                               \
		return fj_##IMPL##_work(&s->ex, &s->ex.w[t->tid], iters);      \
	}                                                                      \
                                                                               \
	BENCH_REGISTER(deque_##IMPL##_fib_bench, .name = "deque/forkjoin",     \
		       .impl = #IMPL, .params = "tree=fib,n=20", .arg = 20,    \
		       .summary = "fork-join fib(n) task trees, ns per task "  \
				  "(" SUMMARY ")",                             \
		       .setup = deque_setup, .teardown = deque_teardown,       \
		       .thread_init = deque_##IMPL##_thread_init,              \
		       .fields = deque_fields, .run = deque_##IMPL##_run);     \
	BENCH_REGISTER(deque_##IMPL##_fib25_bench, .name = "deque/forkjoin",   \
		       .impl = #IMPL, .params = "tree=fib,n=25", .arg = 25,    \
		       .flags = BENCH_FULL,                                    \
		       .summary = "fork-join fib(n) task trees, ns per task "  \
				  "(" SUMMARY ")",                             \
		       .setup = deque_setup, .teardown = deque_teardown,       \
		       .thread_init = deque_##IMPL##_thread_init,              \
		       .fields = deque_fields, .run = deque_##IMPL##_run);     \
	BENCH_REGISTER(deque_##IMPL##_flat_bench, .name = "deque/forkjoin",    \
		       .impl = #IMPL, .params = "tree=flat,width=1000",        \
		       .arg = 1000, .arg2 = 1,                                 \
		       .summary = "one task spawning width leaves, ns per "    \
				  "task (" SUMMARY ")",                        \
		       .setup = deque_setup, .teardown = deque_teardown,       \
		       .thread_init = deque_##IMPL##_thread_init,              \
		       .fields = deque_fields, .run = deque_##IMPL##_run);     \
	BENCH_REGISTER(deque_##IMPL##_flat10k_bench, .name = "deque/forkjoin", \
		       .impl = #IMPL, .params = "tree=flat,width=10000",       \
		       .arg = 10000, .arg2 = 1, .flags = BENCH_FULL,           \
		       .summary = "one task spawning width leaves, ns per "    \
				  "task (" SUMMARY ")",                        \
		       .setup = deque_setup, .teardown = deque_teardown,       \
		       .thread_init = deque_##IMPL##_thread_init,              \
		       .fields = deque_fields, .run = deque_##IMPL##_run);

DEQUE_IMPLS(DEQUE_BENCHES)
