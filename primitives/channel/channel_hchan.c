/* Go-like channel, modelled on Go's runtime: src/runtime/chan.go (hchan,
 * chansend, chanrecv, closechan) and src/runtime/select.go (selectgo).
 *
 * Invariants (as in chan.go), all under the channel's lock:
 * - buf is a ring of cap slots, count of them full from head.
 * - at most one of sendq and recvq holds live waiters: recvq only while the
 *   buffer is empty, sendq only while it is full (for cap 0: always "full"
 *   and "empty"). A waiter whose select was already won elsewhere may linger
 *   in a queue until its owner removes it; waitq_claim skips it.
 * - a waiter record (Go's sudog) lives on the blocked thread's stack; one per
 *   channel the thread waits on, all sharing one group (the g): the first
 *   party to CAS group.done from OPEN wins the thread - a sender or receiver
 *   handing off, close, or the thread itself on its deadline.
 * - direct hand-off: a sender finding a waiting receiver copies into the
 *   receiver's own destination; a receiver finding a waiting sender takes its
 *   value (cap 0) or takes the head and moves the sender's value into the
 *   freed slot (full buffer), so FIFO holds and the sender never re-locks.
 * - the winner writes the group's result under the channel lock, then (after
 *   unlocking) sets the waiter's wake flag WOKEN with release: the last touch
 *   of the waiter's memory. The waiter never returns before it sees WOKEN, so
 *   its records outlive every access to them.
 * - closed is set once; close claims and wakes every queued waiter (senders
 *   get CHAN_CLOSED, receivers CHAN_CLOSED with a zeroed element).
 * Select (selectgo): first poll the cases in a random order, each channel
 * locked alone (the ready fast path: one lock/unlock when the first case
 * tried is ready); if none proceeded and the select blocks, lock every
 * channel in address order (deduplicated), poll the cases again (so each ready
 * case wins with equal probability), and if none is ready enqueue one waiter
 * per case, unlock, park; once woken (or timed out), lock all again and remove
 * the waiters not already removed. Holding all the locks while polling and
 * enqueuing is what loses no wake-up; locking in address order is what cannot
 * deadlock. Two selects facing each other on one unbuffered channel meet, and a
 * select send pairs with a blocked plain receiver, since both wait as queued
 * waiters. Waiting is spin-then-park on the group's own flag (channel_park.h).
 *
 * Orderings. All of the above is read and written under the channel lock
 * (acquire CAS or exchange, release exchange: x86 lock cmpxchg / xchg,
 * AArch64 casa / swpl), but for four words, and no path needs a store->load
 * fence (no mfence, no dmb): the one Dekker shape, "I may sleep" against
 * "you are woken", is settled by the lock for the spot (spot_parked and
 * WOKEN are both written, and spot_parked read, under it) and by one word's
 * RMW order for a queued waiter (channel_park.h); the last step, FUTEX_WAIT
 * against FUTEX_WAKE, by the kernel's barriers. The four words:
 * - spot_wake: spot_settle's release store of WOKEN (x86 mov, AArch64 stlr)
 *   to the spot waiter's acquire loads (mov, ldar) publishes spot_elem and
 *   spot_success, which the waiter reads after it outside the lock. Its
 *   relaxed store in spot_claim and load in spot_park are under the lock.
 * - spot_consumed: the waiter's release store after those reads to
 *   spot_claimable's acquire load: the reads happen before the next claim
 *   overwrites spot_elem. x86-TSO never moves a load past a later store;
 *   AArch64 and C11 may (load buffering), hence the pair.
 * - a group's wake: chan_unpark's release to chan_park's acquire publishes
 *   the copy into w->dst, winner and success.
 * - a group's done: relaxed CAS. Only its atomicity matters (one winner);
 *   the winner's data travels on wake, and a loser only unlinks the record
 *   under its channel's lock, which the group's thread takes before its
 *   records go (sel_finish).
 * No wake-up is lost after close: closed is set under the lock, and an
 * operation blocks only after finding it clear under the same lock (send
 * checks it first; receive blocks only on an empty buffer with no sender),
 * so no one queues or claims the spot once it is set. Close settles the
 * spot's waiter and claims every queued one in that critical section, and
 * wakes them after it: a spot waiter that had not yet said it parks finds
 * WOKEN in its spin or under the lock, one that had is seen through
 * spot_parked and gets FUTEX_WAKE. A select that timed out but lost its
 * group to close (or any waker) parks again for the unpark, which always
 * follows the claim.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cacheline.h"
#include "channel_impl.h"
#include "channel_park.h"
#include "channel_shuffle.h"
#include "prefetch.h"

/* The channel lock: 0 free, 1 held, 2 held with sleepers (Drepper's
 * "Futexes are tricky", mutex 2), spinning a little before sleeping.
 * The spin backs off exponentially (1, 2, 4 ... pauses between looks at
 * the lock, up to HCHAN_LOCK_BACKOFF_NS, HCHAN_LOCK_SPIN_NS in all): a
 * sender and a receiver that both work a buffered channel flat out then
 * take turns of several operations each instead of passing the lock's line
 * back and forth on every one, and a waiter's looks do not pull the line
 * away from the holder in the middle of its critical section (a receiver
 * and a sender on cap 1024 went from 107 to 28 ns per element with it; in
 * Go's lock the same role is played by procyield(30)). Both are times, not
 * pause counts (a pause costs 10.8 ns on one CPU and 23.8 on another):
 * the longest back-off lets the holder do a batch of some 64 operations
 * of ~20 ns, which pays for the two line transfers of a hand-over even
 * where a round trip takes 500 ns; the whole spin, 8 of those, ends well
 * before a futex sleep and wake-up (24-47 us in VMs) would pay off. Each
 * channel turns them into pauses once, at creation (spin_pauses_ns).
 * Where the back-off starts is learnt per channel (lock_hint): half the
 * delay the last slow locker had reached when it got the lock. A waiter
 * that starts at 1 pause on a channel worked flat out takes the lock at
 * the holder's first gap and the batches stay short (cap 1024, 1x1: 57
 * ns per element); one that starts where the last wait ended lets the
 * holder's batch run (28.5 ns, contend ab on a Zen 5 guest; buffered at
 * 2 threads 44.5 -> 25.7). Where waits are short (cap 1, a hand-off per
 * element) the hint stays small but a long wait now and then makes the
 * next ones start late: chan/throughput cap=1 1.04-1.10x, pingpong
 * cap=0 1.0-1.15x, the same A/B, with the hint in the lock's line. */
