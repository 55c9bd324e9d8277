/* The director's side of the schedule points (primitives/atomic/
 * sched_point.h), for tests that play a reproduction step by step: each
 * actor (a publisher, a reader, a sender) runs on its own thread; the
 * director, the main thread, lets it run to a named point where it parks,
 * holds one of its stores back as a store buffer would, and makes that
 * store when the model says it drains (at the actor's next full fence, at
 * any membarrier, or when the director says so). One scripted test per
 * program includes this, which defines the hooks the primitives call. A
 * step that never comes back (a hang the script found) is bounded by the
 * caller's watchdog (test_watchdog.h).
 *
 * The model: a held store may stay held only across code that runs no
 * fence and no locked instruction on its thread; the scripts hold one
 * across loads only, as x86-TSO allows.
 */
#ifndef CONTEND_TEST_SCHED_H
#define CONTEND_TEST_SCHED_H

#include <errno.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sched_point.h"

#ifndef CONTEND_SCHED_POINTS
#error "test_sched.h: build the primitives under test with CONTEND_SCHED_POINTS"
#endif

#define SCHED_MAX_ACTORS 8

struct actor {
	const char *name;
	void (*fn)(void *arg);
	void *arg;
	pthread_t th;
	const char *stop_at;	/* the point to park at next; NULL: none */
	const char *parked;	/* where it is parked; NULL while running */
	const char *hold_at;	/* the SCHED_STORE to hold back; NULL: none */
	_Atomic uint64_t *held; /* a store held back; NULL: none */
	uint64_t held_val;
	int started, done;
};

static pthread_mutex_t sched_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sched_cv = PTHREAD_COND_INITIALIZER;
static struct actor *sched_actors[SCHED_MAX_ACTORS];
static int sched_nactors;
static _Thread_local struct actor *sched_self;

/* The held store reaches memory (under sched_mu). */
static inline void sched_drain_locked(struct actor *a)
{
	if (!a->held)
		return;
	atomic_store_explicit(a->held, a->held_val, memory_order_seq_cst);
	a->held = NULL;
}

void contend_sched_point(const char *where)
{
	struct actor *a = sched_self;
	pthread_mutex_lock(&sched_mu);
	if (strcmp(where, "membarrier") == 0) {
		for (int i = 0; i < sched_nactors; i++)
			sched_drain_locked(sched_actors[i]);
	} else if (a && strcmp(where, "fence") == 0) {
		sched_drain_locked(a);
	}
	if (a && a->stop_at && strcmp(where, a->stop_at) == 0) {
		a->parked = a->stop_at;
		a->stop_at = NULL;
		pthread_cond_broadcast(&sched_cv);
		while (a->parked)
			pthread_cond_wait(&sched_cv, &sched_mu);
	}
	pthread_mutex_unlock(&sched_mu);
}

int contend_sched_hold_store(const char *where, _Atomic uint64_t *obj,
			     uint64_t val)
{
	struct actor *a = sched_self;
	int held = 0;
	pthread_mutex_lock(&sched_mu);
	if (a && a->hold_at && strcmp(where, a->hold_at) == 0) {
		a->held = obj;
		a->held_val = val;
		a->hold_at = NULL;
		held = 1;
	}
	pthread_mutex_unlock(&sched_mu);
	return held;
}

/* How the next membarrier(2) calls fail (sched_membarrier_fail). */
struct sched_membarrier_plan {
	int private_fails; /* calls of the private command to fail; -1: all */
	int global_fails;  /* the same for the global command */
	int err;	   /* the errno they fail with */
	int calls[2];	   /* calls seen: [0] private, [1] global */
};
static struct sched_membarrier_plan sched_mb;

static inline int sched_mb_take(int *fails)
{
	if (*fails == 0)
		return 0;
	if (*fails > 0)
		(*fails)--;
	return 1;
}

