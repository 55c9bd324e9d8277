/* Channel on one pthread mutex and two condition variables: the baseline
 * every C programmer writes first, and the one a futex sleep makes slow.
 *
 * Invariants (all under mu):
 * - buffered (cap > 0): buf is a ring of cap slots, count of them full from
 *   head; senders wait on send_cv while full, receivers on recv_cv while empty.
 * - unbuffered (cap == 0): buf is one hand-off slot. A sender deposits when the
 *   slot is empty (count 0 -> 1), numbers its hand-off (deposited), and waits
 *   on send_cv until a receiver has taken it (taken >= its number). So a send
 *   returns only after a receiver took the value, as in Go.
 * - close sets closed, wipes an untaken unbuffered hand-off (its sender gets
 *   CHAN_CLOSED) and wakes everyone; buffered elements stay for receivers.
 * - select waiters: a blocked select links a waiter into each channel it
 *   watches; every state change fires all of them (under mu, then the waiter's
 *   own lock, never the other order). The select re-polls after linking, so a
 *   change between its poll and its sleep is never lost.
 * Select limits: on an unbuffered channel a send case is ready only when a
 * receiver is blocked in chan_recv, and a receive case only when a sender has
 * deposited; two selects facing each other on one unbuffered channel do not
 * meet. The Go-like implementation lifts this.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "channel_impl.h"

struct chan_waiter {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int fired;
};

struct waiter_link {
	struct chan_waiter *w;
	struct waiter_link *prev, *next;
};

struct chan_mutexcond {
	struct chan base;
	pthread_mutex_t mu;
	pthread_cond_t recv_cv; /* an element arrived, or close */
	pthread_cond_t send_cv; /* space, a hand-off taken, or close */
	size_t elem_size, cap;
	unsigned char *buf;
	size_t head, count;
	size_t recv_waiting; /* receivers blocked in recv */
	uint64_t deposited, taken;
	int closed;
	struct waiter_link *waiters;
};

static const struct chan_ops mutexcond_ops;

static struct chan_mutexcond *mc(chan_t *ch)
{
	return (struct chan_mutexcond *)ch;
}

chan_t *chan_mutexcond_new(size_t elem_size, size_t capacity)
{
	struct chan_mutexcond *c = calloc(1, sizeof(*c));
	size_t slots = capacity ? capacity : 1;
	if (!c)
		return NULL;
	if (elem_size && slots > SIZE_MAX / elem_size) {
		free(c);
		errno = EOVERFLOW;
		return NULL;
	}
	c->buf = malloc(elem_size * slots + 1);
	if (!c->buf) {
		free(c);
		return NULL;
	}
	c->base.ops = &mutexcond_ops;
	c->elem_size = elem_size;
	c->cap = capacity;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->recv_cv, NULL);
	pthread_cond_init(&c->send_cv, NULL);
	return &c->base;
}

static void mutexcond_free(chan_t *ch)
{
	struct chan_mutexcond *c = mc(ch);
	pthread_cond_destroy(&c->recv_cv);
	pthread_cond_destroy(&c->send_cv);
	pthread_mutex_destroy(&c->mu);
	free(c->buf);
	free(c);
}

static void fire_waiters(struct chan_mutexcond *c)
{
	for (struct waiter_link *l = c->waiters; l; l = l->next) {
		pthread_mutex_lock(&l->w->mu);
		l->w->fired = 1;
		pthread_cond_signal(&l->w->cv);
		pthread_mutex_unlock(&l->w->mu);
	}
}

static unsigned char *slot(struct chan_mutexcond *c, size_t i)
{
	return c->buf + (i % (c->cap ? c->cap : 1)) * c->elem_size;
}

/* Buffered put/take and unbuffered deposit/take, with mu held. */
static void put_locked(struct chan_mutexcond *c, const void *elem)
{
	if (c->elem_size) /* chan struct{}: elem may be NULL */
		memcpy(slot(c, c->head + c->count), elem, c->elem_size);
	c->count++;
	pthread_cond_signal(&c->recv_cv);
	fire_waiters(c);
}

static void take_locked(struct chan_mutexcond *c, void *elem)
{
	if (c->elem_size)
		memcpy(elem, slot(c, c->head), c->elem_size);
	c->head = c->cap ? (c->head + 1) % c->cap : 0;
	c->count--;
	if (c->cap) {
		pthread_cond_signal(&c->send_cv);
	} else {
		c->taken++;
		pthread_cond_broadcast(&c->send_cv);
	}
	fire_waiters(c);
}

