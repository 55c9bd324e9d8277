/* Results files on disk: written whole to a temp file beside the final
 * name, then published under a name no other run can take at the same
 * time (two runs started together must never share a file). */
#ifndef CONTEND_RESULTS_FILE_H
#define CONTEND_RESULTS_FILE_H

#include <jansson.h>
#include <stddef.h>

#include "err.h"

/* results_publish's answer when path exists and may not be replaced */
#define RESULTS_EXISTS 1

/* DIR/STAMP-XXXXXXXX.json with a fresh random suffix: -1 with a message
 * when it does not fit in len. */
int results_file_name(char *path, size_t len, const char *dir,
		      const char *stamp, struct err *e);
/* The temp file beside path that the writer uses (per process). */
void results_temp_path(const char *path, char *tmp, size_t len);
/* doc into the temp file tmp, flushed to disk. */
int results_write_temp(json_t *doc, const char *tmp, struct err *e);
/* Gives tmp the name path: replace set, over whatever is there (rename);
 * else only if no file has that name (link, or an O_EXCL reservation
 * where the file system has no hard links), RESULTS_EXISTS if one has,
 * tmp then kept. 0 published, -1 with a message. */
int results_publish(const char *tmp, const char *path, int replace,
		    struct err *e);
/* doc to path atomically, replacing it: temp file, fsync, rename. */
int results_write_file(json_t *doc, const char *path, struct err *e);

#endif
