/* RWMutex implementations under stress. For every implementation: readers
 * and writers race (more threads than CPUs, writers sometimes yield while
 * holding the lock so that waiters go to sleep): a writer never sees
 * another writer or a reader inside, a reader never sees a writer inside
 * nor a broken three-field invariant, and no write is lost. For the
 * writer-preferring and fair implementations, a writer gets in within
 * STARVE_BOUND_NS while overlapping readers flood the lock. A watchdog
 * alarm turns a lost wake-up (a hang) into a failure. */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "rwmutex_impls.h"

#include "test_check.h"
#include "test_watchdog.h"

#define READERS		3
#define WRITERS		2
#define RACE_NS		300000000ull /* each race runs this long */
#define STARVE_READERS	3
#define STARVE_TRIES	20
#define STARVE_BOUND_NS 1000000000ull /* a writer gets in within 1 s */
#define WATCHDOG_S	120

/* Some work inside a read section, so that readers overlap. */
static void hold(int rounds)
{
	for (int i = 0; i < rounds; i++)
		spin_pause();
}

#define RW_TESTS(IMPL, SUMMARY, WRITER_BOUNDED)                                \
	struct IMPL##_race {                                                   \
		struct rwmutex_##IMPL l;                                       \
		_Atomic int readers_in, writers_in, stop;                      \
		_Atomic long bad, reads, writes;                               \
		uint64_t a, b,                                                 \
			c; /* b == 3a + 1, c == a ^ 0x5a5a: the lock's */      \
	};                                                                     \
                                                                               \
	static void *IMPL##_reader(void *arg)                                  \
	{                                                                      \
		struct IMPL##_race *r = arg;                                   \
		long n = 0;                                                    \
		while (!atomic_load_explicit(&r->stop,                         \
					     memory_order_relaxed)) {          \
			rwmutex_##IMPL##_rlock(&r->l);                         \
			atomic_fetch_add(&r->readers_in, 1);                   \
			if (atomic_load(&r->writers_in) != 0)                  \
				atomic_fetch_add(&r->bad, 1);                  \
			uint64_t a = r->a;                                     \
			hold(n & 7);                                           \
			if (r->b != 3 * a + 1 || r->c != (a ^ 0x5a5a))         \
				atomic_fetch_add(&r->bad, 1);                  \
			atomic_fetch_sub(&r->readers_in, 1);                   \
			rwmutex_##IMPL##_runlock(&r->l);                       \
			hold(32); /* a gap, so that reader-preferring locks */ \
			if ((++n & 255) == 0) /* let writers in too */         \
				sched_yield();                                 \
		}                                                              \
		atomic_fetch_add(&r->reads, n);                                \
		return NULL;                                                   \
	}                                                                      \
                                                                               \
	static void *IMPL##_writer(void *arg)                                  \
	{                                                                      \
		struct IMPL##_race *r = arg;                                   \
		long n = 0;                                                    \
		while (!atomic_load_explicit(&r->stop,                         \
					     memory_order_relaxed)) {          \
			rwmutex_##IMPL##_lock(&r->l);                          \
			if (atomic_fetch_add(&r->writers_in, 1) != 0 ||        \
			    atomic_load(&r->readers_in) != 0)                  \
				atomic_fetch_add(&r->bad, 1);                  \
			r->a++;                                                \
			if ((n & 15) == 0)                                     \
				sched_yield(); /* waiters go to sleep */       \
			r->b = 3 * r->a + 1;                                   \
			r->c = r->a ^ 0x5a5a;                                  \
			atomic_fetch_sub(&r->writers_in, 1);                   \
			rwmutex_##IMPL##_unlock(&r->l);                        \
			hold(64); /* a gap: writer-preferring spin locks */    \
			n++;	  /* would starve the readers otherwise */     \
		}                                                              \
		atomic_fetch_add(&r->writes, n);                               \
		return NULL;                                                   \
	}                                                                      \
                                                                               \
	static void IMPL##_test_race(void)                                     \
	{                                                                      \
		struct IMPL##_race *r = xcalloc(1, sizeof(*r));                \
		pthread_t th[READERS + WRITERS];                               \
		CHECK(rwmutex_##IMPL##_init(&r->l) == 0);                      \
		r->b = 1;                                                      \
		r->c = 0x5a5a;                                                 \
		for (int i = 0; i < READERS + WRITERS; i++)                    \
			pthread_create(&th[i], NULL,                           \
				       i < READERS ? IMPL##_reader             \
						   : IMPL##_writer,            \
				       r);                                     \
		usleep(RACE_NS / 1000);                                        \
		atomic_store(&r->stop, 1);                                     \
		for (int i = 0; i < READERS + WRITERS; i++)                    \
			pthread_join(th[i], NULL);                             \
		CHECK(r->bad == 0);                                            \
		CHECK(r->reads > 0);                                           \
		CHECK(r->writes > 0);                                          \
		CHECK(r->a == (uint64_t)r->writes); /* no lost update */       \
		printf("%s: %ld reads and %ld writes raced, %ld bad\n", #IMPL, \
		       (long)r->reads, (long)r->writes, (long)r->bad);         \
		rwmutex_##IMPL##_destroy(&r->l);                               \
		free(r);                                                       \
	}                                                                      \
                                                                               \
	static void *IMPL##_flooder(void *arg)                                 \
	{                                                                      \
		struct IMPL##_race *r = arg;                                   \
		while (!atomic_load_explicit(&r->stop,                         \
					     memory_order_relaxed)) {          \
			rwmutex_##IMPL##_rlock(&r->l);                         \
			hold(200); /* readers overlap */                       \
			rwmutex_##IMPL##_runlock(&r->l);                       \
		}                                                              \
		return NULL;                                                   \
	}                                                                      \
                                                                               \
	/* the longest a writer waited while readers flooded */                \
	static uint64_t IMPL##_writer_wait(void)                               \
	{                                                                      \
		struct IMPL##_race *r = xcalloc(1, sizeof(*r));                \
		pthread_t th[STARVE_READERS];                                  \
		uint64_t worst = 0;                                            \
		CHECK(rwmutex_##IMPL##_init(&r->l) == 0);                      \
		for (int i = 0; i < STARVE_READERS; i++)                       \
			pthread_create(&th[i], NULL, IMPL##_flooder, r);       \
		for (int k = 0; k < STARVE_TRIES; k++) {                       \
			uint64_t t0, d;                                        \
			usleep(5000);                                          \
			t0 = clock_mono_ns();                                  \
			rwmutex_##IMPL##_lock(&r->l);                          \
			d = clock_mono_ns() - t0;                              \
			rwmutex_##IMPL##_unlock(&r->l);                        \
			if (d > worst)                                         \
				worst = d;                                     \
			if (d > STARVE_BOUND_NS)                               \
				break;                                         \
		}                                                              \
		atomic_store(&r->stop, 1);                                     \
		for (int i = 0; i < STARVE_READERS; i++)                       \
			pthread_join(th[i], NULL);                             \
		rwmutex_##IMPL##_destroy(&r->l);                               \
		free(r);                                                       \
		printf("%s: writer waited at most %.3f ms among %d flooding "  \
		       "readers\n",                                            \
		       #IMPL, (double)worst / 1e6, STARVE_READERS);            \
		return worst;                                                  \
	}

RWMUTEX_IMPLS(RW_TESTS)

#define RW_TEST_RACE(IMPL, SUMMARY, WRITER_BOUNDED) IMPL##_test_race();
/* a reader-preferring lock may starve its writer: not checked */
#define RW_TEST_WRITER_WAIT(IMPL, SUMMARY, WRITER_BOUNDED)                     \
	if (WRITER_BOUNDED)                                                    \
		CHECK(IMPL##_writer_wait() < STARVE_BOUND_NS);

/* More reader threads than a slotted lock's table holds (ck_brlock,
 * slots): the ones without a slot read under the write lock, and still
 * exclude writers. Each stays alive (asleep on a barrier) until all have
 * read, so no two share a thread descriptor; few reads each, as 70
 * threads spinning on 2 CPUs make slow progress. */
static pthread_barrier_t table_all_read;

#define TABLE_FULL_TEST(IMPL, NSLOTS)                                          \
	static void *IMPL##_many_reader(void *arg)                             \
	{                                                                      \
		struct IMPL##_race *r = arg;                                   \
		if (!r) /* never; tells clang's analyzer &r->l is not NULL */  \
			return NULL;                                           \
		for (int i = 0; i < 20; i++) {                                 \
			rwmutex_##IMPL##_rlock(&r->l);                         \
			atomic_fetch_add(&r->readers_in, 1);                   \
			if (atomic_load(&r->writers_in) != 0)                  \
				atomic_fetch_add(&r->bad, 1);                  \
			atomic_fetch_sub(&r->readers_in, 1);                   \
			rwmutex_##IMPL##_runlock(&r->l);                       \
		}                                                              \
		pthread_barrier_wait(&table_all_read);                         \
		return NULL;                                                   \
	}                                                                      \
                                                                               \
	/* a writer that leaves room: writer preference must not starve the    \
	 * readers whose completion ends this test */                          \
	static void *IMPL##_slow_writer(void *arg)                             \
	{                                                                      \
		struct IMPL##_race *r = arg;                                   \
		if (!r)                                                        \
			return NULL;                                           \
		while (!atomic_load(&r->stop)) {                               \
			rwmutex_##IMPL##_lock(&r->l);                          \
			if (atomic_fetch_add(&r->writers_in, 1) != 0 ||        \
			    atomic_load(&r->readers_in) != 0)                  \
				atomic_fetch_add(&r->bad, 1);                  \
			atomic_fetch_sub(&r->writers_in, 1);                   \
			rwmutex_##IMPL##_unlock(&r->l);                        \
			usleep(100);                                           \
		}                                                              \
		return NULL;                                                   \
	}                                                                      \
                                                                               \
	static void IMPL##_test_table_full(void)                               \
	{                                                                      \
		enum { N = (NSLOTS) + 8 };                                     \
		struct IMPL##_race *r = xcalloc(1, sizeof(*r));                \
		pthread_t *th = xcalloc(N + 1, sizeof(*th));                   \
		CHECK(rwmutex_##IMPL##_init(&r->l) == 0);                      \
		pthread_barrier_init(&table_all_read, NULL, N);                \
		for (int i = 0; i < N; i++)                                    \
			pthread_create(&th[i], NULL, IMPL##_many_reader, r);   \
		pthread_create(&th[N], NULL, IMPL##_slow_writer, r);           \
		for (int i = 0; i < N; i++)                                    \
			pthread_join(th[i], NULL);                             \
		atomic_store(&r->stop, 1);                                     \
		pthread_join(th[N], NULL);                                     \
		pthread_barrier_destroy(&table_all_read);                      \
		CHECK(r->bad == 0);                                            \
		printf("%s: %d readers for %u slots, %ld bad\n", #IMPL, N,     \
		       (unsigned)(NSLOTS), (long)r->bad);                      \
		rwmutex_##IMPL##_destroy(&r->l);                               \
		free(th);                                                      \
		free(r);                                                       \
	}

TABLE_FULL_TEST(ck_brlock, RWMUTEX_CK_BRLOCK_SLOTS)
TABLE_FULL_TEST(slots, RWMUTEX_SLOTS_N)

int main(void)
{
	watchdog_arm(WATCHDOG_S, "a test hung (lost wake-up or starvation)");
	setvbuf(stdout, NULL, _IONBF, 0);

	RWMUTEX_IMPLS(RW_TEST_RACE)
	ck_brlock_test_table_full();
	slots_test_table_full();

	/* writer-preferring and fair ones: a writer is never starved */
	RWMUTEX_IMPLS(RW_TEST_WRITER_WAIT)

	if (fails)
		printf("%d check(s) failed\n", fails);
	return fails ? 1 : 0;
}
