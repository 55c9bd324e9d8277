/* Mutex implementations under stress, each the same way: mutual exclusion
 * (a flag that must be clear on entry and is set inside, eight words that
 * must stay equal, a final count equal to the increments made), no lost
 * wake-up (owners that sleep inside the critical section, so waiters go to
 * sleep or spin long, and every thread must still finish), and a two-thread
 * hand-off that must alternate strictly. More threads than this machine has
 * CPUs, so owners get preempted inside. Every wait is a timed join: a hang
 * is a failure with the name of the lock, not a stuck test.
 *
 * The fair spin locks (ticket, MCS: fair_spin in mutex_impls.h) get one
 * thread per CPU at most: they hand the lock to the next waiter in line
 * even when it is preempted, so with more threads than CPUs every hand-off
 * may wait for a scheduler time slice (the convoy their headers warn of)
 * and a bounded run is no longer bounded in time. That is their documented
 * cost, not a bug to test for. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "mutex_impls.h"
#include "spin.h"

static int fails;

#define CHECK(impl, cond)                                                      \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("FAIL %s line %d: %s\n", impl, __LINE__,        \
			       #cond);                                         \
			fails++;                                               \
		}                                                              \
	} while (0)

#define THREADS 4
/* Sanitized builds are several times slower per op, and ThreadSanitizer
 * reports an overlap of two critical sections by itself: fewer rounds. */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define ITERS 20000
#else
#define ITERS 100000
#endif
#define SLEEPERS 3
#define NAPS	 50
#define HANDOFFS 20000
#define WATCHDOG 60 /* seconds for one phase of one lock */

/* Joins every thread by the deadline; a thread still running then means a
 * lost wake-up or a livelock: report and give up (the threads are stuck, so
 * the process cannot clean up). */
static void join_all(const char *impl, const char *phase, pthread_t *th, int n)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += WATCHDOG;
	for (int i = 0; i < n; i++)
		if (pthread_timedjoin_np(th[i], NULL, &until) != 0) {
			printf("FAIL %s %s: thread %d still running after "
			       "%d s (lost wake-up or livelock)\n",
			       impl, phase, i, WATCHDOG);
			fflush(stdout);
			_exit(1);
		}
}

static void nap(void)
{
	struct timespec ts = {0, 200000}; /* 0.2 ms */
	nanosleep(&ts, NULL);
}

