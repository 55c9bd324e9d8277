/* The run queues and the fork-join executor under stress. The Chase-Lev
 * deque: an owner pushes 10^6 distinct items (taking some back as it
 * goes) into a deque that starts at 4 slots, so it grows while thieves
 * steal, then the other half one at a time (push one, take it back), so
 * that each is a race between the owner's take and the thieves' steals
 * for the last element; every item must come out exactly once, carrying
 * what was written before its push. The global queue: the same 10^6
 * items through two pushers and two poppers. The executor, over both queues,
 * fib and flat trees, 1 to 3 workers, two rounds: every task runs exactly once
 * per tree and every tree sums right. A watchdog alarm turns a hang into a
 * failure. */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deque_forkjoin.h"
#include "deque_impls.h"

#include "test_check.h"
#include "test_watchdog.h"

#define ITEMS	   1000000
#define THIEVES	   3
#define WATCHDOG_S 240

struct item {
	uint32_t idx;
	uint32_t check; /* written before the push: idx * 3 + 1 */
};

struct items {
	struct item *item;
	_Atomic uint32_t *seen; /* times each item came out */
	_Atomic long bad;
};

static void items_init(struct items *it)
{
	it->item = xcalloc(ITEMS, sizeof(*it->item));
	it->seen = xcalloc(ITEMS, sizeof(*it->seen));
	atomic_init(&it->bad, 0);
}

static void item_got(struct items *it, struct item *x)
{
	if (x->check != x->idx * 3 + 1)
		atomic_fetch_add(&it->bad, 1);
	atomic_fetch_add_explicit(&it->seen[x->idx], 1, memory_order_relaxed);
}

/* Every item out exactly once; frees the arrays. */
static void items_check(struct items *it)
{
	long missing = 0, twice = 0;
	for (uint32_t i = 0; i < ITEMS; i++) {
		uint32_t n = atomic_load(&it->seen[i]);
		missing += n == 0;
		twice += n > 1;
	}
	CHECK(missing == 0);
	CHECK(twice == 0);
	CHECK(atomic_load(&it->bad) == 0);
	if (missing || twice)
		printf("  %ld items lost, %ld duplicated\n", missing, twice);
	free(it->item);
	free(it->seen);
}

/* ---- Chase-Lev ---- */

struct cl_race {
	struct deque_chase_lev q;
	struct items it;
	_Atomic int owner_done;
	_Atomic long stolen, taken;
};

static void *cl_thief(void *arg)
{
	struct cl_race *r = arg;
	long n = 0;
	for (;;) {
		void *x = NULL;
		enum deque_steal s = deque_chase_lev_steal(&r->q, &x);
		if (s == DEQUE_STOLEN) {
			item_got(&r->it, x);
			n++;
		} else if (s == DEQUE_EMPTY &&
			   atomic_load_explicit(&r->owner_done,
						memory_order_acquire)) {
			break;
		} else {
			spin_pause();
		}
	}
	atomic_fetch_add(&r->stolen, n);
	return NULL;
}

static void test_chase_lev(void)
{
	struct cl_race r;
	pthread_t th[THIEVES];
	long taken = 0;
	void *y;
	memset(&r, 0, sizeof(r));
	items_init(&r.it);
	CHECK(deque_chase_lev_init(&r.q, 2) == 0);
	for (int i = 0; i < THIEVES; i++)
		pthread_create(&th[i], NULL, cl_thief, &r);
	/* the first half in bulk: the deque grows while thieves steal; now
	 * and then the owner takes some back, at times down to empty */
	for (uint32_t i = 0; i < ITEMS / 2; i++) {
		struct item *x = &r.it.item[i];
		x->idx = i;
		x->check = i * 3 + 1;
		CHECK(deque_chase_lev_push(&r.q, x) == 0);
		if (i % 7 == 3 || i % 1024 == 0) {
			int k = i % 1024 == 0 ? 64 : 2;
			void *y;
			while (k-- > 0 && (y = deque_chase_lev_take(&r.q))) {
				item_got(&r.it, y);
				taken++;
			}
		}
	}
	while ((y = deque_chase_lev_take(&r.q))) {
		item_got(&r.it, y);
		taken++;
	}
	/* the second half one at a time: push one, take it back unless a
	 * thief got it first, so that every item is a race for the last
	 * element (take's CAS against a steal's) */
	for (uint32_t i = ITEMS / 2; i < ITEMS; i++) {
		struct item *x = &r.it.item[i];
		x->idx = i;
		x->check = i * 3 + 1;
		CHECK(deque_chase_lev_push(&r.q, x) == 0);
		if ((y = deque_chase_lev_take(&r.q))) {
			item_got(&r.it, y);
			taken++;
		}
	}
	while ((y = deque_chase_lev_take(&r.q))) {
		item_got(&r.it, y);
		taken++;
	}
	atomic_store_explicit(&r.owner_done, 1, memory_order_release);
	for (int i = 0; i < THIEVES; i++)
		pthread_join(th[i], NULL);
	CHECK(taken + atomic_load(&r.stolen) == ITEMS);
	printf("chase_lev: %d items, %ld taken by the owner, %ld stolen\n",
	       ITEMS, taken, atomic_load(&r.stolen));
	items_check(&r.it);
	deque_chase_lev_destroy(&r.q);
}

/* ---- the global queue ---- */

#define PUSHERS 2
#define POPPERS 2

struct gq_race {
	struct deque_global q;
	struct items it;
	_Atomic int pushers_left;
	_Atomic long popped;
};

struct gq_arg {
	struct gq_race *r;
	int id;
};

