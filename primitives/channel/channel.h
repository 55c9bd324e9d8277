/* Channels: Go's chan, select and close in C. This is the public API; user
 * code and outside tests program against it.
 *
 * Semantics are Go's: an unbuffered send returns only after a receiver has
 * taken the value; a buffered channel is FIFO; elem_size 0 is allowed (Go's
 * chan struct{}); close wakes every blocked receiver (they get CHAN_CLOSED
 * once the buffer is drained) and every blocked sender (CHAN_CLOSED, where Go
 * would panic); send on a closed channel and a second close return
 * CHAN_CLOSED; a select case whose ch is NULL is never ready; among ready
 * cases select picks uniformly at random. All channels in one select must come
 * from the same implementation (chan_new always returns the same one).
 */
#ifndef CONTEND_CHANNEL_H
#define CONTEND_CHANNEL_H

#include <stddef.h>
#include <time.h>

typedef struct chan chan_t;

enum { CHAN_OK = 0, CHAN_CLOSED = -1, CHAN_WOULDBLOCK = -2, CHAN_TIMEOUT = -3 };

/* capacity 0: unbuffered; NULL + errno on failure */
chan_t *chan_new(size_t elem_size, size_t capacity);
void chan_free(chan_t *ch);
/* blocks; CHAN_OK or CHAN_CLOSED */
int chan_send(chan_t *ch, const void *elem);
/* blocks; CHAN_OK, or CHAN_CLOSED once closed and drained */
int chan_recv(chan_t *ch, void *elem);
/* CHAN_OK, CHAN_WOULDBLOCK or CHAN_CLOSED */
int chan_try_send(chan_t *ch, const void *elem);
/* CHAN_OK, CHAN_WOULDBLOCK or CHAN_CLOSED */
int chan_try_recv(chan_t *ch, void *elem);
/* CHAN_OK, or CHAN_CLOSED if already closed */
int chan_close(chan_t *ch);
size_t chan_len(chan_t *ch);
size_t chan_cap(chan_t *ch);

/* dir: CHAN_SEND or CHAN_RECV */
typedef struct {
	chan_t *ch;
	int dir;
	void *elem;
	int result;
} chan_case;

enum { CHAN_SEND = 1, CHAN_RECV = 2 };

/* Index of the case that proceeded (its result set to CHAN_OK or
 * CHAN_CLOSED); CHAN_WOULDBLOCK when !block and none is ready. */
int chan_select(chan_case *cases, size_t n, int block);
/* As chan_select blocking until deadline (CLOCK_MONOTONIC); CHAN_TIMEOUT. */
int chan_select_until(chan_case *cases, size_t n,
		      const struct timespec *deadline);

#endif
