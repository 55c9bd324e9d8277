#include "cgroup.h"

#include <stdio.h>
#include <string.h>

/* Does the comma-separated list [list, end) name controller? */
static int lists(const char *list, const char *end, const char *controller)
{
	size_t n = strlen(controller);
	while (list < end) {
		const char *comma = memchr(list, ',', (size_t)(end - list));
		const char *stop = comma ? comma : end;
		if ((size_t)(stop - list) == n && !strncmp(list, controller, n))
			return 1;
		list = stop + 1;
	}
	return 0;
}

/* Lines of /proc/self/cgroup are "ID:CONTROLLERS:PATH"; v2's is "0::". */
static int own(const char *controller, char *path, size_t len)
{
	char line[4096];
	int found = -1;
	FILE *f = fopen("/proc/self/cgroup", "r");
	if (!f)
		return -1;
	while (found && fgets(line, sizeof(line), f)) {
		char *c = strchr(line, ':'), *p = c ? strchr(c + 1, ':') : NULL;
		if (!p ||
		    (controller ? !lists(c + 1, p, controller)
				: p != c + 1 || strncmp(line, "0:", 2) != 0))
			continue;
		p[strcspn(p, "\n")] = '\0';
		snprintf(path, len, "%s", p + 1);
		found = 0;
	}
	fclose(f);
	return found;
}

int cgroup_own(char *path, size_t len)
{
	return own(NULL, path, len);
}

int cgroup_own_v1(const char *controller, char *path, size_t len)
{
	return own(controller, path, len);
}

int cgroup_parent(char *path)
{
	char *slash = strrchr(path, '/');
	if (!slash || !path[1])
		return -1;
	*slash = '\0';
	return 0;
}
