/* The stress tests' check: a failed condition prints its function, line and
 * text, and counts; main returns non-zero when fails is. One per test
 * program (each includes this once). */
#ifndef CONTEND_TEST_CHECK_H
#define CONTEND_TEST_CHECK_H

#include <stdio.h>

static int fails;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("FAIL %s line %d: %s\n", __func__, __LINE__,    \
			       #cond);                                         \
			fails++;                                               \
		}                                                              \
	} while (0)

#endif
