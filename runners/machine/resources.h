/* What the system lets this run create, checked before a case needs it. */
#ifndef CONTEND_RESOURCES_H
#define CONTEND_RESOURCES_H

#include <stddef.h>

/* How many more tasks (threads or processes) this process may create under
 * RLIMIT_NPROC (for non-root users) and the cgroup pids.max limits of its
 * cgroup and every ancestor; -1 when nothing limits it. *why names the
 * tightest limit. */
long resources_task_headroom(char *why, size_t len);

#endif
