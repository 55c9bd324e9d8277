/* Buffered channel on a lock-free bounded MPMC ring: Dmitry Vyukov's
 * "Bounded MPMC queue" (1024cores.net, 2010), with per-slot sequence numbers,
 * plus parking only when the ring is empty or full, and a back-off after a
 * failed claim: doubling up to RING_CAS_BACKOFF_NS, and never shorter
 * than RING_RETRY_SPREAD of the retries it times.
 *
 * Supports: capacity >= 1 only. chan_ring_new(_, 0) is refused (NULL,
 * errno EINVAL): an unbuffered hand-off needs a rendezvous, which is what
 * hchan's waiter queues are; use chan_hchan_new for cap 0.
 * Select: supported by polling the cases in random order with backoff
 * (pauses, then yields, then sleeps doubling up to 1 ms), not by queued
 * waiters: a select blocked for a second wakes ~1000 times (a few ms of CPU)
 * and notices a ready case up to 1 ms late. Plain send/recv park properly.
 *
 * Invariants:
 * - positions enq and deq only grow (64-bit: they never wrap); slot i holds
 *   position p with p % cap == i. A slot's seq is 2p when free for the
 *   enqueue at p, 2p + 1 once that element is published, and 2(p + cap) once
 *   dequeued (free for the enqueue at p + cap). Vyukov's p / p+1 / p+cap
 *   needs cap >= 2 (with cap 1, "published at p" and "free for p + 1" are
 *   both p + 1); doubling keeps the three states apart for every cap >= 1.
 *   Winning the CAS on enq (deq) at p gives exclusive use of the slot until
 *   seq is stored.
 * - "full" and "empty" may be seen transiently while another thread holds a
 *   slot between its CAS and its seq store; try_send/try_recv then report
 *   CHAN_WOULDBLOCK (as for a full/empty channel an instant earlier).
 * - close sets RING_CLOSED (bit 63) in enq. A sender claims a position only
 *   by CAS on enq from a value without the bit, so after close no position
 *   is claimed; the last one, enq & ~RING_CLOSED, is final. A receiver that
 *   sees the bit and deq == final is drained for good; with deq < final an
 *   element is still on its way (a sender between its CAS and its seq
 *   store) and it waits for it. A send racing close either returns
 *   CHAN_CLOSED or is delivered (Go's semantics, without a lock), and a
 *   send costs no RMW beyond its CAS. Once closed, a sender's publish wakes
 *   every receiver, and a receiver that waited and then finishes wakes the
 *   rest, so none waits for an element another receiver took.
 * - parking is an event count per direction (not_empty, not_full): a waiter
 *   reads seq, registers, re-checks the ring, then waits while seq is
 *   unchanged (spin, then futex); a publisher bumps seq and wakes only when
 *   someone registered. The Dekker pair is the publisher's claim (its
 *   seq_cst CAS on enq or deq, which it makes anyway) then a seq_cst read
 *   of the waiter count, against the waiter's seq_cst registration then a
 *   seq_cst read of enq and deq: either the publisher sees the waiter, or
 *   the waiter sees the claim, and then it tries again instead of sleeping
 *   (the element or free slot is published within a few instructions). So
 *   a publisher pays no fence: a plain load of the count, whose line stays
 *   shared because only a thread about to park writes it (and it first
 *   spins on the ring itself, reading only). A producer and a consumer
 *   that keep up with each other share only slot lines.
 * - the pair covers the claim, not the slot's seq store that follows it:
 *   a publisher may read no waiter while a waiter that registered after
 *   that read still finds the element unpublished (x86-TSO holds the store
 *   in the store buffer past the count's load; C11 does not order a
 *   release store before a later seq_cst load), and another receiver may
 *   then take it on a path that signals nobody. The waiter's next re-check
 *   finds nothing on its way: it sleeps, registered before any later
 *   claim, whose publisher therefore wakes it. A closed channel has no
 *   later claim, and its broadcast may have come before the waiter read
 *   seq: a waiter that sees the closed bit never sleeps (issue 19,
 *   tests/test_ring_schedule.c).
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "channel_impl.h"
#include "channel_park.h"
#include "channel_shuffle.h"
#include "sched_point.h"
#include "tsan_annotate.h"

#define RING_CLOSED (UINT64_C(1) << 63)

/* A claim's back-off. Two threads that both send and receive on one ring
 * (chan/buffered) meet at enq and at deq on nearly every operation; a
 * failed CAS retried at once takes the line from the winner, whose next
 * CAS must fetch it back, and the two pass the lines over on every
 * operation. After a failed CAS the loser waits 1, 2, 4 ... pauses, up to
 * RING_CAS_BACKOFF_NS (a time, turned into pauses once per ring: a pause
 * costs 11 ns on one CPU and 24 on another), so the winner runs a batch
 * on lines it holds.
 * How soon the loser may look again depends on what moving a line costs,
 * which differs between machines and, on the Zen 5 guest (family 26 model
 * 2), between runs: its two vCPUs' c2c round trip is 45-65 ns in some and
 * 345-425 ns in others. So the loser times its retries (ring_retry_timed)
 * and waits at least RING_RETRY_SPREAD of them, past the cap where a
 * retry is that slow: its retries, which take the lines away, then cost
 * the winner at most about a sixteenth of its time.
 * chan/buffered cap=64, 2 threads, on that guest: 81 -> 22 ns per pair
 * with the doubling alone (vCPUs near), but 282-301 ns where they were
 * far, whose first retries came 1 to 8 pauses after a loss, sooner than
 * one transfer. With the timed floor: far (c2c 379-417 ns), 283-302 ->
 * 19.2-20.0 ns, runs of the two builds in turn; near, 20.1 -> 17.4
 * (contend ab, head/base 0.86); select and buffered at one thread 1.03x
 * (ring_claim_contended says why), no other ring case beyond 5%. A floor
 * of 1, 2, 4, 8 retries (in a first form of this code), far: 40-51,
 * 37-41, 31-33, 24-25 ns per pair; near, 17.4-18.5 for each. */
