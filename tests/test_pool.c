/* Pool implementations under stress, each the same way: no object is
 * handed out twice while held (each object carries a held flag and its
 * holder's stamp, checked on get and before put, with holds deep enough
 * to push the per-thread caches through their overflow paths); objects
 * cross threads (got on one, put back on another through a hand-off
 * queue) and arrive as the getter wrote them; nothing leaks (every object
 * made is freed by destroy). For the Go-style pool: the steady state makes
 * no new object, on one thread and across threads; and ageing drains an
 * idle pool in two generations while an object aged once is still reused.
 * A watchdog alarm turns a hang into a failure. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* jemalloc: built only without a sanitizer (meson.build). This test
 * program has no malloc interposer, so here jemalloc's malloc serves the
 * whole program; the rows under test call mallocx and dallocx either way. */
#include "pool_impls.h"
#include "test_watchdog.h"
#include "tsan_annotate.h"
/* ThreadSanitizer cannot see mimalloc's own synchronisation (it is not
 * instrumented), so a reused block would read as a race: not tested there */
#ifdef CONTEND_TSAN
#undef POOL_IMPLS_MIMALLOC
#define POOL_IMPLS_MIMALLOC(X)
#endif

static int fails;

#define CHECK(impl, cond)                                                      \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("FAIL %s line %d: %s\n", impl, __LINE__,        \
			       #cond);                                         \
			fails++;                                               \
		}                                                              \
	} while (0)

#define THREADS	 4
#define MAX_HOLD 48 /* more than POOL_GOISH_CACHE: flush and refill */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define ROUNDS 4000
#else
#define ROUNDS 20000
#endif
#define TRANSFERS  100000
#define QUEUE	   64
#define WATCHDOG_S 120

/* held while with a holder, free once put back; a new object's garbage
 * (ASan fills it with 0xbe) is neither */
#define HELD 0x48454c44u
#define FREE 0x46524545u

/* The part of an object the test owns: past the pool's links. */
struct obj {
	void *link[2]; /* POOL_LINK_BYTES: the pool's while it holds it */
	unsigned held;
	int holder;
	uint64_t stamp;
	uint64_t pad[4];
};

/* Marks o free before it goes back. The barrier keeps the store: the
 * malloc pool's put is free(), before which the compiler would drop it,
 * and the next object malloc returns at that address would still read
 * as held. */
static inline void release_obj(struct obj *o)
{
	o->held = FREE;
	__asm__ volatile("" : : "r"(o) : "memory");
}

/* Whether o is marked held. On an object the pool has just made this reads
 * what malloc left there: never a held mark, since every object this test
 * gives back is marked free first (release_obj). */
static inline int is_held(const struct obj *o)
{
	/* NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult) */
	return o->held == HELD;
}

/* A bounded hand-off queue between two test threads, under a mutex: its
 * lock orders the getter's writes before the putter's reads, as a
 * program handing objects to another thread would. */
struct handoff {
	pthread_mutex_t m;
	void *slot[QUEUE];
	unsigned head, tail;
	int done;
};

static int handoff_push(struct handoff *h, void *o)
{
	int ok;
	pthread_mutex_lock(&h->m);
	ok = h->tail - h->head < QUEUE;
	if (ok)
		h->slot[h->tail++ % QUEUE] = o;
	pthread_mutex_unlock(&h->m);
	return ok;
}

/* An object, NULL when empty; *done says the producer finished. */
static void *handoff_pop(struct handoff *h, int *done)
{
	void *o = NULL;
	pthread_mutex_lock(&h->m);
	if (h->head != h->tail)
		o = h->slot[h->head++ % QUEUE];
	*done = h->done;
	pthread_mutex_unlock(&h->m);
	return o;
}