struct hchan_lock {
	_Atomic uint32_t state;
};

#define HCHAN_LOCK_BACKOFF_NS 1500
#define HCHAN_LOCK_SPIN_NS    12000

/* What a blocked thread shares between its waiter records. */
enum { GROUP_OPEN = 0, GROUP_WON = 1, GROUP_TIMED_OUT = 2 };
struct hchan_group {
	_Atomic uint32_t done; /* GROUP_*: claimed once, by CAS */
	_Atomic uint32_t wake; /* CHAN_SPINNING / PARKED / WOKEN */
	int winner;	       /* the case index that proceeded */
	int success;	       /* 1 hand-off, 0 close */
};

struct hchan_waiter {
	struct hchan_waiter *prev, *next;
	struct hchan_group *g;
	void *dst;	 /* a receiver's destination */
	const void *src; /* a sender's element */
	int queued;
	int idx;
};

struct hchan_waitq {
	struct hchan_waiter *first, *last;
};

#define HCHAN_SPOT_ELEM 32
enum { SPOT_FREE = 0, SPOT_RECV, SPOT_SEND, SPOT_DONE };

/* Laid out by who writes what: line 0 is written by every operation (the
 * lock) and holds the lock's hint and the spot; line 1 when threads queue
 * or the buffer moves; line 2 never after creation; line 3 only by a
 * settled spot waiter. The hint is in line 0 because its writer has just
 * taken that line with the lock: in line 1, beside `closed` (read by every
 * send), its store moved that line once more per slow lock, pingpong cap=1
 * 1.27x and cap=0 1.10x slower (contend ab, Zen 5 guest). */
struct hchan {
	_Alignas(CACHE_LINE) struct chan base;
	struct hchan_lock lock;
	_Atomic uint32_t lock_hint; /* the delay the last slow locker reached */
	uint16_t spot_state;	    /* SPOT_* */
	uint16_t spot_parked; /* the spot's waiter may sleep (spot_park) */
	uint32_t spot_seq;
	int spot_success;
	_Atomic uint32_t spot_wake; /* CHAN_SPINNING / WOKEN */
	unsigned char spot_elem[HCHAN_SPOT_ELEM];
	_Alignas(CACHE_LINE) int closed;
	size_t head, count;
	struct hchan_waitq recvq, sendq;
	_Alignas(CACHE_LINE) size_t elem_size, cap;
	unsigned char *buf;
	uint32_t lock_backoff, lock_spin; /* the HCHAN_LOCK_*_NS in pauses */
	size_t ahead;	  /* slots prefetched ahead (hchan_prefetch); 0: off */
	size_t ahead_end; /* ahead + the slots a line holds - 1 */
	int prefetchw;	  /* the CPU has a prefetch for writing */
	/* last spot_seq read */
	_Alignas(CACHE_LINE) _Atomic uint32_t spot_consumed;
};