/* After an unbuffered deposit: wait until a receiver took it, or close. */
static int await_taken_locked(struct chan_mutexcond *c)
{
	uint64_t mine = ++c->deposited;
	while (c->taken < mine && !c->closed)
		pthread_cond_wait(&c->send_cv, &c->mu);
	return c->taken >= mine ? CHAN_OK : CHAN_CLOSED;
}

int chan_mutexcond_send(chan_t *ch, const void *elem)
{
	struct chan_mutexcond *c = mc(ch);
	size_t limit = c->cap ? c->cap : 1;
	int r = CHAN_OK;
	pthread_mutex_lock(&c->mu);
	while (!c->closed && c->count == limit)
		pthread_cond_wait(&c->send_cv, &c->mu);
	if (c->closed) {
		r = CHAN_CLOSED;
	} else {
		put_locked(c, elem);
		if (!c->cap)
			r = await_taken_locked(c);
	}
	pthread_mutex_unlock(&c->mu);
	return r;
}

int chan_mutexcond_recv(chan_t *ch, void *elem)
{
	struct chan_mutexcond *c = mc(ch);
	int r = CHAN_OK;
	pthread_mutex_lock(&c->mu);
	c->recv_waiting++;
	if (!c->cap)
		fire_waiters(c); /* a select's unbuffered send may be ready */
	while (c->count == 0 && !c->closed)
		pthread_cond_wait(&c->recv_cv, &c->mu);
	c->recv_waiting--;
	if (c->count == 0)
		r = CHAN_CLOSED;
	else
		take_locked(c, elem);
	pthread_mutex_unlock(&c->mu);
	return r;
}

static int mutexcond_try_send(chan_t *ch, const void *elem)
{
	struct chan_mutexcond *c = mc(ch);
	int r = CHAN_WOULDBLOCK;
	pthread_mutex_lock(&c->mu);
	if (c->closed) {
		r = CHAN_CLOSED;
	} else if (c->cap && c->count < c->cap) {
		put_locked(c, elem);
		r = CHAN_OK;
	} else if (!c->cap && c->count == 0 && c->recv_waiting > 0) {
		/* A receiver is committed to take it: a short wait, not a
		 * block on a partner that may never come. */
		put_locked(c, elem);
		r = await_taken_locked(c);
	}
	pthread_mutex_unlock(&c->mu);
	return r;
}

static int mutexcond_try_recv(chan_t *ch, void *elem)
{
	struct chan_mutexcond *c = mc(ch);
	int r = CHAN_WOULDBLOCK;
	pthread_mutex_lock(&c->mu);
	if (c->count > 0) {
		take_locked(c, elem);
		r = CHAN_OK;
	} else if (c->closed) {
		r = CHAN_CLOSED;
	}
	pthread_mutex_unlock(&c->mu);
	return r;
}

int chan_mutexcond_close(chan_t *ch)
{
	struct chan_mutexcond *c = mc(ch);
	int r = CHAN_OK;
	pthread_mutex_lock(&c->mu);
	if (c->closed) {
		r = CHAN_CLOSED;
	} else {
		c->closed = 1;
		if (!c->cap)
			c->count =
				0; /* the untaken hand-off is not delivered */
		pthread_cond_broadcast(&c->recv_cv);
		pthread_cond_broadcast(&c->send_cv);
		fire_waiters(c);
	}
	pthread_mutex_unlock(&c->mu);
	return r;
}

static size_t mutexcond_len(chan_t *ch)
{
	struct chan_mutexcond *c = mc(ch);
	pthread_mutex_lock(&c->mu);
	size_t n = c->cap ? c->count : 0;
	pthread_mutex_unlock(&c->mu);
	return n;
}

static size_t mutexcond_cap(chan_t *ch)
{
	return mc(ch)->cap;
}

/* Per-thread xorshift for select's random start: thread-local so selects on
 * different threads never share (or contend on) generator state. */
static uint32_t select_random(void)
{
	static _Thread_local uint32_t state;
	if (!state)
		state = (uint32_t)(uintptr_t)&state | 1u;
	state ^= state << 13;
	state ^= state >> 17;
	state ^= state << 5;
	return state;
}