#define MUTEX_TESTS(IMPL, SUMMARY, FAIR_SPIN)                                  \
	struct IMPL##_race {                                                   \
		struct mutex_##IMPL m;                                         \
		int inside;                                                    \
		uint64_t a[8];                                                 \
		uint64_t count;                                                \
		int naps; /* 1: sleep inside the critical section */           \
		_Atomic long bad;                                              \
	};                                                                     \
                                                                               \
	static void *IMPL##_worker(void *arg)                                  \
	{                                                                      \
		struct IMPL##_race *r = arg;                                   \
		int n = r->naps ? NAPS : ITERS;                                \
		for (int i = 0; i < n; i++) {                                  \
			mutex_##IMPL##_lock(&r->m);                            \
			if (r->inside != 0)                                    \
				r->bad++;                                      \
			r->inside = 1;                                         \
			/* compiler barriers: each store really happens, one   \
			 * at a time, so an intruder sees the half-done work   \
			 */                                                    \
			atomic_signal_fence(memory_order_seq_cst);             \
			for (int w = 1; w < 8; w++)                            \
				if (r->a[w] != r->a[0])                        \
					r->bad++;                              \
			for (int w = 0; w < 8; w++) {                          \
				r->a[w]++;                                     \
				atomic_signal_fence(memory_order_seq_cst);     \
			}                                                      \
			r->count++;                                            \
			if (r->naps)                                           \
				nap();                                         \
			r->inside = 0;                                         \
			mutex_##IMPL##_unlock(&r->m);                          \
			/* arrive at the lock at varied times */               \
			for (int k = i % 8; k > 0; k--)                        \
				spin_pause();                                  \
		}                                                              \
		return NULL;                                                   \
	}                                                                      \
                                                                               \
	static void IMPL##_test_race(int naps, int nthreads)                   \
	{                                                                      \
		struct IMPL##_race r = {.naps = naps};                         \
		pthread_t th[THREADS];                                         \
		CHECK(#IMPL, mutex_##IMPL##_init(&r.m) == 0);                  \
		for (int i = 0; i < nthreads; i++)                             \
			pthread_create(&th[i], NULL, IMPL##_worker, &r);       \
		join_all(#IMPL, naps ? "wake-up" : "race", th, nthreads);      \
		CHECK(#IMPL, atomic_load(&r.bad) == 0);                        \
		CHECK(#IMPL,                                                   \
		      r.count == (uint64_t)nthreads * (naps ? NAPS : ITERS));  \
		CHECK(#IMPL, r.a[7] == r.count);                               \
		mutex_##IMPL##_destroy(&r.m);                                  \
	}                                                                      \
                                                                               \
	struct IMPL##_pass {                                                   \
		struct mutex_##IMPL m;                                         \
		int turn;                                                      \
		uint64_t seq; /* transfers so far */                           \
		_Atomic long bad;                                              \
	};                                                                     \
                                                                               \
	struct IMPL##_passer {                                                 \
		struct IMPL##_pass *p;                                         \
		int me;                                                        \
	};                                                                     \
                                                                               \
	static void *IMPL##_handoff(void *arg)                                 \
	{                                                                      \
		struct IMPL##_passer *h = arg;                                 \
		struct IMPL##_pass *p = h->p;                                  \
		for (int done = 0; done < HANDOFFS;) {                         \
			mutex_##IMPL##_lock(&p->m);                            \
			if (p->turn == h->me) {                                \
				/* thread 0 makes the even transfers */        \
				if ((int)(p->seq & 1) != h->me)                \
					p->bad++;                              \
				p->seq++;                                      \
				p->turn = !h->me;                              \
				done++;                                        \
			}                                                      \
			mutex_##IMPL##_unlock(&p->m);                          \
			sched_yield();                                         \
		}                                                              \
		return NULL;                                                   \
	}                                                                      \
                                                                               \
	static void IMPL##_test_handoff(void)                                  \
	{                                                                      \
		struct IMPL##_pass p = {.turn = 0};                            \
		struct IMPL##_passer h[2] = {{&p, 0}, {&p, 1}};                \
		pthread_t th[2];                                               \
		CHECK(#IMPL, mutex_##IMPL##_init(&p.m) == 0);                  \
		for (int i = 0; i < 2; i++)                                    \
			pthread_create(&th[i], NULL, IMPL##_handoff, &h[i]);   \
		join_all(#IMPL, "handoff", th, 2);                             \
		CHECK(#IMPL, atomic_load(&p.bad) == 0);                        \
		CHECK(#IMPL, p.seq == 2 * (uint64_t)HANDOFFS);                 \
		CHECK(#IMPL, p.turn == 0);                                     \
		mutex_##IMPL##_destroy(&p.m);                                  \
	}                                                                      \
                                                                               \
	static void IMPL##_test(int ncpus)                                     \
	{                                                                      \
		int cap = FAIR_SPIN && ncpus < THREADS ? ncpus : THREADS;      \
		double t0 = clock_mono_s();                                    \
		IMPL##_test_race(0, cap);                                      \
		IMPL##_test_race(1, cap < SLEEPERS ? cap : SLEEPERS);          \
		IMPL##_test_handoff();                                         \
		printf("%-18s %.2f s\n", #IMPL, clock_mono_s() - t0);          \
	}

MUTEX_IMPLS(MUTEX_TESTS)

#define MUTEX_TEST_RUN(IMPL, SUMMARY, FAIR_SPIN) IMPL##_test(ncpus);

int main(void)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	int ncpus = online < 2 ? 2 : (int)online;
	setvbuf(stdout, NULL, _IOLBF, 0);
	MUTEX_IMPLS(MUTEX_TEST_RUN)
	printf("%d failures\n", fails);
	return fails != 0;
}