_Static_assert(
	offsetof(struct hchan, closed) == 64,
	"the lock, its hint and the spot share the channel's first line");

/* What to wake once the lock is released: a queued waiter's group, or the
 * spot's futex when its waiter parked. */
struct hchan_wake {
	struct hchan_group *g;
	_Atomic uint32_t *futex;
};

static const struct chan_ops hchan_ops;

static struct hchan *hc(chan_t *ch)
{
	return (struct hchan *)ch;
}

/* Aligned, as hchan_op: with the instructions unchanged and only their
 * addresses moved by unrelated code (1bb2012 against 79d8973), contend ab
 * measured chan/throughput and chan/buffered hchan 1.5-2.4x slower; with
 * both at a 64-byte boundary 1.06-1.15x. The batching that makes a
 * buffered channel fast comes from the timing of the waiters' looks at the
 * lock, and that timing moves with where the spin loops sit. */
static __attribute__((aligned(64))) void lock_slow(struct hchan_lock *l,
						   _Atomic uint32_t *hint,
						   uint32_t backoff,
						   uint32_t spin)
{
	uint32_t delay = atomic_load_explicit(hint, memory_order_relaxed) / 2;
	if (!delay)
		delay = 1;
	for (uint32_t spent = 0; spent < spin; spent += delay) {
		uint32_t v = 0;
		/* relaxed: a read-only look, so the holder keeps the line;
		 * the CAS below is what acquires */
		if (atomic_load_explicit(&l->state, memory_order_relaxed) ==
			    0 &&
		    atomic_compare_exchange_weak_explicit(
			    &l->state, &v, 1, memory_order_acquire,
			    memory_order_relaxed)) {
			atomic_store_explicit(hint, delay,
					      memory_order_relaxed);
			return;
		}
		for (uint32_t k = 0; k < delay; k++)
			spin_pause();
		spin_backoff_grow(&delay, backoff);
	}
	/* acquire: the critical section follows the previous release */
	while (atomic_exchange_explicit(&l->state, 2, memory_order_acquire))
		futex_wait_until(&l->state, 2, NULL);
}

static void hchan_lock(struct hchan *c)
{
	struct hchan_lock *l = &c->lock;
	uint32_t v = 0;
	/* acquire: pairs with hchan_unlock's release (the previous critical
	 * section is visible); relaxed on failure: lock_slow acquires */
	if (!atomic_compare_exchange_strong_explicit(&l->state, &v, 1,
						     memory_order_acquire,
						     memory_order_relaxed))
		lock_slow(l, &c->lock_hint, c->lock_backoff, c->lock_spin);
}

static void hchan_unlock(struct hchan_lock *l)
{
	/* release: publishes the critical section to the next locker; an
	 * RMW, not a store, to learn whether anyone sleeps (2) */
	if (atomic_exchange_explicit(&l->state, 0, memory_order_release) == 2)
		futex_wake(&l->state, 1);
}

/* The buffer's prefetch. A receiver reads slots a sender on another CPU
 * wrote, and a sender refills slots a receiver there read: each line of
 * the ring crosses once per lap, and under the lock, whose RMWs wait for
 * earlier loads, one crossing cannot overlap the next. So a send asks for
 * the slot HCHAN_PREFETCH_BYTES past its own for writing, a receive for
 * the one past its own for reading, far enough ahead that the line
 * arrives before it is reached. Only a settled line: a send's while all of
 * its slots are free, a receive's while all are filled (ahead_end); past
 * that, the line holds the other side's next slots, and taking it
 * would cost the other side (chan/throughput cap=64, where the
 * buffer runs full: 1.07x slower without that check). Off where the ring
 * spans fewer than four times the distance. contend ab on the Zen 5 guest
 * (family 26 model 2), 1 and 2 threads: chan/throughput size=1024 cap=1024
 * 0.77-0.84x; cap=1024 1xN, Nx1, NxN 0.73-0.87x in the rounds where the
 * lock's batching had fallen into its slow mode (47 ns per element), 1.0x
 * where it had not (29-31 ns); select and buffered at one thread, where
 * every line is this CPU's, 1.02x (the test and one prefetch per line). */
