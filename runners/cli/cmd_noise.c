/* contend noise: a disturbance on purpose, for tests and demonstrations of
 * the interference readings and of `contend ab`: one process per chosen
 * CPU, pinned there, that spins for a share of each period and sleeps the
 * rest, until its time is up or it is stopped. */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "cli.h"
#include "options.h"
#include "placement.h"

static const char noise_usage[] =
	"usage: contend noise --cpus LIST [--duty F] [--period S] [--for S]\n"
	"\n"
	"Disturbs this machine on purpose: on each CPU of LIST a process\n"
	"pinned there spins for F of every period and sleeps the rest, so\n"
	"that a case sharing that CPU loses about that share of its time.\n"
	"For tests and demonstrations of `contend run`'s interference marks\n"
	"(#) and of `contend ab`. Stops after --for, or on Ctrl-C/SIGTERM.\n"
	"\n"
	"  --cpus LIST     CPUs to disturb: 0 or 0,2 or 1-3 (required)\n"
	"  --duty F        share of each period spent spinning, 0 < F <= 1\n"
	"                  (default 0.5)\n"
	"  --period S      the on/off period (default 200ms)\n"
	"  --for S         how long (default: until stopped)\n"
	"\n"
	"Example: contend noise --cpus 1 --duty 0.5 --for 60 &\n"
	"Exit 0 when its time is up or it was stopped, 2 on bad usage.\n";

static void sleep_s(double s)
{
	struct timespec d = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
	while (nanosleep(&d, &d) != 0 && errno == EINTR)
		;
}

/* One pinned spinner: duty of each period busy, the rest asleep. The
 * counter is volatile so the busy loop is not optimised away. */
static _Noreturn void spinner(int cpu, double duty, double period, double until)
{
	cpu_set_t set;
	volatile unsigned long spins = 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0) {
		fprintf(stderr, "contend noise: cannot pin to CPU %d: %s\n",
			cpu, strerror(errno));
		_exit(1);
	}
	for (double t = clock_mono_s(); !until || t < until;
	     t = clock_mono_s()) {
		double busy_end = t + duty * period;
		while (clock_mono_s() < busy_end)
			spins = spins + 1;
		if (duty < 1)
			sleep_s((1 - duty) * period);
	}
	_exit(0);
}

static int parse_duty(const char *arg, double *duty, struct err *e)
{
	char *end;
	errno = 0;
	*duty = strtod(arg, &end);
	if (errno || end == arg || *end || !(*duty > 0 && *duty <= 1))
		return err_set(e, "--duty '%s': a share, 0 < F <= 1", arg);
	return 0;
}

/* Stops the spinners when this process is told to stop. */
static volatile sig_atomic_t noise_stop;

static void on_noise_stop(int sig)
{
	noise_stop = sig;
}

static void kill_all(const pid_t *pids, int n)
{
	for (int j = 0; j < n; j++)
		if (pids[j] > 0)
			kill(pids[j], SIGKILL);
}

/* Reaps the spinners; on a stop signal, or when one fails (its CPU cannot
 * be pinned), the others are killed. */
static int reap_all(pid_t *pids, int n)
{
	int left = n, failed = 0;
	while (left > 0) {
		int status = 0;
		pid_t p = waitpid(-1, &status, 0);
		if (p < 0 && errno == EINTR) {
			if (noise_stop)
				kill_all(pids, n);
			continue;
		}
		if (p < 0)
			break;
		for (int j = 0; j < n; j++)
			if (pids[j] == p) {
				pids[j] = 0;
				left--;
			}
		if (!noise_stop &&
		    (!WIFEXITED(status) || WEXITSTATUS(status))) {
			failed = 1;
			kill_all(pids, n);
		}
	}
	return failed;
}

static int spawn_and_wait(const int *cpus, int n, double duty, double period,
			  double for_s)
{
	double until = for_s > 0 ? clock_mono_s() + for_s : 0;
	pid_t *pids = calloc((size_t)n, sizeof(pid_t));
	struct sigaction sa;
	int failed = 0;
	if (!pids)
		return EXIT_CASE_FAILED;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_noise_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (int i = 0; i < n && !failed; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			/* the spinner dies with its parent, and by default
			 * on SIGINT and SIGTERM */
			signal(SIGINT, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				_exit(0);
			spinner(cpus[i], duty, period, until);
		}
		failed = pids[i] < 0;
	}
	if (failed)
		kill_all(pids, n);
	failed |= reap_all(pids, n);
	free(pids);
	return failed ? EXIT_CASE_FAILED : EXIT_OK;
}

int cmd_noise(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"cpus", required_argument, NULL, 'c'},
		{"duty", required_argument, NULL, 'd'},
		{"period", required_argument, NULL, 'p'},
		{"for", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	int cpus[MAX_THREAD_COUNTS], ncpus = 0, c;
	double duty = 0.5, period = 0.2, for_s = 0;
	struct err e = {""};
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		int rc = 0;
		if (c == 'h') {
			fputs(noise_usage, stdout);
			return EXIT_OK;
		}
		if (c == '?' || c == ':')
			return bad_option("noise", c, argv);
		if (c == 'c')
			rc = (ncpus = cpu_list_parse(
				      optarg, cpus, MAX_THREAD_COUNTS, &e)) < 0;
		else if (c == 'd')
			rc = parse_duty(optarg, &duty, &e);
		else if (c == 'p')
			rc = parse_seconds(optarg, "--period", &period, &e);
		else
			rc = parse_seconds(optarg, "--for", &for_s, &e);
		if (rc)
			return usage_error(&e);
	}
	if (optind < argc) {
		err_set(&e, "noise: unexpected argument '%s'", argv[optind]);
		return usage_error(&e);
	}
	if (ncpus <= 0) {
		err_set(&e, "noise: --cpus LIST is required (see --help)");
		return usage_error(&e);
	}
	return spawn_and_wait(cpus, ncpus, duty, period, for_s);
}