long contend_sched_membarrier(int cmd)
{
	int fail, err;
	pthread_mutex_lock(&sched_mu);
	err = sched_mb.err;
	if (cmd == MEMBARRIER_CMD_PRIVATE_EXPEDITED) {
		sched_mb.calls[0]++;
		fail = sched_mb_take(&sched_mb.private_fails);
	} else {
		sched_mb.calls[1]++;
		fail = sched_mb_take(&sched_mb.global_fails);
	}
	pthread_mutex_unlock(&sched_mu);
	if (fail) {
		errno = err;
		return -1;
	}
	return syscall(SYS_membarrier, cmd, 0, 0);
}

/* The next private membarriers fail private_fails times (-1: always)
 * with err, the global ones global_fails times; the call counts restart. */
static inline void sched_membarrier_fail(int private_fails, int global_fails,
					 int err)
{
	if ((private_fails || global_fails) && err == 0) {
		printf("FAIL: a membarrier failure needs an errno\n");
		exit(1);
	}
	pthread_mutex_lock(&sched_mu);
	sched_mb = (struct sched_membarrier_plan){
		private_fails, global_fails, err, {0, 0}};
	pthread_mutex_unlock(&sched_mu);
}

static inline void *sched_actor_main(void *p)
{
	struct actor *a = p;
	sched_self = a;
	a->fn(a->arg);
	pthread_mutex_lock(&sched_mu);
	a->done = 1;
	pthread_cond_broadcast(&sched_cv);
	pthread_mutex_unlock(&sched_mu);
	return NULL;
}

/* Waits (under sched_mu) until a parks or finishes. */
static inline void sched_wait_locked(struct actor *a)
{
	while (!a->parked && !a->done)
		pthread_cond_wait(&sched_cv, &sched_mu);
}

/* Starts (or moves on) actor a and returns once it parked at stop_at, or
 * finished (stop_at NULL, or a point it never reached). */
static inline void actor_run(struct actor *a, const char *stop_at)
{
	pthread_mutex_lock(&sched_mu);
	a->stop_at = stop_at;
	if (!a->started) {
		if (sched_nactors == SCHED_MAX_ACTORS) {
			printf("FAIL: more than %d actors\n", SCHED_MAX_ACTORS);
			exit(1);
		}
		sched_actors[sched_nactors++] = a;
		a->started = 1;
		if (pthread_create(&a->th, NULL, sched_actor_main, a) != 0) {
			printf("FAIL: cannot start actor %s\n", a->name);
			exit(1);
		}
	} else {
		a->parked = NULL;
		pthread_cond_broadcast(&sched_cv);
	}
	sched_wait_locked(a);
	pthread_mutex_unlock(&sched_mu);
}

/* Where a is parked ("" once done): what a script checks it reached. */
static inline const char *actor_at(struct actor *a)
{
	const char *at;
	pthread_mutex_lock(&sched_mu);
	at = a->done ? "" : a->parked;
	pthread_mutex_unlock(&sched_mu);
	return at;
}

/* The next store a makes at SCHED_STORE point where is held back. */
static inline void actor_hold(struct actor *a, const char *where)
{
	pthread_mutex_lock(&sched_mu);
	a->hold_at = where;
	pthread_mutex_unlock(&sched_mu);
}

/* a's held store drains now (its buffer empties on its own). */
static inline void actor_drain(struct actor *a)
{
	pthread_mutex_lock(&sched_mu);
	sched_drain_locked(a);
	pthread_mutex_unlock(&sched_mu);
}

/* Runs a to its end and joins it. */
static inline void actor_finish(struct actor *a)
{
	actor_run(a, NULL);
	pthread_join(a->th, NULL);
}

/* Forgets every actor (all joined), for the next script. */
static inline void sched_reset(void)
{
	pthread_mutex_lock(&sched_mu);
	sched_nactors = 0;
	pthread_mutex_unlock(&sched_mu);
}

#endif
