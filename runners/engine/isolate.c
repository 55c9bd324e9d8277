/* The child writes its progress and, at the end, its record into one
 * MAP_SHARED anonymous mapping made before the fork; the parent waits on a
 * pidfd with the case's timeout, and reads the mapping after the child is
 * gone. Nothing but the record crosses: the parent never runs case code. */
#include "isolate.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "counters.h"

struct shared_case {
	struct case_progress progress;
	int done;
	struct record rec; /* pointers fixed up by the parent */
	/* followed by double samples[repeat], double wait_samples[repeat],
	 * uint64_t thread_ops[threads], int cpus[threads] */
};

static size_t shared_size(const struct record *r, int repeat)
{
	return sizeof(struct shared_case) +
	       2 * sizeof(double) * (size_t)repeat +
	       (sizeof(uint64_t) + sizeof(int)) * (size_t)r->threads;
}

/* The arrays after the header: the 8-byte ones first (aligned, as the
 * header is), then cpus. */
static double *shared_samples(struct shared_case *sc)
{
	return (double *)(void *)(sc + 1);
}

static double *shared_waits(struct shared_case *sc, int repeat)
{
	return shared_samples(sc) + repeat;
}

static uint64_t *shared_thread_ops(struct shared_case *sc, int repeat)
{
	return (uint64_t *)(void *)(shared_samples(sc) + 2 * (size_t)repeat);
}

static int *shared_cpus(struct shared_case *sc, int repeat, int threads)
{
	return (int *)(void *)(shared_thread_ops(sc, repeat) + threads);
}

static _Noreturn void child(const struct measure_params *mp, const int *cpus,
			    struct record *r, struct shared_case *sc)
{
	struct measure_params m = *mp;
	struct counter_plan cp = *mp->counters;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	counters_attach(&cp);
	m.counters = &cp;
	m.progress = &sc->progress;
	m.timeout_s = 0; /* the parent enforces it */
	measure_case(&m, cpus, r);
	sc->rec = *r;
	if (r->cpus)
		memcpy(shared_cpus(sc, mp->repeat, r->threads), r->cpus,
		       sizeof(int) * (size_t)r->threads);
	if (r->thread_ops)
		memcpy(shared_thread_ops(sc, mp->repeat), r->thread_ops,
		       sizeof(uint64_t) * (size_t)r->threads);
	if (r->samples)
		memcpy(shared_samples(sc), r->samples,
		       sizeof(double) * (size_t)r->nsamples);
	if (r->wait_samples)
		memcpy(shared_waits(sc, mp->repeat), r->wait_samples,
		       sizeof(double) * (size_t)r->nsamples);
	sc->done = 1;
	_exit(0); /* no atexit handlers, no flush of the parent's buffers */
}

/* The child's record, its arrays copied out of the shared mapping. */
static void take_record(struct shared_case *sc, struct record *r, int repeat)
{
	int threads = r->threads, had_ops = sc->rec.thread_ops != NULL;
	*r = sc->rec;
	r->cpus = malloc(sizeof(int) * (size_t)threads);
	r->thread_ops =
		had_ops ? malloc(sizeof(uint64_t) * (size_t)threads) : NULL;
	if (r->thread_ops)
		memcpy(r->thread_ops, shared_thread_ops(sc, repeat),
		       sizeof(uint64_t) * (size_t)threads);
	r->samples = malloc(sizeof(double) * (size_t)(r->nsamples + 1));
	r->wait_samples = malloc(sizeof(double) * (size_t)(r->nsamples + 1));
	if (r->wait_samples)
		memcpy(r->wait_samples, shared_waits(sc, repeat),
		       sizeof(double) * (size_t)r->nsamples);
	if (r->cpus)
		memcpy(r->cpus, shared_cpus(sc, repeat, threads),
		       sizeof(int) * (size_t)threads);
	if (r->samples)
		memcpy(r->samples, shared_samples(sc),
		       sizeof(double) * (size_t)r->nsamples);
}