#define POOL_TESTS(IMPL, SUMMARY)                                              \
	struct IMPL##_race {                                                   \
		struct pool_##IMPL p;                                          \
		_Atomic long bad, nulls;                                       \
		struct handoff h;                                              \
	};                                                                     \
                                                                               \
	struct IMPL##_arg {                                                    \
		struct IMPL##_race *r;                                         \
		int tid;                                                       \
	};                                                                     \
                                                                               \
	/* get a varying number of objects, check and stamp each, check        \
	 * them again, put them back */                                        \
	static void *IMPL##_holder(void *arg)                                  \
	{                                                                      \
		struct IMPL##_arg *a = arg;                                    \
		struct IMPL##_race *r = a->r;                                  \
		struct pool_##IMPL##_local l;                                  \
		struct obj *held[MAX_HOLD];                                    \
		uint64_t seq = 0;                                              \
		if (pool_##IMPL##_attach(&r->p, &l) != 0) {                    \
			r->bad++;                                              \
			return NULL;                                           \
		}                                                              \
		for (int i = 0; i < ROUNDS; i++) {                             \
			int n = 1 + (i * 7 + a->tid * 13) % MAX_HOLD;          \
			for (int k = 0; k < n; k++) {                          \
				struct obj *o = pool_##IMPL##_get(&r->p, &l);  \
				held[k] = o;                                   \
				if (!o) {                                      \
					r->nulls++;                            \
					n = k;                                 \
					break;                                 \
				}                                              \
				if (is_held(o))                                \
					r->bad++;                              \
				o->held = HELD;                                \
				o->holder = a->tid;                            \
				o->stamp = ++seq;                              \
			}                                                      \
			for (int k = n - 1; k >= 0; k--) {                     \
				struct obj *o = held[k];                       \
				if (!is_held(o) || o->holder != a->tid ||      \
				    o->stamp != seq - (uint64_t)(n - 1 - k))   \
					r->bad++;                              \
				release_obj(o);                                \
				pool_##IMPL##_put(&r->p, &l, o);               \
			}                                                      \
		}                                                              \
		pool_##IMPL##_detach(&r->p, &l);                               \
		return NULL;                                                   \
	}                                                                      \
                                                                               \
	static void IMPL##_test_exclusive(void)                                \
	{                                                                      \
		struct IMPL##_race r;                                          \
		struct IMPL##_arg a[THREADS];                                  \
		pthread_t th[THREADS];                                         \
		struct pool_stats st;                                          \
		memset(&r, 0, sizeof(r));                                      \
		CHECK(#IMPL,                                                   \
		      pool_##IMPL##_init(&r.p, sizeof(struct obj)) == 0);      \
		for (int i = 0; i < THREADS; i++) {                            \
			a[i] = (struct IMPL##_arg){&r, i};                     \
			pthread_create(&th[i], NULL, IMPL##_holder, &a[i]);    \
		}                                                              \
		for (int i = 0; i < THREADS; i++)                              \
			pthread_join(th[i], NULL);                             \
		CHECK(#IMPL, atomic_load(&r.bad) == 0);                        \
		CHECK(#IMPL, atomic_load(&r.nulls) == 0);                      \
		pool_##IMPL##_destroy(&r.p);                                   \
		pool_##IMPL##_stats(&r.p, &st);                                \
		CHECK(#IMPL, st.news == st.frees); /* nothing leaked */        \
		CHECK(#IMPL, st.news >= MAX_HOLD);                             \
	}                                                                      \
                                                                               \
	/* got here, put back by the consumer */                               \
	static void *IMPL##_producer(void *arg)                                \
	{                                                                      \
		struct IMPL##_race *r = arg;                                   \
		struct pool_##IMPL##_local l;                                  \
		if (pool_##IMPL##_attach(&r->p, &l) != 0) {                    \
			r->bad++;                                              \
			return NULL;                                           \
		}                                                              \
		for (uint64_t i = 1; i <= TRANSFERS; i++) {                    \
			struct obj *o = pool_##IMPL##_get(&r->p, &l);          \
			if (!o) {                                              \
				r->nulls++;                                    \
				break;                                         \
			}                                                      \
			if (is_held(o))                                        \
				r->bad++;                                      \
			o->held = HELD;                                        \
			o->holder = 0;                                         \
			o->stamp = i;                                          \
			while (!handoff_push(&r->h, o))                        \
				sched_yield();                                 \
		}                                                              \
		pthread_mutex_lock(&r->h.m);                                   \
		r->h.done = 1;                                                 \
		pthread_mutex_unlock(&r->h.m);                                 \
		pool_##IMPL##_detach(&r->p, &l);                               \
		return NULL;                                                   \
	}                                                                      \
                                                                               \
	static void *IMPL##_consumer(void *arg)                                \
	{                                                                      \
		struct IMPL##_race *r = arg;                                   \
		struct pool_##IMPL##_local l;                                  \
		uint64_t last = 0;                                             \
		int done = 0;                                                  \
		if (pool_##IMPL##_attach(&r->p, &l) != 0) {                    \
			r->bad++;                                              \
			return NULL;                                           \
		}                                                              \
		for (;;) {                                                     \
			struct obj *o = handoff_pop(&r->h, &done);             \
			if (!o) {                                              \
				if (done)                                      \
					break;                                 \
				sched_yield();                                 \
				continue;                                      \
			}                                                      \
			/* in order, as the producer stamped it */             \
			if (!is_held(o) || o->holder != 0 ||                   \
			    o->stamp != last + 1)                              \
				r->bad++;                                      \
			last = o->stamp;                                       \
			release_obj(o);                                        \
			pool_##IMPL##_put(&r->p, &l, o);                       \
		}                                                              \
		if (last != TRANSFERS)                                         \
			r->bad++;                                              \
		pool_##IMPL##_detach(&r->p, &l);                               \
		return NULL;                                                   \
	}                                                                      \
                                                                               \
	/* returns the objects the pool made */                                \
	static uint64_t IMPL##_test_cross(void)                                \
	{                                                                      \
		struct IMPL##_race r;                                          \
		pthread_t th[2];                                               \
		struct pool_stats st;                                          \
		memset(&r, 0, sizeof(r));                                      \
		pthread_mutex_init(&r.h.m, NULL);                              \
		CHECK(#IMPL,                                                   \
		      pool_##IMPL##_init(&r.p, sizeof(struct obj)) == 0);      \
		pthread_create(&th[0], NULL, IMPL##_producer, &r);             \
		pthread_create(&th[1], NULL, IMPL##_consumer, &r);             \
		pthread_join(th[0], NULL);                                     \
		pthread_join(th[1], NULL);                                     \
		CHECK(#IMPL, atomic_load(&r.bad) == 0);                        \
		CHECK(#IMPL, atomic_load(&r.nulls) == 0);                      \
		pool_##IMPL##_destroy(&r.p);                                   \
		pool_##IMPL##_stats(&r.p, &st);                                \
		CHECK(#IMPL, st.news == st.frees);                             \
		pthread_mutex_destroy(&r.h.m);                                 \
		return st.news;                                                \
	}                                                                      \
                                                                               \
	static void IMPL##_test(void)                                          \
	{                                                                      \
		uint64_t made;                                                 \
		IMPL##_test_exclusive();                                       \
		made = IMPL##_test_cross();                                    \
		printf("%-10s ok: %llu objects made for %d transfers\n",       \
		       #IMPL, (unsigned long long)made, TRANSFERS);            \
	}

POOL_IMPLS(POOL_TESTS)

#define POOL_TEST_RUN(IMPL, SUMMARY) IMPL##_test();

/* One thread: once warm, get/put at any depth makes nothing new. */
static void goish_test_steady(void)
{
	struct pool_goish p;
	struct pool_goish_local l;
	struct pool_stats before, after;
	void *held[MAX_HOLD];
	CHECK("goish", pool_goish_init(&p, sizeof(struct obj)) == 0);
	pool_goish_attach(&p, &l);
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			pool_goish_stats(&p, &before);
		for (int i = 0; i < 1000; i++) {
			int n = 1 + i % MAX_HOLD;
			for (int k = 0; k < n; k++)
				held[k] = pool_goish_get(&p, &l);
			for (int k = 0; k < n; k++)
				pool_goish_put(&p, &l, held[k]);
		}
	}
	pool_goish_stats(&p, &after);
	CHECK("goish", after.news == before.news);
	CHECK("goish", before.news == MAX_HOLD);
	pool_goish_detach(&p, &l);
	pool_goish_destroy(&p);
}

/* An idle pool drains in two ages; an object aged once is still reused. */
static void goish_test_age(void)
{
	struct pool_goish p;
	struct pool_goish_local l;
	struct pool_stats st;
	void *held[200];
	CHECK("goish", pool_goish_init(&p, sizeof(struct obj)) == 0);
	pool_goish_attach(&p, &l);
	for (int k = 0; k < 200; k++)
		held[k] = pool_goish_get(&p, &l);
	for (int k = 0; k < 200; k++)
		pool_goish_put(&p, &l, held[k]);
	pool_goish_detach(&p, &l); /* all 200 in the overflow */
	pool_goish_age(&p);	   /* ... now the victim */
	pool_goish_stats(&p, &st);
	CHECK("goish", st.news == 200 && st.frees == 0);
	pool_goish_attach(&p, &l);
	for (int k = 0; k < 100; k++)
		held[k] = pool_goish_get(&p, &l);
	pool_goish_stats(&p, &st);
	CHECK("goish", st.news == 200); /* reused from the victim */
	for (int k = 0; k < 100; k++)
		pool_goish_put(&p, &l, held[k]);
	pool_goish_detach(&p, &l);
	pool_goish_age(&p);
	pool_goish_age(&p);
	pool_goish_stats(&p, &st);
	CHECK("goish", st.frees == 200); /* idle for two ages: all freed */
	pool_goish_destroy(&p);
	pool_goish_stats(&p, &st);
	CHECK("goish", st.frees == 200);
}

int main(void)
{
	uint64_t made;
	setvbuf(stdout, NULL, _IOLBF, 0);
	watchdog_arm(WATCHDOG_S, "a pool test hung");
	POOL_IMPLS(POOL_TEST_RUN)
	goish_test_steady();
	goish_test_age();
	/* across threads the Go-style pool reuses too: the objects made are
	 * those in flight (queue, caches, a batch or two), not one per
	 * transfer */
	made = goish_test_cross();
	CHECK("goish", made <= QUEUE + 4 * POOL_GOISH_CACHE);
	printf("%d failures\n", fails);
	return fails != 0;
}