static void *gq_pusher(void *arg)
{
	struct gq_arg *a = arg;
	struct gq_race *r = a->r;
	for (uint32_t i = (uint32_t)a->id; i < ITEMS; i += PUSHERS) {
		struct item *x = &r->it.item[i];
		x->idx = i;
		x->check = i * 3 + 1;
		if (deque_global_push(&r->q, x) != 0)
			atomic_fetch_add(&r->it.bad, 1);
	}
	atomic_fetch_sub_explicit(&r->pushers_left, 1, memory_order_release);
	return NULL;
}

static void *gq_popper(void *arg)
{
	struct gq_arg *a = arg;
	struct gq_race *r = a->r;
	long n = 0;
	for (;;) {
		/* read before the pop: when no pusher was left, an empty pop
		 * means empty for good */
		int left = atomic_load_explicit(&r->pushers_left,
						memory_order_acquire);
		void *x = deque_global_pop(&r->q);
		if (x) {
			item_got(&r->it, x);
			n++;
		} else if (!left) {
			break;
		} else {
			spin_pause();
		}
	}
	atomic_fetch_add(&r->popped, n);
	return NULL;
}

static void test_global(void)
{
	struct gq_race r;
	struct gq_arg a[PUSHERS + POPPERS];
	pthread_t th[PUSHERS + POPPERS];
	memset(&r, 0, sizeof(r));
	items_init(&r.it);
	atomic_init(&r.pushers_left, PUSHERS);
	CHECK(deque_global_init(&r.q, 2) == 0);
	for (int i = 0; i < PUSHERS + POPPERS; i++) {
		a[i] = (struct gq_arg){&r, i < PUSHERS ? i : i - PUSHERS};
		pthread_create(&th[i], NULL,
			       i < PUSHERS ? gq_pusher : gq_popper, &a[i]);
	}
	for (int i = 0; i < PUSHERS + POPPERS; i++)
		pthread_join(th[i], NULL);
	CHECK(atomic_load(&r.popped) == ITEMS);
	printf("global: %d items through %d pushers, %d poppers\n", ITEMS,
	       PUSHERS, POPPERS);
	items_check(&r.it);
	deque_global_destroy(&r.q);
}

/* ---- the executor ---- */

/* trees per round; sanitized builds run several times slower per task */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define TREES 30
#else
#define TREES 100
#endif

/* A queue kind of deque_impls.h, as the executor's tests run it. */
struct fj_kind {
	const char *name;
	int own_deque;
	uint64_t (*work)(struct fj_exec *ex, struct fj_worker *w,
			 uint64_t trees);
};

#define FJ_KIND(IMPL, SUMMARY, OWN_DEQUE) {#IMPL, OWN_DEQUE, fj_##IMPL##_work},

static const struct fj_kind fj_kinds[] = {DEQUE_IMPLS(FJ_KIND)};

struct fj_arg {
	struct fj_exec *ex;
	const struct fj_kind *kind;
	int tid, nworkers;
	_Atomic int *ready;
	uint64_t ran;
};

static void *fj_thread(void *arg)
{
	struct fj_arg *a = arg;
	struct fj_worker *w = &a->ex->w[a->tid];
	/* start together, as the runner's barrier does, so that the others
	 * are there to steal from the start */
	atomic_fetch_add(a->ready, 1);
	while (atomic_load(a->ready) < a->nworkers)
		sched_yield();
	/* two rounds of TREES trees, as two samples of the runner */
	for (int round = 0; round < 2; round++)
		a->ran += a->kind->work(a->ex, w, TREES);
	return NULL;
}

static void test_forkjoin(const struct fj_kind *kind, enum fj_tree tree, int n,
			  int nworkers)
{
	struct fj_exec ex;
	struct fj_arg a[3];
	pthread_t th[3];
	uint64_t ran = 0, tasks, steals, wrong_runs = 0;
	_Atomic int ready = 0;
	CHECK(fj_exec_init(&ex, tree, n, nworkers) == 0);
	/* each worker's deque made on its own thread in the benchmark; here
	 * before the threads start, which is the same to the executor */
	for (int i = 0; i < nworkers; i++)
		CHECK(fj_worker_init(&ex, i, kind->own_deque) == 0);
	for (int i = 0; i < nworkers; i++) {
		a[i] = (struct fj_arg){&ex, kind, i, nworkers, &ready, 0};
		pthread_create(&th[i], NULL, fj_thread, &a[i]);
	}
	for (int i = 0; i < nworkers; i++) {
		pthread_join(th[i], NULL);
		ran += a[i].ran;
	}
	for (uint64_t i = 0; i < ex.ntasks; i++)
		wrong_runs += ex.arena[i].runs != 2 * TREES;
	fj_exec_totals(&ex, &tasks, &steals);
	CHECK(ex.wrong == 0);
	CHECK(wrong_runs == 0);
	CHECK(ran == 2 * (uint64_t)TREES * ex.ntasks);
	CHECK(tasks == ran);
	printf("forkjoin %-9s %s %-5d %d workers: %llu tasks, %llu stolen\n",
	       kind->name, tree == FJ_FIB ? "fib n=" : "flat w=", n, nworkers,
	       (unsigned long long)tasks, (unsigned long long)steals);
	fj_exec_destroy(&ex);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	watchdog_arm(WATCHDOG_S, "a deque test hung");
	test_chase_lev();
	test_global();
	for (size_t q = 0; q < sizeof(fj_kinds) / sizeof(fj_kinds[0]); q++)
		for (int nw = 1; nw <= 3; nw++) {
			test_forkjoin(&fj_kinds[q], FJ_FIB, 15, nw);
			test_forkjoin(&fj_kinds[q], FJ_FIB, 1, nw);
			test_forkjoin(&fj_kinds[q], FJ_FLAT, 500, nw);
		}
	printf("%d failures\n", fails);
	return fails != 0;
}
