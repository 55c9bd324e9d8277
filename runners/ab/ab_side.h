/* One side of `contend ab`: a `contend serve` process of one build, its
 * case list, and requests to it with a deadline. A side that dies or hangs
 * is killed and started again; the request says so. */
#ifndef CONTEND_AB_SIDE_H
#define CONTEND_AB_SIDE_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

struct ab_case_id {
	char bench[64], impl[64], params[128], placement[64];
	int threads, go;
};

struct ab_side {
	const char *label; /* "base" or "head" */
	char spec[512];	   /* as given: a binary or a revision */
	char bin[4096];	   /* the contend binary */
	char git[64];	   /* its `contend version` commit, or "" */
	char build[256];   /* `contend version --build`, or "" */
	char **argv;	   /* serve's arguments after the binary */
	pid_t pid;
	int to, from; /* its stdin, its stdout */
	char buf[8192];
	size_t have;
	struct ab_case_id *cases;
	size_t ncases;
	const volatile sig_atomic_t *stop; /* set: stopping, no restarts */
};

enum ab_reply { AB_REPLY_OK = 0, AB_REPLY_DIED = -1, AB_REPLY_TIMEOUT = -2 };

/* Starts bin serve ARGV and reads its case list; -1 with a message (the
 * binary has no serve: it predates contend ab). */
int ab_side_start(struct ab_side *sd, struct err *e);
/* Sends req (a line without newline) and reads one reply line into out.
 * On AB_REPLY_DIED or AB_REPLY_TIMEOUT, out says what happened and the
 * side was restarted (or could not be: then later requests die too). */
enum ab_reply ab_side_ask(struct ab_side *sd, const char *req, char *out,
			  size_t len, double timeout_s);
void ab_side_stop(struct ab_side *sd);
/* The index of the case id matches in sd's list, or -1. */
long ab_side_find(const struct ab_side *sd, const struct ab_case_id *id);

#endif
