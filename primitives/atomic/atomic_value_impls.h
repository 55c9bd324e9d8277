/* Every atomic value implementation, once: the benchmarks (bench/atomic.c)
 * and the stress test (tests/test_atomic_value.c) expand these lists, so a
 * scheme added here is measured and tested with no other line to write.
 *
 * X(name, summary, note, stats):
 *   name     the IMPL of atomic_value_IMPL.h (atomic_value.h's contract)
 *   summary  what `contend list` says of it, in its rows' parentheses
 *   note     what every record of its rows must say (struct bench's
 *            note), or NULL
 *   stats    the member of struct atomic_value_IMPL that holds its
 *            struct atomic_value_stats (the stall test reads what is
 *            still retired there)
 *
 * Two lists, as the floor is no scheme: it frees nothing before destroy,
 * so it has rows of its own (a bare exchange for swap, no read-mostly)
 * and no stress test (there is no reclamation to race).
 */
#ifndef CONTEND_ATOMIC_VALUE_IMPLS_H
#define CONTEND_ATOMIC_VALUE_IMPLS_H

#include "atomic_value_c11.h"
#include "atomic_value_ebr.h"
#include "atomic_value_hp.h"
#include "atomic_value_hp_sticky.h"
#include "atomic_value_mutex.h"
#include "atomic_value_refcount.h"
#include "atomic_value_seqlock.h"
#include "atomic_value_urcu.h"

#define ATOMIC_VALUE_FLOOR(X)                                                  \
	X(c11, "C11 atomic pointer: the floor",                                \
	  "no reclamation: replaced values are never freed (the floor, not a " \
	  "usable scheme)",                                                    \
	  stats)

#define ATOMIC_VALUE_SCHEMES(X)                                                \
	X(mutex, "pthread mutex held while reading", NULL, stats)              \
	X(ebr, "epoch-based reclamation, membarrier", NULL, stats)             \
	X(hp, "hazard pointers, membarrier", NULL, stats)                      \
	X(hp_sticky, "hazard pointers, slot kept between reads", NULL,         \
	  hp.stats)                                                            \
	X(urcu, "liburcu memb", NULL, stats)                                   \
	X(seqlock, "seqlock, copy-in/copy-out", NULL, stats)                   \
	X(refcount, "split reference count", NULL, stats)

#define ATOMIC_VALUE_IMPLS(X) ATOMIC_VALUE_FLOOR(X) ATOMIC_VALUE_SCHEMES(X)

#endif
