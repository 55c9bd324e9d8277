/* Atomic value schemes under stress: readers racing a publisher, and
 * readers holding values against several publishers, never see a torn or
 * freed value (each value carries a checksum, and freed values are
 * poisoned first; ASan catches the use-after-free outright), nothing leaks
 * at destroy (LeakSanitizer), and a reader stalled inside its read section
 * keeps its value alive while retired memory stays within what the scheme
 * documents. EBR runs in both fence modes. A watchdog turns a hang into a
 * failure. Races too rare for stress on a small machine are played step by
 * step in test_ebr_schedule.c. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "atomic_value_impls.h"
#include "spin.h"

#include "atomic_value_ebr_fence.h"
#include "test_check.h"
#include "test_watchdog.h"

#define TAG 0x0ddba11cafef00dull

struct value {
	uint64_t seq, check;
	char pad[48];
};

static void *value_new(uint64_t seq)
{
	struct value *v = malloc(sizeof(*v));
	v->seq = seq;
	v->check = seq ^ TAG;
	return v;
}

static void value_free(void *p)
{
	struct value *v = p;
	v->check = 0; /* a read after this point fails its checksum */
	free(v);
}

static int value_ok(const struct value *v)
{
	return v->check == (v->seq ^ TAG);
}

#define READERS	  3
#define PUBLISHES 200000

#if defined(CONTEND_TSAN) || defined(__SANITIZE_ADDRESS__)
#define SCALE 10 /* sanitizers run 5-20x slower: fewer publications */
#else
#define SCALE 1
#endif

/* Several publishers (issue 19: EBR freed a held value only with two or
 * more reclaiming threads) against readers that hold each value a while,
 * some across a yield, check its canary before and after, and now and
 * then leave (thread_done, which reclaims too) and come back. */
#define MULTI_PUBLISHERS 3
#define MULTI_READERS	 3
#define MULTI_PUBLISHES	 (50000 / SCALE) /* per publisher */
#define MULTI_PACE	 32		 /* publications between yields */
#define MULTI_CHURN	 4096		 /* reads between a reader's leaves */

/* A value's seq: its publisher (1..MULTI_PUBLISHERS, 0 the initial value)
 * and its count there; a reader sees each publisher's in order. */
#define MULTI_SEQ(pub, n) ((uint64_t)(pub) << 32 | (uint64_t)(n))

/* A held value's canary, checked again after holding it k pauses (every
 * 256th read across a yield, where the reader is likeliest preempted). */
static int held_ok(const struct value *x, unsigned k)
{
	if (!value_ok(x))
		return 0;
	if (k % 256 == 0)
		sched_yield();
	else
		for (unsigned i = 0; i < k % 16; i++)
			spin_pause();
	return value_ok(x);
}

