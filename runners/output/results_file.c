/* Results files on disk (results_file.h). */
#include "results_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "clock.h"

/* 32 random bits; where the kernel gives none, the pid and the clock,
 * which still differ between two processes started together. */
static uint32_t random_suffix(void)
{
	uint32_t r;
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t)sizeof(r))
		return r;
	return (uint32_t)getpid() * 2654435761u ^ (uint32_t)clock_mono_ns();
}

int results_file_name(char *path, size_t len, const char *dir,
		      const char *stamp, struct err *e)
{
	int n = snprintf(path, len, "%s/%s-%08x.json", dir, stamp,
			 (unsigned)random_suffix());
	return n < 0 || (size_t)n >= len ? err_set(e, "--out path too long")
					 : 0;
}

void results_temp_path(const char *path, char *tmp, size_t len)
{
	snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
}

int results_write_temp(json_t *doc, const char *tmp, struct err *e)
{
	int fd, rc = 0;
	FILE *f;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_set(e, "cannot write %s: %s", tmp, strerror(errno));
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return err_set(e, "cannot write %s: %s", tmp, strerror(errno));
	}
	if (json_dumpf(doc, f, JSON_INDENT(1) | JSON_REAL_PRECISION(9)) != 0 ||
	    fputc('\n', f) == EOF || fflush(f) != 0 || fsync(fd) != 0)
		rc = err_set(e, "cannot write %s: %s", tmp, strerror(errno));
	if (fclose(f) != 0 && rc == 0)
		rc = err_set(e, "cannot write %s: %s", tmp, strerror(errno));
	if (rc != 0)
		unlink(tmp);
	return rc;
}

/* Where link(2) is not supported: take the name with O_EXCL (only one
 * process can), then rename over that empty reservation. */
static int publish_reserved(const char *tmp, const char *path, struct err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno == EEXIST ? RESULTS_EXISTS
				       : err_set(e, "cannot create %s: %s",
						 path, strerror(errno));
	close(fd);
	if (rename(tmp, path) != 0) {
		int err = errno;
		unlink(path);
		return err_set(e, "cannot rename %s to %s: %s", tmp, path,
			       strerror(err));
	}
	return 0;
}

int results_publish(const char *tmp, const char *path, int replace,
		    struct err *e)
{
	if (replace) {
		if (rename(tmp, path) != 0)
			return err_set(e, "cannot rename %s to %s: %s", tmp,
				       path, strerror(errno));
		return 0;
	}
	/* link refuses an existing name, atomically, and leaves no moment
	 * where path exists but is empty */
	if (link(tmp, path) == 0) {
		unlink(tmp);
		return 0;
	}
	if (errno == EEXIST)
		return RESULTS_EXISTS;
	if (errno == EPERM || errno == EOPNOTSUPP || errno == ENOSYS ||
	    errno == EMLINK)
		return publish_reserved(tmp, path, e);
	return err_set(e, "cannot link %s to %s: %s", tmp, path,
		       strerror(errno));
}

int results_write_file(json_t *doc, const char *path, struct err *e)
{
	char tmp[4200];
	results_temp_path(path, tmp, sizeof(tmp));
	if (results_write_temp(doc, tmp, e) != 0)
		return -1;
	if (results_publish(tmp, path, 1, e) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}
