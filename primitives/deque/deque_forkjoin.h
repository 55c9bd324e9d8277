/* A small fork-join executor over either run queue: one worker per thread
 * (the caller's threads: the runner's, pinned by placement, or a test's),
 * running trees of tasks.
 *
 * Trees. fib (tree=fib, n): a task fib(k), k >= 2, spawns fib(k-2) onto
 * the queue and runs fib(k-1) itself (work-first, as Cilk and Go's
 * runnext do); leaves return k; the root's sum is fib(n), one task per
 * node (2 fib(n+1) - 1 of them). flat (tree=flat, width): the root spawns
 * width leaves at once, each a short fixed computation (FJ_FLAT_WORK
 * dependent multiplies), the root's sum is width. Every node is a
 * preallocated task in one arena, at a fixed index (a fib(k) node at i has
 * its children at i + 1 and i + 1 + size(k-1)), so no task is allocated
 * and what is measured is the queue.
 *
 * Joins by counting, never by waiting: a parent's pending is its children
 * not yet finished; a finished child adds its value to the parent's sum
 * and decrements pending (acq_rel), and the child that brings it to zero
 * finishes the parent in turn. The root's finisher bumps trees_done
 * (release). A task is touched by nobody after the decrement that does not
 * finish its parent, so worker 0 may reuse the arena for the next tree as
 * soon as it sees trees_done (acquire) move.
 *
 * Workers. Worker 0 runs `trees` trees, one after another, and then
 * publishes end_seq; the others look for work until they see it. A
 * worker's queue is its own Chase-Lev deque (take, else steal from a
 * random other worker) or the one global queue (pop). A task run by
 * another worker than the one that spawned it counts as a steal: for the
 * deque that is exactly a successful steal, for the global queue the only
 * way a task moves.
 *
 * Each queue kind of deque_impls.h gets its own copy of the loops
 * (FJ_DEFINE) with the queue ops inlined; per task no function pointer is
 * called.
 */
#ifndef CONTEND_DEQUE_FORKJOIN_H
#define CONTEND_DEQUE_FORKJOIN_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "deque_impls.h"
#include "spin.h"

#define FJ_FLAT_WORK 64 /* dependent multiplies in a flat leaf */
#define FJ_FIB_MAX   40 /* fib(40): 3e8 tasks, far beyond any use */
#define FJ_LOG_QUEUE 10 /* initial queue slots: 1024 */

enum fj_tree { FJ_FIB, FJ_FLAT };

struct fj_task {
	_Alignas(CACHE_LINE) struct fj_task *parent;
	_Atomic int32_t pending; /* children not finished */
	int32_t n;		 /* fib: k; flat: width at the root, 0 */
	int32_t spawner;	 /* the worker that pushed it */
	uint32_t runs;		 /* times run, over all trees (tests) */
	_Atomic uint64_t sum;	 /* the children's values so far */
};

struct fj_worker {
	struct deque_chase_lev dq; /* its own deque (chase_lev only) */
	_Alignas(CACHE_LINE) int tid;
	int has_dq;
	uint32_t rng;
	uint64_t seq;		/* calls of work */
	uint64_t tasks, steals; /* run by it, of them spawned elsewhere */
	uint64_t fails;		/* steal attempts that found none */
};

struct fj_exec {
	enum fj_tree tree;
	int n; /* fib's n, or the flat width */
	int nworkers;
	struct fj_worker *w; /* nworkers of them */
	struct fj_task *arena;
	uint64_t ntasks;
	uint64_t size[FJ_FIB_MAX + 1]; /* tasks in a fib(k) subtree */
	uint64_t expect;	       /* the root's sum */
	uint64_t result;	       /* the last root's sum (its finisher) */
	uint64_t wrong;		       /* trees whose sum was not expect */
	struct deque_global gq;
	_Alignas(CACHE_LINE) _Atomic uint64_t trees_done;
	_Alignas(CACHE_LINE) _Atomic uint64_t end_seq;
};

/* 0, or -1: a bad size (fib n > FJ_FIB_MAX, width < 1) or no memory. */
static inline int fj_exec_init(struct fj_exec *ex, enum fj_tree tree, int n,
			       int nworkers)
{
	memset(ex, 0, sizeof(*ex));
	ex->tree = tree;
	ex->n = n;
	ex->nworkers = nworkers;
	if (nworkers < 1 || n < (tree == FJ_FIB ? 0 : 1) ||
	    (tree == FJ_FIB && n > FJ_FIB_MAX))
		return -1;
	if (tree == FJ_FIB) {
		uint64_t f0 = 0, f1 = 1;
		for (int k = 0; k <= n; k++) {
			ex->size[k] =
				k < 2 ? 1
				      : 1 + ex->size[k - 1] + ex->size[k - 2];
			if (k >= 1) {
				uint64_t f2 = f0 + f1;
				f0 = f1;
				f1 = f2;
			}
		}
		ex->ntasks = ex->size[n];
		ex->expect = f0; /* fib(n) */
	} else {
		ex->ntasks = (uint64_t)n + 1;
		ex->expect = (uint64_t)n;
	}
	ex->arena = aligned_alloc(CACHE_LINE, ex->ntasks * sizeof(*ex->arena));
	ex->w = aligned_alloc(CACHE_LINE, (size_t)nworkers * sizeof(*ex->w));
	if (!ex->arena || !ex->w || deque_global_init(&ex->gq, FJ_LOG_QUEUE)) {
		free(ex->arena);
		free(ex->w);
		return -1;
	}
	memset(ex->arena, 0, ex->ntasks * sizeof(*ex->arena));
	memset(ex->w, 0, (size_t)nworkers * sizeof(*ex->w));
	for (int i = 0; i < nworkers; i++) {
		ex->w[i].tid = i;
		ex->w[i].rng = 2654435761u * (uint32_t)(i + 1);
	}
	atomic_init(&ex->trees_done, 0);
	atomic_init(&ex->end_seq, 0);
	return 0;
}