#define HCHAN_PREFETCH_BYTES ((size_t)2 * CACHE_LINE)

static void hchan_prefetch_init(struct hchan *c)
{
	size_t ahead;
	if (!c->elem_size)
		return;
	ahead = (HCHAN_PREFETCH_BYTES + c->elem_size - 1) / c->elem_size;
	if (c->cap / 4 >= ahead &&
	    c->cap * c->elem_size >= 4 * HCHAN_PREFETCH_BYTES) {
		c->ahead = ahead;
		/* the last slot the prefetched line can hold */
		c->ahead_end = ahead +
			       (CACHE_LINE + c->elem_size - 1) / c->elem_size -
			       1;
	}
	c->prefetchw = prefetch_has_write();
}

/* Prefetches the slot ahead of index i (i < 2 cap, as for slot()), once
 * per line: only the slot that starts in a line asks for it (a prefetch
 * per operation cost select n=2 and buffered at one thread 3%, where every
 * line is this CPU's already). */
static inline void hchan_prefetch(const struct hchan *c, size_t i, int w)
{
	const unsigned char *p;
	uintptr_t off;
	i += c->ahead;
	while (i >= c->cap) /* once at most: i < 2 cap (the callers' checks) */
		i -= c->cap;
	p = c->buf + i * c->elem_size;
	/* buf starts a line: only the first slot that starts in a line */
	off = (uintptr_t)p & (CACHE_LINE - 1);
	if (off >= c->elem_size)
		return;
	/* every line from p's to its last byte's */
	prefetch_lines(p - off, off + c->elem_size, w && c->prefetchw);
}

chan_t *chan_hchan_new(size_t elem_size, size_t capacity)
{
	struct hchan *c = aligned_alloc(64, sizeof(*c));
	if (!c)
		return NULL;
	memset(c, 0, sizeof(*c));
	if (elem_size && capacity > (SIZE_MAX - CACHE_LINE) / elem_size) {
		free(c);
		errno = EOVERFLOW;
		return NULL;
	}
	/* at a line's start, so slot offsets in a line are hchan_prefetch's */
	c->buf = aligned_alloc(CACHE_LINE, (elem_size * capacity + CACHE_LINE) &
						   ~(size_t)(CACHE_LINE - 1));
	if (!c->buf) {
		free(c);
		return NULL;
	}
	c->base.ops = &hchan_ops;
	c->elem_size = elem_size;
	c->cap = capacity;
	c->lock_backoff = spin_pauses_ns(HCHAN_LOCK_BACKOFF_NS);
	c->lock_spin = spin_pauses_ns(HCHAN_LOCK_SPIN_NS);
	hchan_prefetch_init(c);
	return &c->base;
}

static void hchan_free(chan_t *ch)
{
	free(hc(ch)->buf);
	free(ch);
}

static void copy_elem(struct hchan *c, void *dst, const void *src)
{
	/* a word inline (the common element: no call into libc's memcpy) */
	if (c->elem_size == sizeof(uint64_t))
		memcpy(dst, src, sizeof(uint64_t));
	else if (c->elem_size) /* chan struct{}: pointers may be NULL */
		memcpy(dst, src, c->elem_size);
}

static unsigned char *slot(struct hchan *c, size_t i)
{
	/* i < 2 cap (head + count): a subtraction, not a division */
	return c->buf + (i < c->cap ? i : i - c->cap) * c->elem_size;
}

static void waitq_push(struct hchan_waitq *q, struct hchan_waiter *w)
{
	w->next = NULL;
	w->prev = q->last;
	if (q->last)
		q->last->next = w;
	else
		q->first = w;
	q->last = w;
	w->queued = 1;
}

static void waitq_remove(struct hchan_waitq *q, struct hchan_waiter *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		q->first = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		q->last = w->prev;
	w->queued = 0;
}

/* Pops the first waiter whose thread is still free to take, and claims it;
 * waiters of selects won elsewhere are dropped on the way. */
static struct hchan_waiter *waitq_claim(struct hchan_waitq *q)
{
	struct hchan_waiter *w;
	while ((w = q->first)) {
		uint32_t open = GROUP_OPEN;
		waitq_remove(q, w);
		/* relaxed: only who wins matters; the data the waiter gets
		 * is published by chan_unpark's release */
		if (atomic_compare_exchange_strong_explicit(
			    &w->g->done, &open, GROUP_WON, memory_order_relaxed,
			    memory_order_relaxed))
			return w;
	}
	return NULL;
}

static void settle(struct hchan_waiter *w, int success)
{
	w->g->winner = w->idx;
	w->g->success = success;
}