#define RING_CAS_BACKOFF_NS 1500
#define RING_RETRY_SPREAD   16

struct ring_event {
	_Atomic uint32_t seq;
	_Atomic uint32_t waiters;  /* registered: re-checking or waiting */
	_Atomic uint32_t sleepers; /* in FUTEX_WAIT (or about to be) */
};

struct ring {
	struct chan base;
	size_t elem_size, cap, stride;
	size_t mask;	      /* cap - 1 when cap is a power of two, else 0 */
	unsigned char *slots; /* cap slots of stride bytes: seq, element */
	uint32_t cas_backoff; /* RING_CAS_BACKOFF_NS in pauses */
	alignas(64) _Atomic uint64_t enq; /* | RING_CLOSED once closed */
	alignas(64) _Atomic uint64_t deq;
	alignas(64) struct ring_event not_empty;
	alignas(64) struct ring_event not_full;
	/* what the last timed retry of a lost claim cost, in pauses
	 * (ring_retry_timed); a line of its own: only losers use it */
	alignas(64) _Atomic uint32_t claim_retry;
};

static const struct chan_ops ring_ops;

static struct ring *rg(chan_t *ch)
{
	return (struct ring *)ch;
}

/* pos mod cap: a mask for a power of two (a division costs tens of cycles,
 * twice per operation) */
static size_t slot_index(const struct ring *r, uint64_t pos)
{
	return r->mask ? (size_t)(pos & r->mask) : (size_t)(pos % r->cap);
}

static _Atomic uint64_t *slot_seq(struct ring *r, uint64_t pos)
{
	return (_Atomic uint64_t *)(r->slots + slot_index(r, pos) * r->stride);
}

static unsigned char *slot_elem(struct ring *r, uint64_t pos)
{
	return r->slots + slot_index(r, pos) * r->stride + sizeof(uint64_t);
}