/* On worker tid's own thread (first touch): its deque, when it has one.
 * 0, or -1 out of memory. */
static inline int fj_worker_init(struct fj_exec *ex, int tid, int with_deque)
{
	struct fj_worker *w = &ex->w[tid];
	if (with_deque && deque_chase_lev_init(&w->dq, FJ_LOG_QUEUE) != 0)
		return -1;
	w->has_dq = with_deque;
	return 0;
}

static inline void fj_exec_destroy(struct fj_exec *ex)
{
	for (int i = 0; i < ex->nworkers; i++)
		if (ex->w[i].has_dq)
			deque_chase_lev_destroy(&ex->w[i].dq);
	deque_global_destroy(&ex->gq);
	free(ex->arena);
	free(ex->w);
}

static inline void fj_task_init(struct fj_task *t, struct fj_task *parent,
				int32_t n, int32_t spawner)
{
	t->parent = parent;
	t->n = n;
	t->spawner = spawner;
}

static inline uint64_t fj_flat_leaf(uint64_t seed)
{
	uint64_t x = seed | 1;
	for (int i = 0; i < FJ_FLAT_WORK; i++)
		x = x * 6364136223846793005u + 1442695040888963407u;
	__asm__ volatile("" : : "r"(x)); /* keep the work */
	return 1;
}

/* t is done with value v: up the tree while ours is the last child. */
static inline void fj_finish(struct fj_exec *ex, struct fj_task *t, uint64_t v)
{
	for (;;) {
		struct fj_task *p = t->parent;
		if (!p) {
			ex->result = v;
			/* release: the tree's writes (runs, sums, result) are
			 * visible to worker 0 when it sees the count move */
			atomic_fetch_add_explicit(&ex->trees_done, 1,
						  memory_order_release);
			return;
		}
		/* relaxed: published by the release of the decrement */
		atomic_fetch_add_explicit(&p->sum, v, memory_order_relaxed);
		/* acq_rel: the last child sees its siblings' sums, and the
		 * parent's finisher everything its children did */
		if (atomic_fetch_sub_explicit(&p->pending, 1,
					      memory_order_acq_rel) != 1)
			return;
		v = atomic_load_explicit(&p->sum, memory_order_relaxed);
		t = p;
	}
}

static inline uint32_t fj_rand(struct fj_worker *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 17;
	w->rng ^= w->rng << 5;
	return w->rng;
}

/* The two queue kinds' ops, as FJ_DEFINE uses them. */
static inline int fj_chase_lev_push(struct fj_exec *ex, struct fj_worker *w,
				    struct fj_task *t)
{
	(void)ex;
	return deque_chase_lev_push(&w->dq, t);
}

static inline struct fj_task *fj_chase_lev_pop(struct fj_exec *ex,
					       struct fj_worker *w)
{
	(void)ex;
	return deque_chase_lev_take(&w->dq);
}

/* One steal attempt from a random other worker. */
static inline struct fj_task *fj_chase_lev_steal(struct fj_exec *ex,
						 struct fj_worker *w)
{
	void *x = NULL;
	uint32_t v;
	if (ex->nworkers < 2)
		return NULL;
	v = fj_rand(w) % (uint32_t)(ex->nworkers - 1);
	v += v >= (uint32_t)w->tid;
	if (deque_chase_lev_steal(&ex->w[v].dq, &x) == DEQUE_STOLEN)
		return x;
	w->fails++;
	return NULL;
}

static inline int fj_global_push(struct fj_exec *ex, struct fj_worker *w,
				 struct fj_task *t)
{
	(void)w;
	return deque_global_push(&ex->gq, t);
}

static inline struct fj_task *fj_global_pop(struct fj_exec *ex,
					    struct fj_worker *w)
{
	(void)w;
	return deque_global_pop(&ex->gq);
}

static inline struct fj_task *fj_global_steal(struct fj_exec *ex,
					      struct fj_worker *w)
{
	(void)ex;
	w->fails++;
	return NULL;
}

