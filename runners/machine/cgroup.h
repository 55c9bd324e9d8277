/* This process's cgroup and the directories above it, for the limits a
 * cgroup sets on everything under it (pids.max, cpu.max). */
#ifndef CONTEND_CGROUP_H
#define CONTEND_CGROUP_H

#include <stddef.h>

/* The cgroup's path under /sys/fs/cgroup ("/user.slice/..."): 0, or -1
 * where there is no v2 entry in /proc/self/cgroup. */
int cgroup_own(char *path, size_t len);
/* cgroup v1: the path of this process's cgroup in the hierarchy that
 * holds controller ("cpu"), as cgroup_own. */
int cgroup_own_v1(const char *controller, char *path, size_t len);
/* Cuts the last component off path: 0, or -1 at the root (nothing left
 * to visit), so that a loop visits path and each directory above it. */
int cgroup_parent(char *path);

#endif