/* Settles the spot's waiter (lock held): its result, then WOKEN, before
 * the unlock. WOKEN is a plain store, not an exchange (a locked write of
 * the line on every hand-off): whether the waiter may sleep is read under
 * the lock, where spot_park says so. The futex wake, if it may, is left to
 * after the unlock. */
static void spot_settle(struct hchan *c, int success, struct hchan_wake *wk)
{
	c->spot_success = success;
	c->spot_state = SPOT_DONE;
	/* release: publishes spot_elem and spot_success to the waiter,
	 * which reads the flag with acquire (spot_park) */
	atomic_store_explicit(&c->spot_wake, CHAN_WOKEN, memory_order_release);
	if (c->spot_parked)
		wk->futex = &c->spot_wake;
}

/* The non-blocking send, lock held. The spot's waiter is served before
 * the queue's (it is older than every queued receiver). */
static inline __attribute__((always_inline)) int
send_locked(struct hchan *c, const void *elem, struct hchan_wake *wk)
{
	struct hchan_waiter *w;
	if (c->closed)
		return CHAN_CLOSED;
	if (c->spot_state == SPOT_RECV) {
		copy_elem(c, c->spot_elem, elem);
		spot_settle(c, 1, wk);
		return CHAN_OK;
	}
	if ((w = waitq_claim(&c->recvq))) {
		copy_elem(c, w->dst, elem);
		settle(w, 1);
		wk->g = w->g;
		return CHAN_OK;
	}
	if (c->count < c->cap) {
		if (c->ahead && c->count + c->ahead_end < c->cap)
			hchan_prefetch(c, c->head + c->count, 1);
		copy_elem(c, slot(c, c->head + c->count), elem);
		c->count++;
		return CHAN_OK;
	}
	return CHAN_WOULDBLOCK;
}

/* A waiting sender exists only when the buffer is full (or cap is 0):
 * the receiver takes the head and the sender's element becomes the tail,
 * or (cap 0) the receiver takes the sender's element. */
static void take_from_sender(struct hchan *c, void *elem, const void *src)
{
	if (!c->cap) {
		copy_elem(c, elem, src);
	} else {
		copy_elem(c, elem, slot(c, c->head));
		copy_elem(c, slot(c, c->head), src); /* the new tail */
		c->head = c->head + 1 == c->cap ? 0 : c->head + 1;
	}
}

static inline __attribute__((always_inline)) int
recv_locked(struct hchan *c, void *elem, struct hchan_wake *wk)
{
	struct hchan_waiter *w;
	if (c->spot_state == SPOT_SEND) {
		take_from_sender(c, elem, c->spot_elem);
		spot_settle(c, 1, wk);
		return CHAN_OK;
	}
	if ((w = waitq_claim(&c->sendq))) {
		take_from_sender(c, elem, w->src);
		settle(w, 1);
		wk->g = w->g;
		return CHAN_OK;
	}
	if (c->count) {
		if (c->ahead && c->ahead_end < c->count)
			hchan_prefetch(c, c->head, 0);
		copy_elem(c, elem, slot(c, c->head));
		c->head = c->head + 1 == c->cap ? 0 : c->head + 1;
		c->count--;
		return CHAN_OK;
	}
	if (c->closed) {
		if (c->elem_size)
			memset(elem, 0, c->elem_size); /* Go's zero value */
		return CHAN_CLOSED;
	}
	return CHAN_WOULDBLOCK;
}

static void unpark_after(const struct hchan_wake *wk)
{
	if (wk->g)
		chan_unpark(&wk->g->wake);
	if (wk->futex)
		futex_wake(wk->futex, 1);
}

/* Lock held, the operation would block: may this one wait in the spot?
 * Only if its element fits, no waiter of its direction is queued, and the
 * last spot waiter has read its result (acquire: pairs with its release
 * store of spot_consumed, so its reads precede this claim's writes). */
static int spot_claimable(struct hchan *c, const struct hchan_waitq *q)
{
	if (c->elem_size > HCHAN_SPOT_ELEM || q->first)
		return 0;
	return c->spot_state == SPOT_FREE ||
	       (c->spot_state == SPOT_DONE &&
		atomic_load_explicit(&c->spot_consumed, memory_order_acquire) ==
			c->spot_seq);
}

