/* Every run queue kind, once: the fork-join executor (deque_forkjoin.h)
 * gets its loops for each, and the benchmarks (bench/deque.c) and the
 * executor's tests (tests/test_deque.c) expand this list, so a queue
 * added here (with its fj_IMPL_push, _pop and _steal in the executor) is
 * measured and tested with no other line to write.
 *
 * X(name, summary, own_deque):
 *   name       the IMPL of deque_IMPL.h, and of the executor's fj_IMPL_*
 *   summary    what `contend list` says of it, in its rows' parentheses
 *   own_deque  1: every worker has a deque of its own and steals from the
 *              others' (fj_worker_init's with_deque); 0: the workers share
 *              the executor's one queue
 */
#ifndef CONTEND_DEQUE_IMPLS_H
#define CONTEND_DEQUE_IMPLS_H

#include "deque_chase_lev.h"
#include "deque_global.h"

#define DEQUE_IMPLS(X)                                                         \
	X(chase_lev, "a Chase-Lev deque per worker, work stealing", 1)         \
	X(global, "one global FIFO under a lock", 0)

#endif
