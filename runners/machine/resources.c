/* A 256-thread case must not die in pthread_create halfway through because
 * of a limit that was knowable up front: the runner asks once, here, and
 * skips the cases that cannot fit, saying which limit stops them. */
#include "resources.h"

#include "cgroup.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static long read_long(const char *path, int *is_max)
{
	char buf[64] = "";
	FILE *f = fopen(path, "r");
	*is_max = 0;
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	if (strncmp(buf, "max", 3) == 0) {
		*is_max = 1;
		return -1;
	}
	return buf[0] ? strtol(buf, NULL, 10) : -1;
}

/* cgroup v2: pids.max - pids.current, the smallest along the path. */
static long cgroup_headroom(char *why, size_t len)
{
	char cg[4096], path[4200];
	long best = -1;
	if (cgroup_own(cg, sizeof(cg)) != 0)
		return -1;
	do {
		int is_max, dummy;
		long max, cur;
		snprintf(path, sizeof(path), "/sys/fs/cgroup%s/pids.max", cg);
		max = read_long(path, &is_max);
		snprintf(path, sizeof(path), "/sys/fs/cgroup%s/pids.current",
			 cg);
		cur = read_long(path, &dummy);
		if (max >= 0 && cur >= 0 && (best < 0 || max - cur < best)) {
			best = max - cur;
			snprintf(why, len,
				 "cgroup %.160s pids.max %ld, %ld tasks in use",
				 cg, max, cur);
		}
	} while (cgroup_parent(cg) == 0);
	return best;
}

/* Tasks (threads) the real user owns now: what RLIMIT_NPROC counts. */
static long user_tasks(uid_t uid)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	long n = 0;
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char path[300], line[256];
		FILE *f;
		long threads = 0, owner = -1;
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", de->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		while (fgets(line, sizeof(line), f)) {
			if (strncmp(line, "Uid:", 4) == 0)
				owner = strtol(line + 4, NULL, 10);
			else if (strncmp(line, "Threads:", 8) == 0)
				threads = strtol(line + 8, NULL, 10);
		}
		fclose(f);
		if (owner == (long)uid)
			n += threads;
	}
	closedir(d);
	return n;
}

static long nproc_headroom(char *why, size_t len)
{
	struct rlimit rl;
	long used;
	/* root (CAP_SYS_RESOURCE) is not held to RLIMIT_NPROC */
	if (getuid() == 0 || getrlimit(RLIMIT_NPROC, &rl) != 0 ||
	    rl.rlim_cur == RLIM_INFINITY)
		return -1;
	used = user_tasks(getuid());
	if (used < 0)
		return -1;
	snprintf(why, len, "RLIMIT_NPROC %llu, %ld tasks of this user in use",
		 (unsigned long long)rl.rlim_cur, used);
	return (long)rl.rlim_cur - used;
}

long resources_task_headroom(char *why, size_t len)
{
	char a[256] = "", b[256] = "";
	long cg = cgroup_headroom(a, sizeof(a));
	long np = nproc_headroom(b, sizeof(b));
	why[0] = '\0';
	if (cg < 0 && np < 0)
		return -1;
	if (np < 0 || (cg >= 0 && cg <= np)) {
		snprintf(why, len, "%s", a);
		return cg;
	}
	snprintf(why, len, "%s", b);
	return np;
}