static uint32_t spot_claim(struct hchan *c, int dir, const void *elem)
{
	c->spot_seq++;
	c->spot_state = dir == CHAN_SEND ? SPOT_SEND : SPOT_RECV;
	if (dir == CHAN_SEND)
		copy_elem(c, c->spot_elem, elem);
	c->spot_parked = 0;
	/* relaxed: the lock publishes it to every waker */
	atomic_store_explicit(&c->spot_wake, CHAN_SPINNING,
			      memory_order_relaxed);
	return c->spot_seq;
}

/* The spot waiter's wait: spin (channel_park.h), then say under the lock
 * that it may sleep. A waker that settles the spot after that sees
 * spot_parked and wakes the futex; one that settled it before left WOKEN,
 * which the check under the lock sees; and a WOKEN stored between the
 * unlock and the futex wait makes the wait return at once. */
static void spot_park(struct hchan *c)
{
	if (chan_spin_while_spaced(&c->spot_wake, CHAN_SPINNING,
				   c->lock_backoff))
		return; /* only a waker changes it, to WOKEN */
	hchan_lock(c);
	/* relaxed: the lock orders it after the waker's stores */
	if (atomic_load_explicit(&c->spot_wake, memory_order_relaxed) ==
	    CHAN_WOKEN) {
		hchan_unlock(&c->lock);
		return;
	}
	c->spot_parked = 1;
	hchan_unlock(&c->lock);
	/* acquire: pairs with spot_settle's release */
	while (atomic_load_explicit(&c->spot_wake, memory_order_acquire) !=
	       CHAN_WOKEN)
		futex_wait_until(&c->spot_wake, CHAN_SPINNING, NULL);
}

/* Waits in the spot claimed under the lock (now released), then reads
 * the result and says so (release: these reads precede the next claim). */
static int spot_wait(struct hchan *c, int dir, void *elem, uint32_t seq)
{
	int ok;
	spot_park(c);
	ok = c->spot_success;
	if (dir == CHAN_RECV && c->elem_size) {
		if (ok)
			copy_elem(c, elem, c->spot_elem);
		else
			memset(elem, 0, c->elem_size); /* closed */
	}
	atomic_store_explicit(&c->spot_consumed, seq, memory_order_release);
	return ok ? CHAN_OK : CHAN_CLOSED;
}

/* Lock held, the operation would block: wait in the spot or in the queue
 * (no deadline); the lock is released before parking. */
static int hchan_block(struct hchan *c, int dir, void *elem)
{
	struct hchan_waitq *q = dir == CHAN_SEND ? &c->sendq : &c->recvq;
	struct hchan_group g = {0};
	struct hchan_waiter w = {.g = &g, .dst = elem, .src = elem};
	if (spot_claimable(c, q)) {
		uint32_t seq = spot_claim(c, dir, elem);
		hchan_unlock(&c->lock);
		return spot_wait(c, dir, elem, seq);
	}
	waitq_push(q, &w);
	hchan_unlock(&c->lock);
	chan_park(&g.wake, NULL, c->lock_backoff);
	return g.success ? CHAN_OK : CHAN_CLOSED;
}

/* One-channel operation: try, else (block) wait. */
static __attribute__((aligned(64))) int hchan_op(struct hchan *c, int dir,
						 void *elem, int block)
{
	struct hchan_wake wk = {0};
	int r;
	hchan_lock(c);
	r = dir == CHAN_SEND ? send_locked(c, elem, &wk)
			     : recv_locked(c, elem, &wk);
	if (r == CHAN_WOULDBLOCK && block)
		return hchan_block(c, dir, elem); /* nothing to wake */
	hchan_unlock(&c->lock);
	unpark_after(&wk);
	return r;
}

int chan_hchan_send(chan_t *ch, const void *elem)
{
	return hchan_op(hc(ch), CHAN_SEND, (void *)elem, 1);
}

int chan_hchan_recv(chan_t *ch, void *elem)
{
	return hchan_op(hc(ch), CHAN_RECV, elem, 1);
}

static int hchan_try_send(chan_t *ch, const void *elem)
{
	return hchan_op(hc(ch), CHAN_SEND, (void *)elem, 0);
}

static int hchan_try_recv(chan_t *ch, void *elem)
{
	return hchan_op(hc(ch), CHAN_RECV, elem, 0);
}

/* Claims every waiter of q for close, chaining them on *list. */
static void claim_all_closed(struct hchan *c, struct hchan_waitq *q,
			     struct hchan_waiter **list)
{
	struct hchan_waiter *w;
	while ((w = waitq_claim(q))) {
		if (w->dst && c->elem_size && q == &c->recvq)
			memset(w->dst, 0, c->elem_size);
		settle(w, 0);
		w->next = *list;
		*list = w;
	}
}

