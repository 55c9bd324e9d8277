#include "results_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int blank(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr(" \t\r\n", buf[i]))
			return 0;
	return 1;
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);
	return n >= m && !strcmp(s + n - m, tail);
}

/* Python writes NaN and Infinity for a float that is not finite, and its
 * json.loads takes them back; they are not JSON, so jansson stops at them
 * ("invalid token near 'NaN'", or near '-' before "Infinity"). */
static const char *not_finite(const char *buf, size_t len,
			      const json_error_t *je)
{
	size_t at = (size_t)je->position;
	if (ends_with(je->text, "near 'NaN'"))
		return "NaN";
	if (ends_with(je->text, "near 'Infinity'"))
		return "Infinity";
	if (ends_with(je->text, "near '-'") && at <= len && len - at >= 8 &&
	    !strncmp(buf + at, "Infinity", 8))
		return "-Infinity";
	return NULL;
}

json_t *results_parse(const char *buf, size_t len, const char *src,
		      struct err *e)
{
	json_error_t je;
	const char *token;
	json_t *doc;
	if (blank(buf, len)) {
		err_set(e, "%s: empty file", src);
		return NULL;
	}
	doc = json_loadb(buf, len, 0, &je);
	if (doc)
		return doc;
	switch (json_error_code(&je)) {
	case json_error_stack_overflow:
		err_set(e,
			"%s: not a results file: arrays or objects nested too "
			"deeply",
			src);
		break;
	case json_error_premature_end_of_input:
		err_set(e,
			"%s: truncated JSON (ends at line %d before the "
			"document is complete)",
			src, je.line);
		break;
	case json_error_invalid_utf8:
		err_set(e, "%s: not JSON (not UTF-8 text)", src);
		break;
	/* the scripts' loader refuses these after Python's parser took them
	 * (contend_results.py, _values), in these words */
	case json_error_null_character:
		err_set(e,
			"%s: a string holds a NUL character (\\u0000) at line "
			"%d",
			src, je.line);
		break;
	case json_error_numeric_overflow:
		err_set(e, "%s: too big a number at line %d (%s)", src, je.line,
			je.text);
		break;
	default:
		token = not_finite(buf, len, &je);
		if (token)
			err_set(e,
				"%s: %s at line %d is not a finite number (a "
				"figure must be one; JSON has no NaN or "
				"Infinity)",
				src, token, je.line);
		else
			err_set(e, "%s: not JSON: %s (line %d)", src, je.text,
				je.line);
	}
	return NULL;
}

/* The largest results file read: a full sweep of a large machine writes a
 * few MB; the scripts (contend_results.py) hold the same bound. */
#define RESULTS_MAX_BYTES (32 << 20)

/* The whole file in memory (a results file is read once, whole, as the
 * scripts read it); NULL with why. */
static char *slurp(const char *path, size_t *len, struct err *e)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap), *grown;
	if (!f || !buf) {
		err_set(e, "cannot read results file '%s': %s", path,
			f ? "out of memory" : strerror(errno));
		goto fail;
	}
	for (;;) {
		n += fread(buf + n, 1, cap - n, f);
		if (ferror(f)) {
			err_set(e, "cannot read results file '%s': %s", path,
				strerror(errno));
			goto fail;
		}
		if (n < cap)
			break;
		if (cap > RESULTS_MAX_BYTES) /* and full: over the bound */
			break;
		grown = realloc(buf, cap * 2);
		if (!grown) {
			err_set(e, "results file '%s' is too large to read",
				path);
			goto fail;
		}
		buf = grown;
		cap *= 2;
	}
	if (n > RESULTS_MAX_BYTES) {
		err_set(e,
			"%s: larger than %d MiB, the most a results "
			"file is read at (a full sweep writes a few MB)",
			path, RESULTS_MAX_BYTES >> 20);
		goto fail;
	}
	fclose(f);
	*len = n;
	return buf;
fail:
	if (f)
		fclose(f);
	free(buf);
	return NULL;
}

json_t *results_read(const char *path, struct err *e)
{
	struct stat st;
	size_t len = 0;
	char *buf;
	json_t *doc;
	if (access(path, R_OK) != 0) {
		err_set(e, "cannot read results file '%s': %s", path,
			strerror(errno));
		return NULL;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		err_set(e, "results file '%s' is a directory (name one file)",
			path);
		return NULL;
	}
	buf = slurp(path, &len, e);
	if (!buf)
		return NULL;
	doc = results_parse(buf, len, path, e);
	free(buf);
	return doc;
}