/* A word inline (the common element: no call into libc's memcpy). */
static void ring_copy(const struct ring *r, void *dst, const void *src)
{
	if (r->elem_size == sizeof(uint64_t))
		memcpy(dst, src, sizeof(uint64_t));
	else if (r->elem_size)
		memcpy(dst, src, r->elem_size);
}

chan_t *chan_ring_new(size_t elem_size, size_t capacity)
{
	struct ring *r;
	size_t stride = (sizeof(uint64_t) + elem_size + 7) & ~(size_t)7;
	if (!capacity || elem_size > SIZE_MAX / 2 ||
	    capacity > SIZE_MAX / stride) {
		errno = capacity ? EOVERFLOW : EINVAL;
		return NULL;
	}
	r = aligned_alloc(64, (sizeof(*r) + 63) & ~(size_t)63);
	if (!r)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->slots = aligned_alloc(64, (capacity * stride + 63) & ~(size_t)63);
	if (!r->slots) {
		free(r);
		return NULL;
	}
	r->base.ops = &ring_ops;
	r->elem_size = elem_size;
	r->cap = capacity;
	r->stride = stride;
	r->mask = (capacity & (capacity - 1)) == 0 ? capacity - 1 : 0;
	r->cas_backoff = spin_pauses_ns(RING_CAS_BACKOFF_NS);
	for (uint64_t i = 0; i < capacity; i++)
		atomic_init(slot_seq(r, i), 2 * i);
	return &r->base;
}

static void ring_free(chan_t *ch)
{
	free(rg(ch)->slots);
	free(ch);
}

/* A claim's back-off, kept by the losing operation. */
struct ring_retry {
	uint32_t base;	/* the doubling part, 1 up to cas_backoff pauses */
	uint32_t floor; /* RING_RETRY_SPREAD x the last timed retry (or hint) */
	uint64_t waited; /* when the last wait ended; 0 before the first */
};

/* A retry timed longer than this was preempted, or the clock costs a
 * microsecond (a system call), not lines moving: a retry moves two or
 * three (the slot's, enq's or deq's), some 420-630 ns where the farthest
 * pair seen here moves one in 210. So a floor is at most RING_RETRY_SPREAD
 * x RING_RETRY_MAX_NS, 12 us. A clock that costs a few hundred ns passes
 * and makes the floor mostly its own cost; the vDSO's TSC clock, what
 * Linux uses where it can, costs 20 ns on the Zen 5 guest, under a pause. */
#define RING_RETRY_MAX_NS (RING_CAS_BACKOFF_NS / 2)

/* Times the retry that ended now, from the end of the last wait: its
 * loads and CAS take the lines from the winner, so it lasts about as long
 * as moving them (plus a clock read). Kept as this operation's floor and
 * as the ring's hint for the next operation's first wait. */
static void ring_retry_timed(struct ring *r, struct ring_retry *b)
{
	uint64_t ns = clock_mono_ns() - b->waited;
	uint32_t retry;
	if (ns >= RING_RETRY_MAX_NS)
		return;
	retry = spin_pauses_ns(ns);
	b->floor = RING_RETRY_SPREAD * retry;
	/* relaxed: a hint, read and written only by losers */
	if (retry !=
	    atomic_load_explicit(&r->claim_retry, memory_order_relaxed))
		atomic_store_explicit(&r->claim_retry, retry,
				      memory_order_relaxed);
}

/* After a failed claim: waits the larger of a doubling delay (1, 2, 4 ...
 * pauses, up to the ring's cas_backoff) and RING_RETRY_SPREAD times the
 * last timed retry. An operation's first wait takes its floor from the
 * ring's hint: the loss before it came from the first CAS, which is not
 * timed (that would cost the uncontended path a clock read). */
static void ring_backoff(struct ring *r, struct ring_retry *b)
{
	uint32_t delay;
	if (!b->waited) {
		b->base = 1;
		b->floor = RING_RETRY_SPREAD *
			   atomic_load_explicit(&r->claim_retry,
						memory_order_relaxed);
	} else {
		ring_retry_timed(r, b);
		spin_backoff_grow(&b->base, r->cas_backoff);
	}
	delay = b->base > b->floor ? b->base : b->floor;
	for (uint32_t k = 0; k < delay; k++)
		spin_pause();
	b->waited = clock_mono_ns();
}

