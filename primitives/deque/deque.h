/* Deque family: Go's scheduler question in C — a run queue per worker with
 * work stealing (Go's P-local runq), or one global queue under a lock
 * (Go's sched.runq)?
 *
 * Contract. Two kinds of queue of non-NULL pointers, each in its header:
 *   deque_chase_lev.h  one deque per worker: its owner pushes and takes at
 *                      the bottom (LIFO), any other thread steals at the
 *                      top (FIFO); push never fails but for memory
 *   deque_global.h     one FIFO for every worker, every op under one lock
 * and deque_forkjoin.h, a small fork-join executor over either (one worker
 * per thread; the runner pins them by placement), used by deque/forkjoin
 * and by the tests. An element pushed is returned by exactly one take,
 * pop or successful steal: never lost, never twice. A push happens before
 * the take, pop or steal that returns its element, so a task's fields
 * written before its push are visible to the thread that runs it.
 */
#ifndef CONTEND_DEQUE_H
#define CONTEND_DEQUE_H

/* what two threads write sits in lines of its own (CACHE_LINE) */
#include "cacheline.h"

/* what a steal did */
enum deque_steal {
	DEQUE_EMPTY = 0,  /* nothing to steal */
	DEQUE_STOLEN = 1, /* *out is the element */
	DEQUE_ABORT = -1, /* lost a race with the owner or another thief */
};

#endif