/* A case that died keeps its identity and the planned CPUs, no figures. */
static void keep_plan(struct record *r, const int *cpus)
{
	r->cpus = malloc(sizeof(int) * (size_t)r->threads);
	if (r->cpus)
		memcpy(r->cpus, cpus, sizeof(int) * (size_t)r->threads);
}

/* Waits for the child; 1 on timeout, 2 when *stop was raised, 0 exited. */
static int wait_child(pid_t pid, double timeout_s,
		      const volatile sig_atomic_t *stop, int *status)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	double deadline = timeout_s > 0 ? clock_mono_s() + timeout_s : 0;
	int r = -1;
	while (r < 0) {
		int ms = 200;
		if (waitpid(pid, status, WNOHANG) == pid)
			r = 0;
		else if (*stop)
			r = 2;
		else if (deadline && clock_mono_s() >= deadline)
			r = 1;
		else if (pidfd >= 0) {
			struct pollfd p = {pidfd, POLLIN, 0};
			double left =
				deadline ? (deadline - clock_mono_s()) * 1e3
					 : ms;
			poll(&p, 1, left < ms ? (int)left + 1 : ms);
		} else {
			struct timespec d = {0, 5000000}; /* old kernels */
			nanosleep(&d, NULL);
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	if (r != 0) {
		kill(pid, SIGKILL); /* every thread of the case goes with it */
		waitpid(pid, status, 0);
	}
	return r;
}

static void describe_death(struct record *r, const struct shared_case *sc,
			   int status, int repeat)
{
	char where[64];
	case_phase_describe(&sc->progress, repeat, where, sizeof(where));
	r->status = REC_FAILED;
	if (WIFSIGNALED(status))
		snprintf(r->reason, sizeof(r->reason),
			 "killed by SIG%s (%s) during %s",
			 sigabbrev_np(WTERMSIG(status))
				 ? sigabbrev_np(WTERMSIG(status))
				 : "?",
			 strsignal(WTERMSIG(status)), where);
	else
		snprintf(r->reason, sizeof(r->reason),
			 "case process exited with status %d during %s",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1, where);
}

enum isolate_result isolate_case(const struct measure_params *mp,
				 const int *cpus, struct record *r,
				 const volatile sig_atomic_t *stop)
{
	size_t size = shared_size(r, mp->repeat);
	struct shared_case *sc = mmap(NULL, size, PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status = 0, w;
	pid_t pid;
	if (sc == MAP_FAILED) {
		r->status = REC_FAILED;
		snprintf(r->reason, sizeof(r->reason), "mmap: %s",
			 strerror(errno));
		return ISOLATE_DONE;
	}
	memset(sc, 0, size);
	fflush(NULL); /* the child must not inherit unflushed output */
	pid = fork();
	if (pid == 0)
		child(mp, cpus, r, sc);
	if (pid < 0) {
		r->status = REC_FAILED;
		snprintf(r->reason, sizeof(r->reason), "fork: %s",
			 strerror(errno));
		munmap(sc, size);
		return ISOLATE_DONE;
	}
	w = wait_child(pid, mp->timeout_s, stop, &status);
	if (w == 2) {
		munmap(sc, size);
		return ISOLATE_INTERRUPTED;
	}
	if (w == 0 && sc->done && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0) {
		take_record(sc, r, mp->repeat);
	} else if (w == 1) {
		char where[64];
		case_phase_describe(&sc->progress, mp->repeat, where,
				    sizeof(where));
		keep_plan(r, cpus);
		r->status = REC_TIMEOUT;
		snprintf(r->reason, sizeof(r->reason),
			 "timed out after %g s during %s; killed",
			 mp->timeout_s, where);
	} else {
		keep_plan(r, cpus);
		describe_death(r, sc, status, mp->repeat);
	}
	munmap(sc, size);
	return ISOLATE_DONE;
}