#define SCHEME_TESTS(IMPL, SUMMARY, NOTE, STATS)                               \
	struct IMPL##_race {                                                   \
		struct atomic_value_##IMPL v;                                  \
		_Atomic int stop;                                              \
		_Atomic long bad, reads;                                       \
	};                                                                     \
                                                                               \
	static void *IMPL##_reader(void *arg)                                  \
	{                                                                      \
		struct IMPL##_race *r = arg;                                   \
		struct atomic_value_##IMPL##_thread *t =                       \
			atomic_value_##IMPL##_thread_new(&r->v);               \
		uint64_t last = 0;                                             \
		while (!atomic_load(&r->stop)) {                               \
			const struct value *x =                                \
				atomic_value_##IMPL##_read_begin(&r->v, t);    \
			if (!value_ok(x) || x->seq < last)                     \
				r->bad++;                                      \
			last = x->seq;                                         \
			atomic_value_##IMPL##_read_end(&r->v, t);              \
			r->reads++;                                            \
		}                                                              \
		atomic_value_##IMPL##_thread_done(&r->v, t);                   \
		return NULL;                                                   \
	}                                                                      \
                                                                               \
	static void IMPL##_test_race(void)                                     \
	{                                                                      \
		struct IMPL##_race r = {.stop = 0, .bad = 0, .reads = 0};      \
		pthread_t th[READERS];                                         \
		struct atomic_value_##IMPL##_thread *w;                        \
		atomic_value_##IMPL##_init(&r.v, value_new(0),                 \
					   sizeof(struct value), value_free);  \
		w = atomic_value_##IMPL##_thread_new(&r.v);                    \
		for (int i = 0; i < READERS; i++)                              \
			pthread_create(&th[i], NULL, IMPL##_reader, &r);       \
		while (atomic_load(&r.reads) < READERS) /* all racing */       \
			usleep(100);                                           \
		for (uint64_t s = 1; s <= PUBLISHES; s++)                      \
			atomic_value_##IMPL##_publish(&r.v, w, value_new(s));  \
		atomic_store(&r.stop, 1);                                      \
		for (int i = 0; i < READERS; i++)                              \
			pthread_join(th[i], NULL);                             \
		atomic_value_##IMPL##_thread_done(&r.v, w);                    \
		atomic_value_##IMPL##_destroy(&r.v);                           \
		CHECK(r.bad == 0);                                             \
		CHECK(r.reads > 0);                                            \
		printf("%s: %ld reads racing %d publications, %ld bad\n",      \
		       #IMPL, (long)r.reads, PUBLISHES, (long)r.bad);          \
	}                                                                      \
                                                                               \
	struct IMPL##_stall {                                                  \
		struct atomic_value_##IMPL v;                                  \
		_Atomic int holding, release, ok;                              \
	};                                                                     \
                                                                               \
	static void *IMPL##_staller(void *arg)                                 \
	{                                                                      \
		struct IMPL##_stall *s = arg;                                  \
		struct atomic_value_##IMPL##_thread *t =                       \
			atomic_value_##IMPL##_thread_new(&s->v);               \
		const struct value *x =                                        \
			atomic_value_##IMPL##_read_begin(&s->v, t);            \
		atomic_store(&s->holding, 1);                                  \
		while (!atomic_load(&s->release))                              \
			usleep(1000);                                          \
		atomic_store(&s->ok, value_ok(x) && x->seq == 0);              \
		atomic_value_##IMPL##_read_end(&s->v, t);                      \
		atomic_value_##IMPL##_thread_done(&s->v, t);                   \
		return NULL;                                                   \
	}                                                                      \
                                                                               \
	/* publications while a reader stalls: retired memory must stay        \
	 * within stall_bound (SIZE_MAX: the scheme documents growth) */       \
	static __attribute__((unused)) void IMPL##_test_stall(                 \
		size_t stall_bound, int publishes, size_t after_bound)         \
	{                                                                      \
		struct IMPL##_stall s = {.holding = 0, .release = 0, .ok = 0}; \
		struct atomic_value_##IMPL##_thread *w;                        \
		pthread_t th;                                                  \
		size_t during;                                                 \
		atomic_value_##IMPL##_init(&s.v, value_new(0),                 \
					   sizeof(struct value), value_free);  \
		w = atomic_value_##IMPL##_thread_new(&s.v);                    \
		pthread_create(&th, NULL, IMPL##_staller, &s);                 \
		while (!atomic_load(&s.holding))                               \
			usleep(100);                                           \
		for (int i = 1; i <= publishes; i++)                           \
			atomic_value_##IMPL##_publish(&s.v, w,                 \
						      value_new((uint64_t)i)); \
		during = atomic_value_##IMPL##_retired_peak(&s.v);             \
		atomic_store(&s.release, 1);                                   \
		pthread_join(th, NULL);                                        \
		for (int i = 0; i < 5000; i++)                                 \
			atomic_value_##IMPL##_publish(&s.v, w, value_new(1));  \
		CHECK(atomic_load(&s.ok));                                     \
		CHECK(during <= stall_bound);                                  \
		/* once the reader left, what piled up is freed again */       \
		CHECK(atomic_load(&s.v.STATS.retired) <= after_bound);         \
		printf("%s: stalled reader kept its value; %zu retired at "    \
		       "peak while it stalled\n",                              \
		       #IMPL, during);                                         \
		atomic_value_##IMPL##_thread_done(&s.v, w);                    \
		atomic_value_##IMPL##_destroy(&s.v);                           \
	}                                                                      \
                                                                               \
	struct IMPL##_multi {                                                  \
		struct atomic_value_##IMPL v;                                  \
		_Atomic int publishing, next_pub;                              \
		_Atomic long bad, reads, publishes;                            \
	};                                                                     \
                                                                               \
	static void *IMPL##_multi_reader(void *arg)                            \
	{                                                                      \
		struct IMPL##_multi *m = arg;                                  \
		uint64_t last[MULTI_PUBLISHERS + 1] = {0};                     \
		unsigned k = 0;                                                \
		while (atomic_load(&m->publishing)) {                          \
			struct atomic_value_##IMPL##_thread *t =               \
				atomic_value_##IMPL##_thread_new(&m->v);       \
			if (!t) {                                              \
				m->bad++;                                      \
				return NULL;                                   \
			}                                                      \
			for (int i = 0;                                        \
			     i < MULTI_CHURN && atomic_load(&m->publishing);   \
			     i++, k++) {                                       \
				const struct value *x =                        \
					atomic_value_##IMPL##_read_begin(      \
						&m->v, t);                     \
				uint64_t pub = x->seq >> 32;                   \
				if (!held_ok(x, k) ||                          \
				    pub > MULTI_PUBLISHERS ||                  \
				    x->seq < last[pub])                        \
					m->bad++;                              \
				else                                           \
					last[pub] = x->seq;                    \
				atomic_value_##IMPL##_read_end(&m->v, t);      \
				m->reads++;                                    \
			}                                                      \
			atomic_value_##IMPL##_thread_done(&m->v, t);           \
		}                                                              \
		return NULL;                                                   \
	}                                                                      \
                                                                               \
	static void *IMPL##_multi_publisher(void *arg)                         \
	{                                                                      \
		struct IMPL##_multi *m = arg;                                  \
		int pub = atomic_fetch_add(&m->next_pub, 1);                   \
		struct atomic_value_##IMPL##_thread *t =                       \
			atomic_value_##IMPL##_thread_new(&m->v);               \
		while (atomic_load(&m->reads) < MULTI_READERS)                 \
			usleep(100); /* the readers are racing */              \
		int n = 1;                                                     \
		for (; t && n <= MULTI_PUBLISHES; n++) {                       \
			atomic_value_##IMPL##_publish(                         \
				&m->v, t, value_new(MULTI_SEQ(pub, n)));       \
			if (n % MULTI_PACE == 0) /* let readers in */          \
				sched_yield();                                 \
		}                                                              \
		if (t)                                                         \
			atomic_value_##IMPL##_thread_done(&m->v, t);           \
		else                                                           \
			m->bad++;                                              \
		m->publishes += n - 1;                                         \
		atomic_fetch_sub(&m->publishing, 1);                           \
		return NULL;                                                   \
	}                                                                      \
                                                                               \
	static __attribute__((unused)) void IMPL##_test_multi(void)            \
	{                                                                      \
		struct IMPL##_multi m = {.publishing = MULTI_PUBLISHERS,       \
					 .next_pub = 1,                        \
					 .bad = 0,                             \
					 .reads = 0,                           \
					 .publishes = 0};                      \
		pthread_t th[MULTI_PUBLISHERS + MULTI_READERS];                \
		CHECK(atomic_value_##IMPL##_init(&m.v, value_new(0),           \
						 sizeof(struct value),         \
						 value_free) == 0);            \
		for (int i = 0; i < MULTI_READERS; i++)                        \
			pthread_create(&th[i], NULL, IMPL##_multi_reader, &m); \
		for (int i = 0; i < MULTI_PUBLISHERS; i++)                     \
			pthread_create(&th[MULTI_READERS + i], NULL,           \
				       IMPL##_multi_publisher, &m);            \
		for (int i = 0; i < MULTI_PUBLISHERS + MULTI_READERS; i++)     \
			pthread_join(th[i], NULL);                             \
		atomic_value_##IMPL##_destroy(&m.v);                           \
		CHECK(m.bad == 0);                                             \
		printf("%s: %ld held reads racing %ld publications by %d "     \
		       "publishers, %ld bad\n",                                \
		       #IMPL, (long)m.reads, (long)m.publishes,                \
		       MULTI_PUBLISHERS, (long)m.bad);                         \
	}

/* Every scheme, and EBR's other fence mode: a variant of the tests only
 * (atomic_value_ebr_fence.h), as the benchmarks' EBR takes whichever mode
 * the kernel offers. */
#define SCHEME_TESTS_ALL(X)                                                    \
	ATOMIC_VALUE_SCHEMES(X)                                                \
	X(ebr_fence, "EBR, readers' own fence", NULL, ebr.stats)

SCHEME_TESTS_ALL(SCHEME_TESTS)

#define SCHEME_TEST_RACE(IMPL, SUMMARY, NOTE, STATS)  IMPL##_test_race();
#define SCHEME_TEST_MULTI(IMPL, SUMMARY, NOTE, STATS) IMPL##_test_multi();

/* urcu's publisher waits for the stalled reader instead of growing, so it
 * is released from another thread while the publisher is blocked. */
static void *release_later(void *arg)
{
	_Atomic int *release = arg;
	usleep(50000);
	atomic_store(release, 1);
	return NULL;
}

static void urcu_test_stall_blocks(void)
{
	struct urcu_stall s = {.holding = 0, .release = 0, .ok = 0};
	struct atomic_value_urcu_thread *w;
	pthread_t th, rel;
	atomic_value_urcu_init(&s.v, value_new(0), sizeof(struct value),
			       value_free);
	w = atomic_value_urcu_thread_new(&s.v);
	pthread_create(&th, NULL, urcu_staller, &s);
	while (!atomic_load(&s.holding))
		usleep(100);
	pthread_create(&rel, NULL, release_later, (void *)&s.release);
	for (int i = 1; i <= 3000; i++)
		atomic_value_urcu_publish(&s.v, w, value_new((uint64_t)i));
	pthread_join(th, NULL);
	pthread_join(rel, NULL);
	CHECK(atomic_load(&s.ok));
	CHECK(atomic_value_urcu_retired_peak(&s.v) <= ATOMIC_VALUE_URCU_BATCH);
	atomic_value_urcu_thread_done(&s.v, w);
	atomic_value_urcu_destroy(&s.v);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0); /* what ran shows if it fires */
	watchdog_arm(240, "atomic value: a publisher or reader hung (the test "
			  "after the last line printed)");
	SCHEME_TESTS_ALL(SCHEME_TEST_RACE)
	/* EBR documents growth while a reader stalls: all 20000 stay */
	ebr_test_stall(SIZE_MAX, 20000, 3 * ATOMIC_VALUE_EBR_BATCH);
	/* HP pins one value per reader: a batch plus the thread count */
	hp_test_stall(ATOMIC_VALUE_HP_BATCH + 2 + 1, 20000,
		      ATOMIC_VALUE_HP_BATCH + 2 + 1);
	/* the same bound when the slot outlives read_end */
	hp_sticky_test_stall(ATOMIC_VALUE_HP_BATCH + 2 + 1, 20000,
			     ATOMIC_VALUE_HP_BATCH + 2 + 1);
	urcu_test_stall_blocks();
	/* refcount pins the held value (plus the one being replaced at that
	 * instant); seqlock readers hold a copy */
	refcount_test_stall(2, 20000, 0);
	seqlock_test_stall(0, 20000, 0);
	/* every scheme that frees what it replaces, EBR in both modes */
	SCHEME_TESTS_ALL(SCHEME_TEST_MULTI)
	printf("%d failures\n", fails);
	return fails != 0;
}