int chan_hchan_close(chan_t *ch)
{
	struct hchan *c = hc(ch);
	struct hchan_waiter *list = NULL;
	struct hchan_wake wk = {0};
	hchan_lock(c);
	if (c->closed) {
		hchan_unlock(&c->lock);
		return CHAN_CLOSED;
	}
	c->closed = 1;
	if (c->spot_state == SPOT_RECV || c->spot_state == SPOT_SEND)
		spot_settle(c, 0, &wk);
	claim_all_closed(c, &c->recvq, &list);
	claim_all_closed(c, &c->sendq, &list);
	hchan_unlock(&c->lock);
	unpark_after(&wk);
	while (list) {
		struct hchan_waiter *next = list->next; /* before the wake */
		chan_unpark(&list->g->wake);
		list = next;
	}
	return CHAN_OK;
}

static size_t hchan_len(chan_t *ch)
{
	struct hchan *c = hc(ch);
	size_t n;
	hchan_lock(c);
	n = c->count;
	hchan_unlock(&c->lock);
	return n;
}

static size_t hchan_cap(chan_t *ch)
{
	return hc(ch)->cap;
}

/* ---- select ---- */

/* on the stack up to here: no malloc per select (and the poll order is
 * packed up to the same bound) */
#define SEL_SMALL CHAN_PERM_PACKED

/* A select's scratch: per case a waiter record, the poll order (an array
 * only past CHAN_PERM_PACKED cases), and the distinct channels in lock
 * (address) order. */
struct sel {
	chan_case *cases;
	size_t n, nlocks;
	struct hchan_waiter *w;
	size_t *poll;
	struct chan_perm perm;
	struct hchan **locks;
	struct hchan_group g;
	struct hchan_waiter w_small[SEL_SMALL];
	struct hchan *locks_small[SEL_SMALL];
};

static int sel_alloc(struct sel *s, chan_case *cases, size_t n)
{
	s->cases = cases;
	s->n = n;
	if (n <= SEL_SMALL) {
		s->w = s->w_small;
		s->poll = NULL; /* the order is packed (CHAN_PERM_PACKED) */
		s->locks = s->locks_small;
		return 0;
	}
	s->w = calloc(n, sizeof(*s->w));
	s->poll = calloc(n, sizeof(*s->poll));
	s->locks = calloc(n, sizeof(struct hchan *));
	return s->w && s->poll && s->locks ? 0 : -1;
}

static void sel_release(struct sel *s)
{
	if (s->w == s->w_small)
		return;
	free(s->w);
	free(s->poll);
	free(s->locks);
}

/* The distinct channels sorted by address (insertion sort: n is small). */
static void sel_lock_order(struct sel *s)
{
	s->nlocks = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct hchan *c = s->cases[i].ch ? hc(s->cases[i].ch) : NULL;
		size_t k = s->nlocks;
		if (!c)
			continue;
		while (k > 0 && (uintptr_t)s->locks[k - 1] > (uintptr_t)c)
			k--;
		if (k > 0 && s->locks[k - 1] == c)
			continue;
		memmove(&s->locks[k + 1], &s->locks[k],
			(s->nlocks - k) * sizeof(struct hchan *));
		s->locks[k] = c;
		s->nlocks++;
	}
}

static void sel_lock_all(struct sel *s)
{
	for (size_t i = 0; i < s->nlocks; i++)
		hchan_lock(s->locks[i]);
}

static void sel_unlock_all(struct sel *s)
{
	for (size_t i = s->nlocks; i > 0; i--)
		hchan_unlock(&s->locks[i - 1]->lock);
}

/* All locks held: the first ready case in poll order, or WOULDBLOCK. */
static int sel_poll_locked(struct sel *s, struct hchan_wake *wk)
{
	for (size_t k = 0; k < s->n; k++) {
		chan_case *cs = &s->cases[chan_perm_at(&s->perm, k)];
		int r;
		if (!cs->ch)
			continue;
		r = cs->dir == CHAN_SEND
			    ? send_locked(hc(cs->ch), cs->elem, wk)
			    : recv_locked(hc(cs->ch), cs->elem, wk);
		if (r != CHAN_WOULDBLOCK) {
			cs->result = r;
			return (int)chan_perm_at(&s->perm, k);
		}
	}
	return CHAN_WOULDBLOCK;
}

static struct hchan_waitq *case_queue(chan_case *cs)
{
	struct hchan *c = hc(cs->ch);
	return cs->dir == CHAN_SEND ? &c->sendq : &c->recvq;
}