/* Tries the cases in a random order (a fresh permutation each poll), so
 * each ready case is the first ready one tried with equal probability. */
static int poll_cases(chan_case *cases, size_t n)
{
	size_t small[16], *order = n <= 16 ? small : malloc(n * sizeof(*order));
	int found = CHAN_WOULDBLOCK;
	if (!order)
		return CHAN_WOULDBLOCK;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j = select_random() % i, t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
	for (size_t k = 0; k < n && found == CHAN_WOULDBLOCK; k++) {
		chan_case *cs = &cases[order[k]];
		int r;
		if (!cs->ch)
			continue;
		r = cs->dir == CHAN_SEND ? mutexcond_try_send(cs->ch, cs->elem)
					 : mutexcond_try_recv(cs->ch, cs->elem);
		if (r != CHAN_WOULDBLOCK) {
			cs->result = r;
			found = (int)order[k];
		}
	}
	if (order != small)
		free(order);
	return found;
}

static void link_all(chan_case *cases, size_t n, struct waiter_link *links,
		     struct chan_waiter *w)
{
	for (size_t i = 0; i < n; i++) {
		struct chan_mutexcond *c = cases[i].ch ? mc(cases[i].ch) : NULL;
		links[i].w = w;
		if (!c)
			continue;
		pthread_mutex_lock(&c->mu);
		links[i].prev = NULL;
		links[i].next = c->waiters;
		if (c->waiters)
			c->waiters->prev = &links[i];
		c->waiters = &links[i];
		pthread_mutex_unlock(&c->mu);
	}
}

static void unlink_all(chan_case *cases, size_t n, struct waiter_link *links)
{
	for (size_t i = 0; i < n; i++) {
		struct chan_mutexcond *c = cases[i].ch ? mc(cases[i].ch) : NULL;
		if (!c)
			continue;
		pthread_mutex_lock(&c->mu);
		if (links[i].prev)
			links[i].prev->next = links[i].next;
		else
			c->waiters = links[i].next;
		if (links[i].next)
			links[i].next->prev = links[i].prev;
		pthread_mutex_unlock(&c->mu);
	}
}

/* Sleeps until a watched channel changes or the deadline passes. */
static int wait_fired(struct chan_waiter *w, const struct timespec *deadline)
{
	int timed_out = 0;
	pthread_mutex_lock(&w->mu);
	while (!w->fired && !timed_out) {
		if (deadline)
			timed_out =
				pthread_cond_timedwait(&w->cv, &w->mu,
						       deadline) == ETIMEDOUT;
		else
			pthread_cond_wait(&w->cv, &w->mu);
	}
	w->fired = 0;
	pthread_mutex_unlock(&w->mu);
	return timed_out;
}

int chan_mutexcond_select(chan_case *cases, size_t n, int block,
			  const struct timespec *deadline)
{
	struct chan_waiter w = {.fired = 0};
	pthread_condattr_t attr;
	struct waiter_link *links;
	int r = poll_cases(cases, n);
	if (r != CHAN_WOULDBLOCK || !block)
		return r;
	links = calloc(n, sizeof(*links));
	if (!links)
		return CHAN_WOULDBLOCK;
	pthread_mutex_init(&w.mu, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w.cv, &attr);
	pthread_condattr_destroy(&attr);
	for (;;) {
		link_all(cases, n, links, &w);
		r = poll_cases(cases, n);
		int timed_out =
			r == CHAN_WOULDBLOCK && wait_fired(&w, deadline);
		unlink_all(cases, n, links);
		if (r != CHAN_WOULDBLOCK)
			break;
		r = poll_cases(cases, n);
		if (r != CHAN_WOULDBLOCK || timed_out) {
			r = r == CHAN_WOULDBLOCK ? CHAN_TIMEOUT : r;
			break;
		}
	}
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);
	free(links);
	return r;
}

static const struct chan_ops mutexcond_ops = {
	.name = "mutexcond",
	.free = mutexcond_free,
	.send = chan_mutexcond_send,
	.recv = chan_mutexcond_recv,
	.try_send = mutexcond_try_send,
	.try_recv = mutexcond_try_recv,
	.close = chan_mutexcond_close,
	.len = mutexcond_len,
	.cap = mutexcond_cap,
	.select = chan_mutexcond_select,
};
