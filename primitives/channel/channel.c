/* The public channel API: dispatch to the implementation a channel was made
 * with. chan_new returns the fastest correct implementation available. */
#include <errno.h>
#include <stddef.h>

#include "channel_impl.h"

/* hchan: it passes every channel test for every capacity and select; the
 * ring refuses capacity 0 and its select polls; mutexcond's selects facing
 * each other on an unbuffered channel never meet, and it sleeps on every
 * hand-off. */
chan_t *chan_new(size_t elem_size, size_t capacity)
{
	return chan_hchan_new(elem_size, capacity);
}

void chan_free(chan_t *ch)
{
	if (ch)
		ch->ops->free(ch);
}

int chan_send(chan_t *ch, const void *elem)
{
	return ch->ops->send(ch, elem);
}

int chan_recv(chan_t *ch, void *elem)
{
	return ch->ops->recv(ch, elem);
}

int chan_try_send(chan_t *ch, const void *elem)
{
	return ch->ops->try_send(ch, elem);
}

int chan_try_recv(chan_t *ch, void *elem)
{
	return ch->ops->try_recv(ch, elem);
}

int chan_close(chan_t *ch)
{
	return ch->ops->close(ch);
}

size_t chan_len(chan_t *ch)
{
	return ch->ops->len(ch);
}

size_t chan_cap(chan_t *ch)
{
	return ch->ops->cap(ch);
}

/* The implementation of the first non-NULL channel runs the select; a select
 * mixing implementations is refused (CHAN_WOULDBLOCK, errno EINVAL) rather
 * than half-supported. NULL with *mixed clear: every channel is NULL. errno
 * is left alone otherwise: writing it costs a call per select. */
static const struct chan_ops *select_ops(const chan_case *cases, size_t n,
					 int *mixed)
{
	const struct chan_ops *ops = NULL;
	*mixed = 0;
	for (size_t i = 0; i < n; i++) {
		if (!cases[i].ch)
			continue;
		if (ops && cases[i].ch->ops != ops) {
			*mixed = 1;
			errno = EINVAL;
			return NULL;
		}
		ops = cases[i].ch->ops;
	}
	return ops;
}

static int select_nothing(int block, const struct timespec *deadline)
{
	if (!block)
		return CHAN_WOULDBLOCK;
	/* Go's select over only nil channels blocks forever. */
	while (!deadline || clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
					    deadline, NULL) == EINTR) {
		if (!deadline) {
			struct timespec day = {86400, 0};
			nanosleep(&day, NULL);
		}
	}
	return CHAN_TIMEOUT;
}

int chan_select(chan_case *cases, size_t n, int block)
{
	int mixed;
	const struct chan_ops *ops = select_ops(cases, n, &mixed);
	if (!ops)
		return mixed ? CHAN_WOULDBLOCK : select_nothing(block, NULL);
	return ops->select(cases, n, block, NULL);
}

int chan_select_until(chan_case *cases, size_t n,
		      const struct timespec *deadline)
{
	int mixed;
	const struct chan_ops *ops = select_ops(cases, n, &mixed);
	if (!ops)
		return mixed ? CHAN_WOULDBLOCK : select_nothing(1, deadline);
	return ops->select(cases, n, 1, deadline);
}
