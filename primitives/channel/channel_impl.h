/* How channel implementations plug in behind the public API: each one embeds
 * struct chan first and fills a chan_ops. The benchmarks call an
 * implementation's functions directly (declared below: what a workload
 * times, so that no indirect call is in it); chan_new picks the default
 * one. select's cases must all be that implementation's channels. */
#ifndef CONTEND_CHANNEL_IMPL_H
#define CONTEND_CHANNEL_IMPL_H

#include "channel.h"

struct chan_ops {
	const char *name;
	void (*free)(chan_t *ch);
	int (*send)(chan_t *ch, const void *elem);
	int (*recv)(chan_t *ch, void *elem);
	int (*try_send)(chan_t *ch, const void *elem);
	int (*try_recv)(chan_t *ch, void *elem);
	int (*close)(chan_t *ch);
	size_t (*len)(chan_t *ch);
	size_t (*cap)(chan_t *ch);
	/* deadline NULL: block forever; block 0: poll once. */
	int (*select)(chan_case *cases, size_t n, int block,
		      const struct timespec *deadline);
};

struct chan {
	const struct chan_ops *ops;
};

/* Mutex + condition variable baseline (channel_mutexcond.c). */
chan_t *chan_mutexcond_new(size_t elem_size, size_t capacity);
int chan_mutexcond_send(chan_t *ch, const void *elem);
int chan_mutexcond_recv(chan_t *ch, void *elem);
int chan_mutexcond_close(chan_t *ch);
int chan_mutexcond_select(chan_case *cases, size_t n, int block,
			  const struct timespec *deadline);

/* Go-like hchan: one lock, waiter queues, direct hand-off, spin-then-park
 * (channel_hchan.c). */
chan_t *chan_hchan_new(size_t elem_size, size_t capacity);
int chan_hchan_send(chan_t *ch, const void *elem);
int chan_hchan_recv(chan_t *ch, void *elem);
int chan_hchan_close(chan_t *ch);
int chan_hchan_select(chan_case *cases, size_t n, int block,
		      const struct timespec *deadline);

/* Lock-free bounded MPMC ring (Vyukov) + parking when empty/full
 * (channel_ring.c): capacity >= 1 only (NULL, EINVAL for 0); its select
 * polls with backoff. */
chan_t *chan_ring_new(size_t elem_size, size_t capacity);
int chan_ring_send(chan_t *ch, const void *elem);
int chan_ring_recv(chan_t *ch, void *elem);
int chan_ring_close(chan_t *ch);
int chan_ring_select(chan_case *cases, size_t n, int block,
		     const struct timespec *deadline);

#endif
