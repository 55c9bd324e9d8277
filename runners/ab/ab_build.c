/* Git and the build run as child processes (git, meson, ninja), their
 * output in a log that is shown, in its last line, only when they fail. */
#include "ab_build.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs argv (in dir when not NULL) with stdout into out (first line,
 * trimmed) and stderr into log (appended; NULL: /dev/null). Returns the
 * exit status, or -1. */
static int run_cmd(char *const argv[], const char *dir, char *out, size_t len,
		   const char *log)
{
	int fd[2], status = -1;
	size_t used = 0;
	pid_t pid;
	if (out)
		out[0] = '\0';
	/* close-on-exec: a build tool's daemon (a compiler cache) must not
	 * hold our pipe open and hang the read below */
	if (pipe2(fd, O_CLOEXEC) != 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int err = open(log ? log : "/dev/null",
			       O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		dup2(fd[1], STDOUT_FILENO);
		if (err >= 0)
			dup2(err, STDERR_FILENO);
		if (!out && err >= 0)
			dup2(err, STDOUT_FILENO);
		close(fd[0]);
		if (dir && chdir(dir) != 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	for (;;) {
		char tmp[512];
		ssize_t n = read(fd[0], tmp, sizeof(tmp));
		if (n <= 0)
			break;
		for (ssize_t i = 0; out && i < n && used + 1 < len; i++)
			out[used++] = tmp[i];
	}
	close(fd[0]);
	if (out) {
		out[used] = '\0';
		out[strcspn(out, "\n")] = '\0';
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int is_binary(const char *spec)
{
	struct stat st;
	return stat(spec, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(spec, X_OK) == 0;
}

/* The last non-empty line of the log: what a failed build said last. */
static void last_line(const char *log, char *out, size_t len)
{
	FILE *f = fopen(log, "r");
	char line[512];
	snprintf(out, len, "no output");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0])
			snprintf(out, len, "%s", line);
	}
	fclose(f);
}

static int rm_rf(const char *path)
{
	char *argv[] = {"rm", "-rf", (char *)path, NULL};
	return run_cmd(argv, NULL, NULL, 0, NULL);
}

/* The repository's top and git directory, and spec's commit. */
static int find_commit(const char *spec, const char *label, char *top,
		       char *gitdir, char *sha, struct err *e)
{
	char rev[600];
	char *top_argv[] = {"git", "rev-parse", "--show-toplevel", NULL};
	char *dir_argv[] = {"git", "rev-parse", "--path-format=absolute",
			    "--git-common-dir", NULL};
	char *sha_argv[] = {"git",     "rev-parse", "--verify",
			    "--quiet", rev,	    NULL};
	if (run_cmd(top_argv, NULL, top, 4096, NULL) != 0 || !top[0])
		return err_set(e,
			       "%s '%s': not an executable contend binary, and "
			       "not in a git repository to find a revision",
			       label, spec);
	if (run_cmd(dir_argv, NULL, gitdir, 4096, NULL) != 0 || !gitdir[0])
		return err_set(e, "%s: cannot find the git directory", label);
	snprintf(rev, sizeof(rev), "%s^{commit}", spec);
	if (spec[0] == '-' || run_cmd(sha_argv, NULL, sha, 64, NULL) != 0 ||
	    strlen(sha) < 40)
		return err_set(e,
			       "%s '%s': neither an executable contend binary "
			       "nor a git revision of %s",
			       label, spec, top);
	return 0;
}

/* HEAD's commit with uncommitted changes to tracked files: the user
 * probably wants those measured, which a revision cannot do. */
static int dirty_head(const char *sha)
{
	char head[64], status[64];
	char *head_argv[] = {"git", "rev-parse", "HEAD", NULL};
	char *st_argv[] = {"git", "status", "--porcelain",
			   "--untracked-files=no", NULL};
	if (run_cmd(head_argv, NULL, head, sizeof(head), NULL) != 0 ||
	    strcmp(head, sha) != 0)
		return 0;
	return run_cmd(st_argv, NULL, status, sizeof(status), NULL) == 0 &&
	       status[0];
}

/* The worktree, then meson and ninja for contend (and the Go test binary
 * when asked); the two binaries copied into cache (a staging directory the
 * caller renames into place, so a half-copied binary is never found). */
static int build_revision(const char *sha, const char *work, const char *cache,
			  int with_go, const char *log)
{
	char src[4096], bdir[4096], dst[4096];
	char *wt_argv[] = {"git",     "worktree", "add",       "--detach",
			   "--quiet", src,	  (char *)sha, NULL};
	char *setup_argv[] = {"meson", "setup", bdir, src, NULL};
	char *ninja_argv[] = {"ninja", "-C", bdir, "contend", NULL};
	char *go_argv[] = {"ninja", "-C", bdir, "bench/contend-go.test", NULL};
	char *cp_argv[] = {"cp", "-p", NULL, NULL, NULL};
	int rc;
	snprintf(src, sizeof(src), "%.3800s/src", work);
	snprintf(bdir, sizeof(bdir), "%.3800s/build", work);
	if (run_cmd(wt_argv, NULL, NULL, 0, log) != 0)
		return -1;
	rc = run_cmd(setup_argv, NULL, NULL, 0, log) != 0 ||
	     run_cmd(ninja_argv, NULL, NULL, 0, log) != 0;
	if (!rc && with_go) {
		/* Go rows are optional: a marker says they were tried */
		char marker[4096];
		FILE *m;
		run_cmd(go_argv, NULL, NULL, 0, log);
		snprintf(marker, sizeof(marker), "%.3800s/go-tried", cache);
		if (mkdir(cache, 0755) == 0 && (m = fopen(marker, "w")))
			fclose(m);
	}
	snprintf(dst, sizeof(dst), "%.3800s/bench", cache);
	if (!rc && ((mkdir(cache, 0755) != 0 && errno != EEXIST) ||
		    mkdir(dst, 0755) != 0))
		rc = 1;
	snprintf(src, sizeof(src), "%.3800s/contend", bdir);
	snprintf(dst, sizeof(dst), "%.3800s/contend", cache);
	cp_argv[2] = src;
	cp_argv[3] = dst;
	if (!rc && run_cmd(cp_argv, NULL, NULL, 0, log) != 0)
		rc = 1;
	snprintf(src, sizeof(src), "%.3800s/bench/contend-go.test", bdir);
	snprintf(dst, sizeof(dst), "%.3800s/bench/contend-go.test", cache);
	if (!rc && access(src, X_OK) == 0)
		run_cmd(cp_argv, NULL, NULL, 0, log);
	snprintf(src, sizeof(src), "%.3800s/src", work);
	return rc ? -1 : 0;
}

static void remove_worktree(const char *work)
{
	char src[4096];
	char *rm_argv[] = {"git", "worktree", "remove", "--force", src, NULL};
	char *prune_argv[] = {"git", "worktree", "prune", NULL};
	snprintf(src, sizeof(src), "%.3800s/src", work);
	run_cmd(rm_argv, NULL, NULL, 0, NULL);
	rm_rf(work);
	run_cmd(prune_argv, NULL, NULL, 0, NULL);
}

static int cached(const char *cache, int with_go)
{
	char p[4096];
	snprintf(p, sizeof(p), "%.3800s/contend", cache);
	if (access(p, X_OK) != 0)
		return 0;
	snprintf(p, sizeof(p), "%.3800s/bench/contend-go.test", cache);
	if (!with_go || access(p, X_OK) == 0)
		return 1;
	snprintf(p, sizeof(p), "%.3800s/go-tried", cache);
	return access(p, F_OK) == 0; /* tried: this revision has no Go rows */
}

/* Stops the build on SIGINT or SIGTERM; the children see the terminal's
 * Ctrl-C themselves, and the cleanup below runs either way. */
static volatile sig_atomic_t build_stop;

static void on_build_stop(int sig)
{
	build_stop = sig;
}

/* The revision built into a staging directory and renamed to cache; 0, or
 * -1 with why filled. Nothing of the attempt is left but the cache. */
static int build_into(const char *root, const char *sha, const char *cache,
		      int with_go, char *why, size_t len)
{
	char work[4096], log[4096], stage[4096];
	struct sigaction sa, old_int, old_term;
	int rc;
	snprintf(work, sizeof(work), "%.3800s/build-%.12s-%ld", root, sha,
		 (long)getpid());
	snprintf(log, sizeof(log), "%.3800s.log", work);
	snprintf(stage, sizeof(stage), "%.3800s.stage", work);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_build_stop;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	rc = mkdir(work, 0755) != 0 ||
	     build_revision(sha, work, stage, with_go, log) != 0 || build_stop;
	if (rc)
		last_line(log, why, len);
	if (build_stop)
		snprintf(why, len, "interrupted by a signal");
	/* another run may have published the same commit meanwhile */
	if (!rc && rename(stage, cache) != 0 && errno != EEXIST &&
	    errno != ENOTEMPTY) {
		snprintf(why, len, "cannot publish %.300s: %s", cache,
			 strerror(errno));
		rc = 1;
	}
	remove_worktree(work);
	rm_rf(stage);
	unlink(log);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return rc ? -1 : 0;
}

int ab_resolve(const char *spec, const char *label, int with_go, char *bin,
	       size_t binlen, char *git, size_t gitlen, struct err *e)
{
	char top[4096], gitdir[4096], sha[64], root[4096], cache[4096],
		why[512];
	git[0] = '\0';
	if (is_binary(spec)) {
		if (!realpath(spec, bin))
			snprintf(bin, binlen, "%s", spec);
		return 0;
	}
	if (find_commit(spec, label, top, gitdir, sha, e) != 0)
		return -1;
	if (dirty_head(sha))
		return err_set(e,
			       "%s '%s' is HEAD, and the working tree has "
			       "uncommitted changes a revision leaves out: "
			       "commit them, or pass the binary you built "
			       "(build/contend) as %s",
			       label, spec, label);
	snprintf(git, gitlen, "%s", sha);
	snprintf(root, sizeof(root), "%.3800s/contend-ab", gitdir);
	snprintf(cache, sizeof(cache), "%.3800s/%.40s", root, sha);
	snprintf(bin, binlen, "%.3800s/contend", cache);
	if (cached(cache, with_go))
		return 0;
	rm_rf(cache); /* one without the Go rows, now wanted */
	if (mkdir(root, 0755) != 0 && errno != EEXIST)
		return err_set(e, "cannot create %s: %s", root,
			       strerror(errno));
	fprintf(stderr, "contend ab: building %s %.12s (%s) ...\n", label, sha,
		spec);
	if (build_into(root, sha, cache, with_go, why, sizeof(why)) != 0)
		return err_set(e, "%s '%s' (%.12s) does not build: %s", label,
			       spec, sha, why);
	return 0;
}

void ab_build_of(const char *bin, char *out, size_t len)
{
	char *argv[] = {(char *)bin, "version", "--build", NULL};
	if (run_cmd(argv, NULL, out, len, NULL) != 0)
		out[0] = '\0';
}
