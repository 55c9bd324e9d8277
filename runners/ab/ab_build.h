/* The two sides of `contend ab`: a contend binary as given, or a git
 * revision of this repository, built once in a worktree of its own and
 * kept by commit (in the repository's git directory, contend-ab/SHA/), so
 * that the next A/B against the same revision starts at once. Whatever
 * fails, the worktree and the half-built directory are removed. */
#ifndef CONTEND_AB_BUILD_H
#define CONTEND_AB_BUILD_H

#include <stddef.h>

#include "err.h"

/* Fills bin (and git: the revision's full commit, "" for a binary) from
 * spec. label ("base", "head") goes into the messages. -1 with a message:
 * not a binary nor a revision, a revision that is HEAD while the working
 * tree has uncommitted changes (the user likely meant them), a revision
 * that does not build. Progress goes to stderr. */
int ab_resolve(const char *spec, const char *label, int with_go, char *bin,
	       size_t binlen, char *git, size_t gitlen, struct err *e);

/* What `bin version --build` says of how it was built (compiler, build
 * type, flags); "" for a binary that predates it. */
void ab_build_of(const char *bin, char *out, size_t len);

#endif