/* What a claim found: the position won, lost to another CAS, none to
 * claim (full, or empty), or a closed channel. */
enum { CLAIM_WON, CLAIM_LOST, CLAIM_NONE, CLAIM_CLOSED };

/* Vyukov's enqueue claim: looks at the slot for *pos (enq as last read),
 * following enq while the slot is already taken, and CASes enq once if the
 * slot is free. CLAIM_WON: *pos is this send's; CLAIM_LOST: *pos is enq as
 * the CAS found it (unchanged after a spurious failure); CLAIM_NONE: the
 * ring is full; CLAIM_CLOSED: enq has the closed bit. */
static inline __attribute__((always_inline)) int ring_claim_put(struct ring *r,
								uint64_t *pos)
{
	for (;;) {
		if (*pos & RING_CLOSED)
			return CLAIM_CLOSED;
		/* acquire: the dequeuer's read of this slot is done */
		uint64_t seq = atomic_load_explicit(slot_seq(r, *pos),
						    memory_order_acquire);
		int64_t dif = (int64_t)(seq - 2 * *pos);
		if (dif < 0)
			return CLAIM_NONE;
		/* seq_cst on success: the publisher half of the parking
		 * Dekker (header comment); the slot's seq, not enq, carries
		 * the data. relaxed on failure: it only retries */
		if (dif == 0)
			return atomic_compare_exchange_weak_explicit(
				       &r->enq, pos, *pos + 1,
				       memory_order_seq_cst,
				       memory_order_relaxed)
				       ? CLAIM_WON
				       : CLAIM_LOST;
		/* relaxed: the slot's seq, not enq, carries the data; a close
		 * seen late only lets this send be delivered, as if it came
		 * first */
		*pos = atomic_load_explicit(&r->enq, memory_order_relaxed);
	}
}

/* Vyukov's dequeue claim, as ring_claim_put: CLAIM_NONE when empty. Kept
 * apart: one function for both, with the direction a constant, compiled
 * the fast paths the same but moved them, and contend ab had chan/pingpong
 * ring cap=1 1.14-1.17x slower (Zen 5 guest). */
static inline __attribute__((always_inline)) int ring_claim_take(struct ring *r,
								 uint64_t *pos)
{
	for (;;) {
		/* acquire: pairs with ring_put's release of the element */
		uint64_t seq = atomic_load_explicit(slot_seq(r, *pos),
						    memory_order_acquire);
		int64_t dif = (int64_t)(seq - (2 * *pos + 1));
		if (dif < 0)
			return CLAIM_NONE;
		/* seq_cst on success: as in ring_claim_put */
		if (dif == 0)
			return atomic_compare_exchange_weak_explicit(
				       &r->deq, pos, *pos + 1,
				       memory_order_seq_cst,
				       memory_order_relaxed)
				       ? CLAIM_WON
				       : CLAIM_LOST;
		*pos = atomic_load_explicit(&r->deq, memory_order_relaxed);
	}
}

/* After a lost claim: back off and try again until won or no longer
 * possible. Out of line, so the uncontended path keeps no back-off state:
 * with it inline, select and buffered at one thread, where no claim fails,
 * were 1.06-1.09x slower (contend ab, Zen 5 guest). The position goes
 * through memory, so the callers keep it on the stack across their CAS:
 * 1.03x at one thread; passed in and out by value instead (registers),
 * 1.00x there, but chan/throughput cap=64 and cap=1024, where no claim
 * fails either, 1.04-1.11x slower in two A/Bs: the timing of one producer
 * against one consumer moves with their loop's code. A spurious failure
 * (LL/SC) or a close waits too. */
