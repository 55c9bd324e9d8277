/* Every channel implementation, once: the benchmarks (bench/chan.c) and
 * the test (tests/test_channel.c) expand this list, so an implementation
 * added here (its functions declared in channel_impl.h) is measured and
 * tested with no other line to write.
 *
 * X(name, unbuffered, meets):
 *   name        the IMPL of channel_impl.h's chan_IMPL_new, _send, ...
 *   unbuffered  1: capacity 0 is supported, so the unbuffered workloads
 *               and tests apply (the ring refuses it)
 *   meets       1: two selects facing each other on one unbuffered
 *               channel meet (mutexcond's documented limit: they do not)
 */
#ifndef CONTEND_CHANNEL_IMPLS_H
#define CONTEND_CHANNEL_IMPLS_H

#include "channel_impl.h"

#define CHAN_IMPLS(X)                                                          \
	X(mutexcond, 1, 0)                                                     \
	X(hchan, 1, 1)                                                         \
	X(ring, 0, 0)

#endif