/* fj_Q_run(ex, w, t): runs t (and the children it runs itself);
 * fj_Q_work(ex, w, trees): one call per worker per round, as described
 * at the top; returns the tasks this worker ran. */
#define FJ_DEFINE(Q, SUMMARY, OWN_DEQUE)                                       \
	static inline void fj_##Q##_run(                                       \
		struct fj_exec *ex, struct fj_worker *w, struct fj_task *t)    \
	{                                                                      \
		for (;;) {                                                     \
			t->runs++;                                             \
			w->tasks++;                                            \
			w->steals += t->spawner != w->tid;                     \
			if (ex->tree == FJ_FIB && t->n >= 2) {                 \
				struct fj_task *a = t + 1;                     \
				struct fj_task *b =                            \
					t + 1 + ex->size[t->n - 1];            \
				atomic_store_explicit(&t->pending, 2,          \
						      memory_order_relaxed);   \
				atomic_store_explicit(&t->sum, 0,              \
						      memory_order_relaxed);   \
				fj_task_init(b, t, t->n - 2, w->tid);          \
				fj_task_init(a, t, t->n - 1, w->tid);          \
				/* out of memory to queue it: run it here */   \
				if (fj_##Q##_push(ex, w, b) != 0)              \
					fj_##Q##_run(ex, w, b);                \
				t = a;                                         \
				continue;                                      \
			}                                                      \
			if (ex->tree == FJ_FLAT && !t->parent) {               \
				atomic_store_explicit(&t->pending, t->n,       \
						      memory_order_relaxed);   \
				atomic_store_explicit(&t->sum, 0,              \
						      memory_order_relaxed);   \
				for (int32_t i = 1; i <= t->n; i++) {          \
					fj_task_init(t + i, t, 0, w->tid);     \
					if (fj_##Q##_push(ex, w, t + i) != 0)  \
						fj_##Q##_run(ex, w, t + i);    \
				}                                              \
				return;                                        \
			}                                                      \
			fj_finish(                                             \
				ex, t,                                         \
				ex->tree == FJ_FIB                             \
					? (uint64_t)t->n                       \
					: fj_flat_leaf(                        \
						  (uint64_t)(t - ex->arena))); \
			return;                                                \
		}                                                              \
	}                                                                      \
                                                                               \
	static inline struct fj_task *fj_##Q##_find(struct fj_exec *ex,        \
						    struct fj_worker *w)       \
	{                                                                      \
		struct fj_task *t = fj_##Q##_pop(ex, w);                       \
		return t ? t : fj_##Q##_steal(ex, w);                          \
	}                                                                      \
                                                                               \
	static __attribute__((unused)) uint64_t fj_##Q##_work(                 \
		struct fj_exec *ex, struct fj_worker *w, uint64_t trees)       \
	{                                                                      \
		uint64_t before = w->tasks;                                    \
		unsigned spins = 0;                                            \
		struct fj_task *t;                                             \
		w->seq++;                                                      \
		if (w->tid != 0) {                                             \
			/* acquire: worker 0's trees are done, and so is       \
			 * every task of them */                               \
			while (atomic_load_explicit(&ex->end_seq,              \
						    memory_order_acquire) <    \
			       w->seq) {                                       \
				if ((t = fj_##Q##_find(ex, w))) {              \
					fj_##Q##_run(ex, w, t);                \
					spins = 0;                             \
				} else {                                       \
					spin_wait_step(&spins);                \
				}                                              \
			}                                                      \
			return w->tasks - before;                              \
		}                                                              \
		for (uint64_t k = 0; k < trees; k++) {                         \
			/* relaxed: only the root's finisher bumps it, and     \
			 * worker 0 saw the last bump (acquire) below */       \
			uint64_t target =                                      \
				atomic_load_explicit(&ex->trees_done,          \
						     memory_order_relaxed) +   \
				1;                                             \
			fj_task_init(ex->arena, NULL, ex->n, w->tid);          \
			fj_##Q##_run(ex, w, ex->arena);                        \
			while (atomic_load_explicit(&ex->trees_done,           \
						    memory_order_acquire) !=   \
			       target) {                                       \
				if ((t = fj_##Q##_find(ex, w))) {              \
					fj_##Q##_run(ex, w, t);                \
					spins = 0;                             \
				} else {                                       \
					spin_wait_step(&spins);                \
				}                                              \
			}                                                      \
			ex->wrong += ex->result != ex->expect;                 \
		}                                                              \
		/* release: pairs with the others' acquire above */            \
		atomic_store_explicit(&ex->end_seq, w->seq,                    \
				      memory_order_release);                   \
		return w->tasks - before;                                      \
	}

DEQUE_IMPLS(FJ_DEFINE)

/* Over all workers, when they are done: tasks run, of them stolen. */
static inline void fj_exec_totals(const struct fj_exec *ex, uint64_t *tasks,
				  uint64_t *steals)
{
	*tasks = *steals = 0;
	for (int i = 0; i < ex->nworkers; i++) {
		*tasks += ex->w[i].tasks;
		*steals += ex->w[i].steals;
	}
}

#endif