static __attribute__((noinline)) int
ring_claim_contended(struct ring *r, uint64_t *pos, int put)
{
	struct ring_retry b = {0, 0, 0};
	int c;
	do {
		ring_backoff(r, &b);
		c = put ? ring_claim_put(r, pos) : ring_claim_take(r, pos);
	} while (c == CLAIM_LOST);
	if (c == CLAIM_WON) /* the won retry too (NONE, CLOSED: no CAS) */
		ring_retry_timed(r, &b);
	return c;
}

/* Vyukov's enqueue: CHAN_OK if published, CHAN_WOULDBLOCK if the ring is
 * full, CHAN_CLOSED if closed. */
static int ring_put(struct ring *r, const void *elem)
{
	/* relaxed: as in ring_claim_put */
	uint64_t pos = atomic_load_explicit(&r->enq, memory_order_relaxed);
	int c = ring_claim_put(r, &pos);
	if (c == CLAIM_LOST)
		c = ring_claim_contended(r, &pos, 1);
	if (c != CLAIM_WON)
		return c == CLAIM_CLOSED ? CHAN_CLOSED : CHAN_WOULDBLOCK;
	ring_copy(r, slot_elem(r, pos), elem);
	/* release: publishes the element to the dequeuer's acquire */
	SCHED_STORE(ring_put_publish, slot_seq(r, pos), 2 * pos + 1,
		    memory_order_release);
	return CHAN_OK;
}

/* Vyukov's dequeue: 1 if taken, 0 if the ring is empty. */
static int ring_take(struct ring *r, void *elem)
{
	uint64_t pos = atomic_load_explicit(&r->deq, memory_order_relaxed);
	int c = ring_claim_take(r, &pos);
	if (c == CLAIM_LOST)
		c = ring_claim_contended(r, &pos, 0);
	if (c != CLAIM_WON)
		return 0;
	ring_copy(r, elem, slot_elem(r, pos));
	/* release: the slot is free for the enqueue at pos + cap */
	atomic_store_explicit(slot_seq(r, pos), 2 * (pos + r->cap),
			      memory_order_release);
	return 1;
}

/* ---- event counts ---- */

/* The waiter's half of the Dekker pair (header comment): a seq_cst
 * registration, before the re-check (a try, then ring_recheck). */
static uint32_t event_prepare(struct ring_event *e)
{
	uint32_t seq = atomic_load_explicit(&e->seq, memory_order_acquire);
	atomic_fetch_add_explicit(&e->waiters, 1, memory_order_seq_cst);
	return seq;
}

/* The publisher's half: after its seq_cst CAS on enq or deq, a seq_cst
 * load. x86-TSO: a plain mov, no fence per operation, after the CAS's lock
 * cmpxchg (the slot's seq store in between may still be buffered: header
 * comment); AArch64: ldar, which stays after casal (or stlxr); C11: the
 * CAS and this load in the single total order with the waiter's pair. */
static int event_has_waiters(struct ring_event *e)
{
	return atomic_load_explicit(&e->waiters, memory_order_seq_cst) != 0;
}

/* A registered waiter's re-check, before it sleeps: 1 when it must try
 * again instead. An element claimed and not yet taken (for a receiver), or
 * a slot taken and not yet refilled (for a sender), is on its way; and a
 * closed channel is never slept on (header comment): each try then ends in
 * an element, CHAN_CLOSED, or one still on its way.
 * seq_cst loads, after the registration: the waiter's half of the Dekker
 * pair. x86-TSO: the registration's lock xadd is a full barrier, the loads
 * plain movs; AArch64: ldaddal then ldar, which stays after it; C11: the
 * registration and these loads, the publisher's CAS and its load of the
 * count, all in the single total order. A closed bit not seen here means
 * close's fetch_or (seq_cst) follows this load, so its broadcast follows
 * the seq this waiter read (had the waiter's acquire read that broadcast's
 * release, the bit would be visible here), and the wait returns. */
