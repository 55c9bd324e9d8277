/* Spin-then-park on a futex word, shared by the channel implementations that
 * wait on their own flag (hchan, ring).
 *
 * Why spin at all: a futex sleep + wake-up costs 24-47 us in the VMs this
 * suite was written on, while a cache line crosses cores in ~500 ns; a
 * partner that answers within a few microseconds is cheaper to wait for
 * awake. Why stop: a waiter blocked for a second must not burn a CPU. The
 * bound, CHAN_SPIN_NS, is the ski-rental rule: spin for about what a park
 * would cost, then park. A wait that ends within the spin cost only the spin;
 * one that ends later costs at most twice the park it could not avoid; and a
 * waiter blocked for a second burns ~20 us of CPU, not 1 s. The clock is read
 * once per CHAN_SPIN_CHECK pauses (a vDSO read is ~20 ns), so the bound holds
 * whatever a pause costs on the CPU (10 to 140 cycles).
 *
 * Why the looks spread out (chan_spin_while_spaced): hchan's waiters look
 * at a word in a line their waker works in before it writes the word (the
 * spot's wake sits beside the channel lock; a queued waiter's group holds
 * done, winner and success beside wake, and the waker writes all three),
 * and each look in between pulls the line back, so the waker's next write
 * must fetch it again. A look per pause is a different cost on every
 * CPU: a pause is 11 ns on the Intel guests and 24-25 ns on the AMD ones,
 * and a wait of one round trip (60-500 ns) holds 3 to 45 looks. Emulating
 * an 11-12 ns pause on the AMD Zen 4 guest (a 40-step empty loop in
 * spin_pause), chan/pingpong cap=0 took 1.70-1.79x its 304-321 ns c2c
 * floor, against 1.27-1.48x with the CPU's pause; with the gaps growing
 * to a quarter of the pauses waited, 1.24-1.34x (contend ab on the emulated
 * build: cap=0 0.78x, size=1024 0.78x, throughput cap=64 0.81-0.94x). A
 * hand-off is then seen at most a CHAN_SPIN_SPREAD-th of its wait late,
 * whatever a pause or a line transfer costs, and the gap never exceeds the
 * caller's max_gap (hchan: its lock's longest back-off). The CPU's own
 * pause on that guest: no case slower (a 64-69 ns floor ends most waits
 * before the gaps grow), chan/throughput cap=64 0.81-0.90x. The clock is
 * read every CHAN_SPIN_CHECK pauses or after each gap of max_gap, so the
 * spin ends at most that many pauses past CHAN_SPIN_NS.
 *
 * Orderings (chan_park / chan_unpark). No store->load pair, so no fence:
 * the waiter's "I sleep" (CAS SPINNING -> PARKED) and the waker's "you are
 * woken" (exchange to WOKEN) are RMWs of one word, whose modification order
 * puts one first (x86 lock cmpxchg / xchg, AArch64 casa / swpl, or their
 * ll/sc loops). Exchange first: the CAS fails on WOKEN and the waiter
 * returns. CAS first: the exchange returns PARKED and the waker calls
 * FUTEX_WAKE; FUTEX_WAIT compares the word in the kernel after queueing
 * the waiter, with a full barrier on both sides there, so no wake falls
 * between the check and the sleep. The exchange's release to the waiter's
 * acquire (its loads and its CAS, failed or not) publishes what the waker
 * wrote before it: the element, the result (x86: a plain mov reads it;
 * AArch64: ldar / casa). chan_spin_while and chan_spin_while_spaced are
 * acquire for the same reason, against their callers' own release
 * (hchan's spot and groups, ring's event count).
 */
#ifndef CONTEND_CHANNEL_PARK_H
#define CONTEND_CHANNEL_PARK_H

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "clock.h"
#include "futex.h"
#include "spin.h"

#define CHAN_SPIN_NS	 20000
#define CHAN_SPIN_CHECK	 64
#define CHAN_SPIN_SPREAD 4

/* Spins up to CHAN_SPIN_NS while *word == val, one pause between looks
 * at first; once it has waited a while, a gap of a CHAN_SPIN_SPREAD-th of
 * the pauses already waited (at most max_gap pauses; 0 counts as 1), so a
 * late change is seen at most that fraction late. 1 if it changed. */
