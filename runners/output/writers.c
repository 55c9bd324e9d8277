#include "writers.h"

#include <string.h>

#include "list.h"

/* "table, markdown or json" from the table. */
static void names_text(const struct writer *tab, size_t n, char *buf,
		       size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 i == 0	     ? ""
					 : i + 1 < n ? ", "
						     : " or ",
					 tab[i].name);
}

static int find(const struct writer *tab, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(tab[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int unknown(const struct writer *tab, size_t n, const char *name,
		   struct err *e)
{
	char names[256];
	names_text(tab, n, names, sizeof(names));
	return err_set(e, "unknown format '%s' (%s)", name, names);
}

int writers_parse(const struct writer *tab, size_t n, const char *list,
		  unsigned *mask, struct err *e)
{
	char buf[256], *save = NULL;
	*mask = 0;
	if (list_check(list, "format list", e) != 0)
		return -1;
	if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf))
		return err_set(e, "format list too long");
	for (char *t = strtok_r(buf, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		int i = find(tab, n, t);
		if (i < 0 || i >= WRITERS_MAX)
			return unknown(tab, n, t, e);
		*mask |= 1u << i;
	}
	if (!*mask)
		return err_set(e, "empty format list");
	return 0;
}

int writers_parse_one(const struct writer *tab, size_t n, const char *name,
		      unsigned *index, struct err *e)
{
	int i = find(tab, n, name);
	if (i < 0)
		return unknown(tab, n, name, e);
	*index = (unsigned)i;
	return 0;
}

void writers_emit(const struct writer *tab, size_t n, unsigned mask, FILE *f,
		  const void *doc)
{
	for (size_t i = 0; i < n && i < WRITERS_MAX; i++)
		if (mask & (1u << i))
			tab[i].write(f, doc);
	fflush(f);
}

void writers_dump_json(FILE *f, const json_t *doc)
{
	json_dumpf(doc, f, JSON_INDENT(1) | JSON_REAL_PRECISION(9));
	fputc('\n', f);
}