static int ring_recheck(struct ring *r, int for_recv)
{
	uint64_t d = atomic_load_explicit(&r->deq, memory_order_seq_cst);
	uint64_t e = atomic_load_explicit(&r->enq, memory_order_seq_cst);
	if (e & RING_CLOSED)
		return 1;
	return for_recv ? e > d : d + r->cap > e;
}

static void event_cancel(struct ring_event *e)
{
	atomic_fetch_sub_explicit(&e->waiters, 1, memory_order_relaxed);
}

static void event_wait(struct ring_event *e, uint32_t seq)
{
	if (chan_spin_while(&e->seq, seq))
		return;
	atomic_fetch_add_explicit(&e->sleepers, 1, memory_order_seq_cst);
	futex_wait_until(&e->seq, seq, NULL);
	atomic_fetch_sub_explicit(&e->sleepers, 1, memory_order_relaxed);
}

/* After a state change: wake a waiter, if any registered. */
static void event_signal(struct ring_event *e, int all)
{
	/* the waiter count is only read here on every operation, never
	 * written, so the line stays shared between producer and consumer
	 * until someone is about to park */
	if (!event_has_waiters(e))
		return;
	/* seq_cst: ordered before the read of sleepers, as event_wait's
	 * registration is before the kernel reads seq */
	atomic_fetch_add_explicit(&e->seq, 1, memory_order_seq_cst);
	if (atomic_load_explicit(&e->sleepers, memory_order_seq_cst))
		futex_wake(&e->seq, all ? INT_MAX : 1);
}

/* ---- send, receive, close ---- */

/* One send attempt: CHAN_OK, CHAN_CLOSED or CHAN_WOULDBLOCK (full). */
static int ring_send_once(struct ring *r, const void *elem)
{
	int res = ring_put(r, elem);
	if (res == CHAN_OK)
		/* relaxed: only whether a close came first matters (then all
		 * receivers may await this element or the drain) */
		event_signal(
			&r->not_empty,
			(atomic_load_explicit(&r->enq, memory_order_relaxed) &
			 RING_CLOSED) != 0);
	return res;
}

/* One receive attempt: CHAN_OK, CHAN_CLOSED (closed and drained for good)
 * or CHAN_WOULDBLOCK (empty, or closed with an element still on its way). */
static int ring_recv_once(struct ring *r, void *elem)
{
	uint64_t e;
	if (ring_take(r, elem)) {
		event_signal(&r->not_full, 0);
		return CHAN_OK;
	}
	/* acquire: pairs with close's release */
	e = atomic_load_explicit(&r->enq, memory_order_acquire);
	if (!(e & RING_CLOSED))
		return CHAN_WOULDBLOCK;
	if (ring_take(r, elem)) {
		event_signal(&r->not_full, 0);
		return CHAN_OK;
	}
	/* relaxed: deq only grows, and reaches final only through takes */
	if (atomic_load_explicit(&r->deq, memory_order_relaxed) <
	    (e & ~RING_CLOSED))
		return CHAN_WOULDBLOCK;
	if (r->elem_size)
		memset(elem, 0, r->elem_size); /* Go's zero value */
	return CHAN_CLOSED;
}

/* Before registering as a waiter: spin up to CHAN_SPIN_NS on the ring
 * itself, reading the next slot's seq (and the closed bit) and trying only when
 * it looks ready, so a partner that keeps up is met without touching the event
 * lines. The result of the last try, CHAN_WOULDBLOCK if it ran out. */
static int ring_spin_send(struct ring *r, const void *elem)
{
	uint64_t start = 0;
	for (unsigned i = 1;; i++) {
		uint64_t pos =
			atomic_load_explicit(&r->enq, memory_order_relaxed);
		/* relaxed peeks: ring_send_once re-reads with its own orders */
		if ((pos & RING_CLOSED) ||
		    atomic_load_explicit(slot_seq(r, pos),
					 memory_order_relaxed) == 2 * pos) {
			int res = ring_send_once(r, elem);
			if (res != CHAN_WOULDBLOCK)
				return res;
		}
		spin_pause();
		if (i % CHAN_SPIN_CHECK)
			continue;
		uint64_t now = clock_mono_ns();
		if (!start)
			start = now;
		else if (now - start > CHAN_SPIN_NS)
			return CHAN_WOULDBLOCK;
	}
}

