/* What the stress tests share besides CHECK: a watchdog that turns a hang
 * (a lost wake-up, a starved thread) into a failure with a message, and a
 * calloc that fails the test rather than return NULL. */
#ifndef CONTEND_TEST_WATCHDOG_H
#define CONTEND_TEST_WATCHDOG_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *watchdog_what;
static size_t watchdog_len;

static inline void watchdog_fire(int sig)
{
	static const char head[] = "FAIL watchdog: ";
	(void)sig;
	/* write(2) only: the handler may interrupt anything */
	(void)!write(STDOUT_FILENO, head, sizeof(head) - 1);
	(void)!write(STDOUT_FILENO, watchdog_what, watchdog_len);
	(void)!write(STDOUT_FILENO, "\n", 1);
	_exit(1);
}

/* After seconds, prints "FAIL watchdog: what" and exits 1. */
static inline void watchdog_arm(unsigned seconds, const char *what)
{
	watchdog_what = what;
	watchdog_len = strlen(what);
	signal(SIGALRM, watchdog_fire);
	alarm(seconds);
}

static inline void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);
	if (!p) {
		printf("FAIL: out of memory\n");
		exit(1);
	}
	return p;
}

#endif
