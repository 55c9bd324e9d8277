/* chan family: Go's channels — what a send/receive and a hand-off cost.
 *
 * chan/buffered (cap=64): every thread sends one element then receives one,
 * on one shared channel; an op is one send plus one receive. With one thread
 * the channel never blocks (the lock and copy cost alone); with more, senders
 * and receivers meet in the buffer and wait only when it is empty or full.
 * chan/pingpong (unbuffered): two threads, two channels; thread 0 sends on
 * ping and receives on pong, thread 1 echoes. An op (counted on thread 0) is
 * one round trip: two rendezvous. Compare with c2c/pingpong of the same
 * placement: the difference is how the channel waits (a futex sleep and
 * wake-up per hand-off for the mutex + condvar baseline).
 */
#include <stdlib.h>

#include "bench.h"
#include "channel_impl.h"

struct chan_shared {
	chan_t *a, *b;
};

static int chan_setup(const struct bench *b, int nthreads, void **shared,
		      struct err *e)
{
	struct chan_shared *s = calloc(1, sizeof(*s));
	(void)nthreads;
	if (!s)
		return err_set(e, "chan: out of memory");
	s->a = chan_mutexcond_new(sizeof(uint64_t), (size_t)b->arg);
	s->b = chan_mutexcond_new(sizeof(uint64_t), (size_t)b->arg);
	if (!s->a || !s->b) {
		chan_free(s->a);
		chan_free(s->b);
		free(s);
		return err_set(e, "chan: cannot create channel");
	}
	*shared = s;
	return 0;
}

static void chan_teardown(void *shared)
{
	struct chan_shared *s = shared;
	chan_free(s->a);
	chan_free(s->b);
	free(s);
}

static uint64_t chan_buffered_run(void *shared, struct bench_thread *t,
				  uint64_t iters)
{
	struct chan_shared *s = shared;
	uint64_t v = (uint64_t)t->tid, sum = 0;
	for (uint64_t i = 0; i < iters; i++) {
		chan_mutexcond_send(s->a, &v);
		chan_mutexcond_recv(s->a, &v);
		sum += v;
	}
	keep(sum);
	return iters;
}

static uint64_t chan_pingpong_run(void *shared, struct bench_thread *t,
				  uint64_t iters)
{
	struct chan_shared *s = shared;
	uint64_t v = 0;
	for (uint64_t i = 0; i < iters; i++) {
		if (t->tid == 0) {
			chan_mutexcond_send(s->a, &i);
			chan_mutexcond_recv(s->b, &v);
		} else {
			chan_mutexcond_recv(s->a, &v);
			chan_mutexcond_send(s->b, &v);
		}
	}
	keep(v);
	return t->tid == 0 ? iters : 0;
}

BENCH_REGISTER(chan_mutexcond_buffered, .name = "chan/buffered",
	       .impl = "mutexcond", .params = "cap=64", .arg = 64,
	       .summary = "each thread sends then receives on one buffered "
			  "channel (mutex + condvar)",
	       .setup = chan_setup, .teardown = chan_teardown,
	       .run = chan_buffered_run);

BENCH_REGISTER(chan_mutexcond_pingpong, .name = "chan/pingpong",
	       .impl = "mutexcond", .params = "cap=0", .arg = 0,
	       .flags = BENCH_PAIR,
	       .summary = "unbuffered round trip between two threads (mutex + "
			  "condvar)",
	       .setup = chan_setup, .teardown = chan_teardown,
	       .run = chan_pingpong_run);