static int ring_spin_recv(struct ring *r, void *elem)
{
	uint64_t start = 0;
	for (unsigned i = 1;; i++) {
		uint64_t pos =
			atomic_load_explicit(&r->deq, memory_order_relaxed);
		/* relaxed peeks: ring_recv_once re-reads with its own orders */
		/* enq (a line senders write on every send) only once per
		 * CHAN_SPIN_CHECK rounds: it matters only after a close */
		if (atomic_load_explicit(slot_seq(r, pos),
					 memory_order_relaxed) == 2 * pos + 1 ||
		    (i % CHAN_SPIN_CHECK == 0 &&
		     (atomic_load_explicit(&r->enq, memory_order_relaxed) &
		      RING_CLOSED))) {
			int res = ring_recv_once(r, elem);
			if (res != CHAN_WOULDBLOCK)
				return res;
		}
		spin_pause();
		if (i % CHAN_SPIN_CHECK)
			continue;
		uint64_t now = clock_mono_ns();
		if (!start)
			start = now;
		else if (now - start > CHAN_SPIN_NS)
			return CHAN_WOULDBLOCK;
	}
}

int chan_ring_send(chan_t *ch, const void *elem)
{
	struct ring *r = rg(ch);
	int res = ring_send_once(r, elem);
	if (res == CHAN_WOULDBLOCK)
		res = ring_spin_send(r, elem);
	while (res == CHAN_WOULDBLOCK) {
		uint32_t seq = event_prepare(&r->not_full);
		res = ring_send_once(r, elem);
		if (res == CHAN_WOULDBLOCK && !ring_recheck(r, 0))
			event_wait(&r->not_full, seq);
		else if (res == CHAN_WOULDBLOCK)
			spin_pause(); /* a slot is being freed, or closed */
		event_cancel(&r->not_full);
	}
	return res;
}

int chan_ring_recv(chan_t *ch, void *elem)
{
	struct ring *r = rg(ch);
	int res = ring_recv_once(r, elem);
	if (res == CHAN_WOULDBLOCK)
		res = ring_spin_recv(r, elem);
	if (res != CHAN_WOULDBLOCK)
		return res;
	do {
		uint32_t seq = event_prepare(&r->not_empty);
		res = ring_recv_once(r, elem);
		SCHED_POINT(ring_recv_guard);
		if (res == CHAN_WOULDBLOCK && !ring_recheck(r, 1))
			event_wait(&r->not_empty, seq);
		else if (res == CHAN_WOULDBLOCK)
			spin_pause(); /* an element is on its way, or closed */
		event_cancel(&r->not_empty);
	} while (res == CHAN_WOULDBLOCK);
	/* relaxed: this thread saw the bit (or not) itself; a waiter done
	 * after a close wakes the others, which may await an element taken
	 * here or the drain just seen */
	if (atomic_load_explicit(&r->enq, memory_order_relaxed) & RING_CLOSED)
		event_signal(&r->not_empty, 1);
	return res;
}

static int ring_try_send(chan_t *ch, const void *elem)
{
	return ring_send_once(rg(ch), elem);
}

static int ring_try_recv(chan_t *ch, void *elem)
{
	return ring_recv_once(rg(ch), elem);
}

static void event_broadcast(struct ring_event *e)
{
	/* release: the closed bit set before is seen by whoever wakes */
	atomic_fetch_add_explicit(&e->seq, 1, memory_order_release);
	futex_wake(&e->seq, INT_MAX);
}

int chan_ring_close(chan_t *ch)
{
	struct ring *r = rg(ch);
	/* release: what the closer did before is visible to those who see
	 * the bit */
	if (atomic_fetch_or_explicit(&r->enq, RING_CLOSED,
				     memory_order_seq_cst) &
	    RING_CLOSED)
		return CHAN_CLOSED;
	event_broadcast(&r->not_empty);
	event_broadcast(&r->not_full);
	return CHAN_OK;
}

