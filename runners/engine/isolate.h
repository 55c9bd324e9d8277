/* Running a case in a child process, so that a crash or a deadlock in a
 * primitive costs that case and nothing else. */
#ifndef CONTEND_ISOLATE_H
#define CONTEND_ISOLATE_H

#include <signal.h>

#include "measure.h"

enum isolate_result {
	ISOLATE_DONE, /* r holds the case's record, whatever its status */
	ISOLATE_INTERRUPTED, /* *stop became non-zero: the case was abandoned */
};

/* Forks; the child measures the case (mp->timeout_s is enforced here: the
 * child is killed, threads and all) and hands the record back through
 * shared memory. A child killed by a signal becomes a failed record naming
 * the signal and the phase it reached. */
enum isolate_result isolate_case(const struct measure_params *mp,
				 const int *cpus, struct record *r,
				 const volatile sig_atomic_t *stop);

#endif
