#include "ab_side.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

static int spawn(struct ab_side *sd, struct err *e)
{
	int in[2], out[2];
	size_t n = 0;
	char **argv;
	while (sd->argv[n])
		n++;
	argv = calloc(n + 3, sizeof(*argv));
	if (!argv || pipe2(in, O_CLOEXEC) != 0) {
		free(argv);
		return err_set(e, "%s: cannot start: %s", sd->label,
			       strerror(errno));
	}
	if (pipe2(out, O_CLOEXEC) != 0) {
		close(in[0]);
		close(in[1]);
		free(argv);
		return err_set(e, "%s: cannot start: %s", sd->label,
			       strerror(errno));
	}
	argv[0] = sd->bin;
	argv[1] = "serve";
	memcpy(argv + 2, sd->argv, n * sizeof(*argv));
	fflush(NULL);
	sd->pid = fork();
	if (sd->pid == 0) {
		/* its own process group: a terminal's Ctrl-C is ab's to
		 * handle, and a kill reaches the Go benchmark it may run */
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		execv(sd->bin, argv);
		_exit(127);
	}
	free(argv);
	close(in[0]);
	close(out[1]);
	sd->to = in[1];
	sd->from = out[0];
	sd->have = 0;
	if (sd->pid < 0) {
		close(sd->to);
		close(sd->from);
		return err_set(e, "%s: cannot fork: %s", sd->label,
			       strerror(errno));
	}
	return 0;
}

/* One line into out (no newline): 0, -1 end of file, -2 timeout. */
static int read_line(struct ab_side *sd, char *out, size_t len,
		     double timeout_s)
{
	double deadline = clock_mono_s() + timeout_s;
	for (;;) {
		char *nl = memchr(sd->buf, '\n', sd->have);
		struct pollfd p = {sd->from, POLLIN, 0};
		double left = deadline - clock_mono_s();
		ssize_t got;
		if (nl) {
			size_t l = (size_t)(nl - sd->buf);
			snprintf(out, len, "%.*s", (int)l, sd->buf);
			memmove(sd->buf, nl + 1, sd->have - l - 1);
			sd->have -= l + 1;
			return 0;
		}
		if (sd->have == sizeof(sd->buf))
			sd->have = 0; /* a line longer than any reply */
		if (left <= 0)
			return -2;
		if (poll(&p, 1, (int)(left * 1e3) + 1) <= 0)
			continue;
		got = read(sd->from, sd->buf + sd->have,
			   sizeof(sd->buf) - sd->have);
		if (got <= 0 && !(got < 0 && errno == EINTR))
			return -1;
		if (got > 0)
			sd->have += (size_t)got;
	}
}

static void field(char *dst, size_t len, char **save)
{
	const char *t = strtok_r(NULL, "\t", save);
	snprintf(dst, len, "%s", t && strcmp(t, "-") != 0 ? t : "");
}

static int parse_case(const char *line, struct ab_case_id *c)
{
	char buf[1024], *save = NULL, *t;
	snprintf(buf, sizeof(buf), "%s", line);
	t = strtok_r(buf, "\t", &save); /* "case I" */
	if (!t || strncmp(t, "case ", 5) != 0)
		return -1;
	field(c->bench, sizeof(c->bench), &save);
	field(c->impl, sizeof(c->impl), &save);
	field(c->params, sizeof(c->params), &save);
	t = strtok_r(NULL, "\t", &save);
	c->threads = t ? atoi(t) : 0;
	field(c->placement, sizeof(c->placement), &save);
	t = strtok_r(NULL, "\t", &save);
	c->go = t ? atoi(t) : 0;
	return c->bench[0] && c->threads > 0 ? 0 : -1;
}