static size_t ring_len(chan_t *ch)
{
	struct ring *r = rg(ch);
	uint64_t d = atomic_load_explicit(&r->deq, memory_order_relaxed);
	uint64_t e = atomic_load_explicit(&r->enq, memory_order_relaxed) &
		     ~RING_CLOSED;
	return e > d ? (size_t)(e - d < r->cap ? e - d : r->cap) : 0;
}

static size_t ring_cap(chan_t *ch)
{
	return rg(ch)->cap;
}

/* ---- select: polling with backoff ---- */

static int ring_poll(chan_case *cases, size_t n, size_t *big)
{
	struct chan_perm order;
	chan_perm_init(&order, n, big);
	for (size_t k = 0; k < n; k++) {
		chan_case *cs = &cases[chan_perm_at(&order, k)];
		int res;
		if (!cs->ch)
			continue;
		res = cs->dir == CHAN_SEND
			      ? ring_send_once(rg(cs->ch), cs->elem)
			      : ring_recv_once(rg(cs->ch), cs->elem);
		if (res != CHAN_WOULDBLOCK) {
			cs->result = res;
			return (int)chan_perm_at(&order, k);
		}
	}
	return CHAN_WOULDBLOCK;
}

static int past(const struct timespec *deadline)
{
	struct timespec now;
	if (!deadline)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec ||
	       (now.tv_sec == deadline->tv_sec &&
		now.tv_nsec >= deadline->tv_nsec);
}

/* Waiting between polls: pauses for about RING_SELECT_SPIN_NS, by the
 * clock (read first and every RING_SELECT_CHECK rounds: a round is a poll
 * of every case and a pause, whose cost varies by CPU and n), then 16
 * yields, then sleeps of 1 us doubling to 1 ms (the cap bounds both the CPU
 * burnt and the lateness). */
#define RING_SELECT_SPIN_NS 1500
#define RING_SELECT_CHECK   8

struct ring_wait {
	uint64_t start;	 /* when the spin began */
	unsigned rounds; /* rounds after the spin */
	int spinning;
};

static void backoff(struct ring_wait *w, unsigned k)
{
	if (w->spinning) {
		if (k == 1)
			w->start = clock_mono_ns();
		spin_pause();
		if (k % RING_SELECT_CHECK == 0 &&
		    clock_mono_ns() - w->start > RING_SELECT_SPIN_NS)
			w->spinning = 0;
	} else if (w->rounds++ < 16) {
		sched_yield();
	} else {
		unsigned shift = w->rounds - 17 < 10 ? w->rounds - 17 : 10;
		struct timespec ts = {0, 1000L << shift};
		nanosleep(&ts, NULL);
	}
}

int chan_ring_select(chan_case *cases, size_t n, int block,
		     const struct timespec *deadline)
{
	/* the poll order needs memory only past CHAN_PERM_PACKED cases */
	size_t *order =
		n <= CHAN_PERM_PACKED ? NULL : malloc(n * sizeof(*order));
	int res = CHAN_WOULDBLOCK;
	if (n > CHAN_PERM_PACKED && !order)
		return CHAN_WOULDBLOCK;
	struct ring_wait w = {.spinning = 1};
	for (unsigned k = 1;; k++) {
		res = ring_poll(cases, n, order);
		if (res != CHAN_WOULDBLOCK || !block)
			break;
		if (past(deadline)) {
			res = CHAN_TIMEOUT;
			break;
		}
		backoff(&w, k);
	}
	free(order);
	return res;
}

static const struct chan_ops ring_ops = {
	.name = "ring",
	.free = ring_free,
	.send = chan_ring_send,
	.recv = chan_ring_recv,
	.try_send = ring_try_send,
	.try_recv = ring_try_recv,
	.close = chan_ring_close,
	.len = ring_len,
	.cap = ring_cap,
	.select = chan_ring_select,
};