static void sel_enqueue_locked(struct sel *s)
{
	for (size_t i = 0; i < s->n; i++) {
		chan_case *cs = &s->cases[i];
		s->w[i] = (struct hchan_waiter){.g = &s->g,
						.dst = cs->elem,
						.src = cs->elem,
						.idx = (int)i};
		if (cs->ch)
			waitq_push(case_queue(cs), &s->w[i]);
	}
}

static void sel_dequeue_locked(struct sel *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->w[i].queued)
			waitq_remove(case_queue(&s->cases[i]), &s->w[i]);
}

/* The most pauses between a blocked select's looks at its wake flag: a
 * channel's lock_backoff (each channel's is this, from the pause cost the
 * process measured at its start), computed here since a select may have
 * no channel. */
static uint32_t sel_gap(void)
{
	return spin_pauses_ns(HCHAN_LOCK_BACKOFF_NS);
}

/* After the park: leave every queue; on a deadline, claim the group for
 * ourselves unless a waker got it first (then wait for its wake). */
static int sel_finish(struct sel *s, int timed_out)
{
	uint32_t open = GROUP_OPEN;
	sel_lock_all(s);
	/* relaxed: the locks order this CAS against every waker's */
	if (timed_out && atomic_compare_exchange_strong_explicit(
				 &s->g.done, &open, GROUP_TIMED_OUT,
				 memory_order_relaxed, memory_order_relaxed)) {
		sel_dequeue_locked(s);
		sel_unlock_all(s);
		return CHAN_TIMEOUT;
	}
	sel_dequeue_locked(s);
	sel_unlock_all(s);
	if (timed_out)
		/* the waker's unpark is near */
		chan_park(&s->g.wake, NULL, sel_gap());
	s->cases[s->g.winner].result = s->g.success ? CHAN_OK : CHAN_CLOSED;
	return s->g.winner;
}

/* The ready fast path: the cases in poll order, each channel locked alone
 * in turn; the first that proceeds wins, at the cost of one lock/unlock
 * when it is the first tried. Each try is a whole non-blocking operation on
 * its channel, so the outcome is one a select could have had; only when
 * none proceeded does a blocking select pay for locking every channel
 * (then polling again, since one may have become ready meanwhile). */
static int sel_poll_each(struct sel *s)
{
	for (size_t k = 0; k < s->n; k++) {
		chan_case *cs = &s->cases[chan_perm_at(&s->perm, k)];
		struct hchan_wake wk = {0};
		struct hchan *c;
		int r;
		if (!cs->ch)
			continue;
		c = hc(cs->ch);
		hchan_lock(c);
		r = cs->dir == CHAN_SEND ? send_locked(c, cs->elem, &wk)
					 : recv_locked(c, cs->elem, &wk);
		hchan_unlock(&c->lock);
		unpark_after(&wk);
		if (r != CHAN_WOULDBLOCK) {
			cs->result = r;
			return (int)chan_perm_at(&s->perm, k);
		}
	}
	return CHAN_WOULDBLOCK;
}

static int sel_run(struct sel *s, int block, const struct timespec *deadline)
{
	struct hchan_wake wk = {0};
	int r;
	chan_perm_init(&s->perm, s->n, s->poll);
	r = sel_poll_each(s);
	if (r != CHAN_WOULDBLOCK || !block)
		return r;
	sel_lock_order(s);
	sel_lock_all(s);
	r = sel_poll_locked(s, &wk);
	if (r == CHAN_WOULDBLOCK && block)
		sel_enqueue_locked(s);
	sel_unlock_all(s);
	unpark_after(&wk);
	if (r != CHAN_WOULDBLOCK || !block)
		return r;
	return sel_finish(s, chan_park(&s->g.wake, deadline, sel_gap()));
}

int chan_hchan_select(chan_case *cases, size_t n, int block,
		      const struct timespec *deadline)
{
	struct sel s;
	int r = CHAN_WOULDBLOCK;
	memset(&s.g, 0, sizeof(s.g));
	if (sel_alloc(&s, cases, n) == 0)
		r = sel_run(&s, block, deadline);
	sel_release(&s);
	return r;
}

static const struct chan_ops hchan_ops = {
	.name = "hchan",
	.free = hchan_free,
	.send = chan_hchan_send,
	.recv = chan_hchan_recv,
	.try_send = hchan_try_send,
	.try_recv = hchan_try_recv,
	.close = chan_hchan_close,
	.len = hchan_len,
	.cap = hchan_cap,
	.select = chan_hchan_select,
};