static int read_list(struct ab_side *sd, struct err *e)
{
	char line[1024] = "";
	int proto = 0;
	size_t n = 0;
	if (read_line(sd, line, sizeof(line), 120) == 0 &&
	    !strncmp(line, "contend: ", 9))
		return err_set(e, "%s", line + 9); /* serve's bad usage */
	if (!strncmp(line, "contend ", 8) && strstr(line, ": "))
		return err_set(e, "%s", line + 8);
	if (sscanf(line, "contend-serve %d %zu", &proto, &n) != 2)
		return err_set(e,
			       "%s: %s has no `contend serve` (it predates "
			       "contend ab) or cannot select these cases",
			       sd->label, sd->bin);
	free(sd->cases);
	sd->cases = calloc(n + 1, sizeof(*sd->cases));
	sd->ncases = n;
	if (!sd->cases)
		return err_set(e, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (read_line(sd, line, sizeof(line), 30) != 0 ||
		    parse_case(line, &sd->cases[i]) != 0)
			return err_set(e, "%s: bad case list from %s",
				       sd->label, sd->bin);
	if (read_line(sd, line, sizeof(line), 30) != 0 ||
	    strcmp(line, "ready") != 0)
		return err_set(e, "%s: bad case list from %s", sd->label,
			       sd->bin);
	return 0;
}

static void kill_side(struct ab_side *sd, int *status)
{
	if (sd->pid <= 0)
		return;
	close(sd->to);
	close(sd->from);
	kill(-sd->pid, SIGKILL);
	kill(sd->pid, SIGKILL);
	waitpid(sd->pid, status, 0);
	sd->pid = 0;
}

/* Waits up to s seconds for the side to exit by itself; 0 when it did. */
static int reap_within(struct ab_side *sd, double s, int *status)
{
	double end = clock_mono_s() + s;
	while (waitpid(sd->pid, status, WNOHANG) == 0) {
		struct timespec d = {0, 10000000};
		if (clock_mono_s() > end)
			return -1;
		nanosleep(&d, NULL);
	}
	return 0;
}

int ab_side_start(struct ab_side *sd, struct err *e)
{
	int status;
	signal(SIGPIPE, SIG_IGN); /* a dead side is read as one, not fatal */
	if (spawn(sd, e) != 0)
		return -1;
	if (read_list(sd, e) != 0) {
		kill_side(sd, &status);
		return -1;
	}
	return 0;
}

static void describe(int status, char *out, size_t len, const char *what)
{
	if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
		snprintf(out, len, "%s: killed by SIG%s", what,
			 sigabbrev_np(WTERMSIG(status))
				 ? sigabbrev_np(WTERMSIG(status))
				 : "?");
	else if (WIFEXITED(status))
		snprintf(out, len, "%s: exited with status %d", what,
			 WEXITSTATUS(status));
	else
		snprintf(out, len, "%s", what);
}

enum ab_reply ab_side_ask(struct ab_side *sd, const char *req, char *out,
			  size_t len, double timeout_s)
{
	char line[600];
	struct err e = {""};
	int n = snprintf(line, sizeof(line), "%s\n", req), rc, status = 0;
	if (sd->pid <= 0) {
		snprintf(out, len, "its server could not be restarted");
		return AB_REPLY_DIED;
	}
	rc = write(sd->to, line, (size_t)n) == n
		     ? read_line(sd, out, len, timeout_s)
		     : -1;
	if (rc == 0)
		return AB_REPLY_OK;
	if (rc == -2) {
		kill_side(sd, &status);
		snprintf(out, len, "timed out after %g s; killed", timeout_s);
	} else {
		/* it exited or crashed: reap it to learn how */
		close(sd->to);
		close(sd->from);
		if (reap_within(sd, 5, &status) != 0) {
			kill(-sd->pid, SIGKILL);
			kill(sd->pid, SIGKILL);
			waitpid(sd->pid, &status, 0);
		}
		sd->pid = 0;
		describe(status, out, len, "the case's process died");
	}
	/* a run being stopped does not start it again */
	if ((sd->stop && *sd->stop) || ab_side_start(sd, &e) != 0)
		sd->pid = 0;
	return rc == -2 ? AB_REPLY_TIMEOUT : AB_REPLY_DIED;
}

void ab_side_stop(struct ab_side *sd)
{
	int status;
	/* quit, and a few seconds for the teardown: a case that hangs in
	 * its teardown is killed, not waited for */
	if (sd->pid > 0 && write(sd->to, "quit\n", 5) == 5) {
		close(sd->to);
		close(sd->from);
		if (reap_within(sd, 5, &status) == 0)
			sd->pid = 0;
		else
			sd->to = sd->from = -1;
	}
	if (sd->pid > 0) {
		if (sd->to >= 0) {
			close(sd->to);
			close(sd->from);
		}
		kill(-sd->pid, SIGKILL);
		kill(sd->pid, SIGKILL);
		waitpid(sd->pid, &status, 0);
		sd->pid = 0;
	}
	free(sd->cases);
	sd->cases = NULL;
}

long ab_side_find(const struct ab_side *sd, const struct ab_case_id *id)
{
	for (size_t i = 0; i < sd->ncases; i++) {
		const struct ab_case_id *c = &sd->cases[i];
		if (!strcmp(c->bench, id->bench) &&
		    !strcmp(c->impl, id->impl) &&
		    !strcmp(c->params, id->params) &&
		    c->threads == id->threads &&
		    !strcmp(c->placement, id->placement))
			return (long)i;
	}
	return -1;
}