static inline int chan_spin_while_spaced(_Atomic uint32_t *word, uint32_t val,
					 uint32_t max_gap)
{
	uint64_t start = 0;
	uint32_t spent = 0, checked = 0;
	for (;;) {
		/* acquire: a change published with release is seen whole */
		if (atomic_load_explicit(word, memory_order_acquire) != val)
			return 1;
		uint32_t gap = spent / CHAN_SPIN_SPREAD;
		if (gap > max_gap)
			gap = max_gap;
		if (gap < 1)
			gap = 1;
		for (uint32_t k = 0; k < gap; k++)
			spin_pause();
		spent += gap;
		if (spent - checked < CHAN_SPIN_CHECK && gap < max_gap)
			continue;
		checked = spent;
		uint64_t now = clock_mono_ns();
		if (!start)
			start = now;
		else if (now - start > CHAN_SPIN_NS)
			return 0;
	}
}

/* Spins up to CHAN_SPIN_NS while *word == val, a pause between looks.
 * 1 if it changed. Kept apart from chan_spin_while_spaced (ring's waits
 * use it): written as a call to that one with a gap of 1 (the same looks,
 * a pause apart), hchan's queued pingpong (size=1024), which then waited
 * through it, ran 1.11x and 1.16x slower in two contend ab runs on the
 * Zen 4 guest; as its own loop, 1.00x. */
static inline int chan_spin_while(_Atomic uint32_t *word, uint32_t val)
{
	uint64_t start = 0;
	for (unsigned i = 1;; i++) {
		/* acquire: a change published with release is seen whole */
		if (atomic_load_explicit(word, memory_order_acquire) != val)
			return 1;
		spin_pause();
		if (i % CHAN_SPIN_CHECK)
			continue;
		uint64_t now = clock_mono_ns();
		if (!start)
			start = now;
		else if (now - start > CHAN_SPIN_NS)
			return 0;
	}
}

/* A waiter's wake flag: the waiter spins, then says it parks (PARKED) and
 * sleeps; the waker sets WOKEN and calls FUTEX_WAKE only if it saw PARKED,
 * so a hand-off caught while spinning costs no system call on either side. */
enum { CHAN_SPINNING = 0, CHAN_PARKED = 1, CHAN_WOKEN = 2 };

/* Waits for chan_unpark(flag), its looks at most max_gap pauses apart
 * while it spins. 0 when woken; 1 when deadline passed first
 * (or is not a valid timespec: EINVAL counts as passed)
 * (the flag is then left PARKED: a later chan_park still waits for the
 * chan_unpark that may come, without spinning again). */
static inline int chan_park(_Atomic uint32_t *flag,
			    const struct timespec *deadline, uint32_t max_gap)
{
	uint32_t v = CHAN_SPINNING;
	/* Woken while spinning: return on the load alone. A CAS that would
	 * fail here is still a locked write that pulls the flag's line back
	 * from the waker, which is about to write that line again (hchan
	 * keeps its lock there). acquire: as in chan_spin_while_spaced. */
	if (chan_spin_while_spaced(flag, CHAN_SPINNING, max_gap) &&
	    atomic_load_explicit(flag, memory_order_acquire) == CHAN_WOKEN)
		return 0;
	/* acquire on failure: the flag may be WOKEN, and what the waker
	 * wrote before its release must then be visible */
	if (!atomic_compare_exchange_strong_explicit(flag, &v, CHAN_PARKED,
						     memory_order_acquire,
						     memory_order_acquire) &&
	    v == CHAN_WOKEN)
		return 0;
	/* acquire: pairs with chan_unpark's release */
	while (atomic_load_explicit(flag, memory_order_acquire) != CHAN_WOKEN) {
		if (futex_wait_until(flag, CHAN_PARKED, deadline) == -1 &&
		    (errno == ETIMEDOUT || errno == EINVAL))
			return atomic_load_explicit(flag,
						    memory_order_acquire) !=
			       CHAN_WOKEN;
	}
	return 0;
}

/* The last touch of the waiter's flag: after the exchange the waiter may
 * return and its stack be reused; FUTEX_WAKE only uses the address (a stray
 * wake is harmless: every futex waiter rechecks its word). */
static inline void chan_unpark(_Atomic uint32_t *flag)
{
	/* release: publishes the hand-off (the element copied, the result)
	 * to the waiter, which reads the flag with acquire */
	if (atomic_exchange_explicit(flag, CHAN_WOKEN, memory_order_release) ==
	    CHAN_PARKED)
		futex_wake(flag, 1);
}

#endif
