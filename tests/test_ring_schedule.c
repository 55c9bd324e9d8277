/* Issue 19's ring reproduction, played step by step on the real code
 * (schedule points, test_sched.h): a receiver blocked on a closed, drained
 * channel must wake. The interleaving:
 *   S   sends the last element: claims it (CAS on enq), stores the slot's
 *       seq, which waits in its store buffer (x86-TSO allows it: no fence
 *       follows), and reads no waiter
 *   C   closes the channel: the broadcast finds nobody waiting yet
 *   R2  receives: finds the element claimed but unpublished, registers,
 *       re-checks (still in flight) and stops before its wait guard
 *   S's store drains; R1 takes the element (try_recv: no not_empty signal)
 *   R2  goes on: its guard sees nothing in flight and, unless it accounts
 *       for close, waits for a wake-up no one will send
 * Without close the same steps end in a wait that the next send ends,
 * which the second script checks. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "channel_impl.h"

#include "test_check.h"
#include "test_sched.h"
#include "test_watchdog.h"

struct op {
	chan_t *ch;
	uint64_t val;
	int res;
};

static void send_one(void *p)
{
	struct op *o = p;
	o->res = chan_ring_send(o->ch, &o->val);
}

static void recv_one(void *p)
{
	struct op *o = p;
	o->res = chan_ring_recv(o->ch, &o->val);
}

/* Plays the interleaving, with close or with a later send; 1 when every
 * operation returned what Go's semantics say. */
static int play(int with_close)
{
	chan_t *ch = chan_ring_new(sizeof(uint64_t), 2);
	struct op s = {ch, 42, -9}, r2 = {ch, 0, -9}, late = {ch, 43, -9};
	struct actor S = {.name = "S", .fn = send_one, .arg = &s};
	struct actor R2 = {.name = "R2", .fn = recv_one, .arg = &r2};
	uint64_t got = 0;
	int ok = 1;
	if (!ch) {
		printf("FAIL: chan_ring_new\n");
		return 0;
	}
	actor_hold(&S, "ring_put_publish");
	actor_run(&S, NULL);
	ok &= s.res == CHAN_OK;
	if (with_close)
		ok &= ch->ops->close(ch) == CHAN_OK;
	actor_run(&R2, "ring_recv_guard");
	ok &= strcmp(actor_at(&R2), "ring_recv_guard") == 0;
	actor_drain(&S);
	ok &= ch->ops->try_recv(ch, &got) == CHAN_OK && got == 42;
	if (!with_close) { /* R2 waits; this send must wake it */
		ok &= ch->ops->send(ch, &late.val) == CHAN_OK;
		ok &= ch->ops->close(ch) == CHAN_OK;
	}
	actor_finish(&R2); /* bounded by the watchdog */
	ok &= with_close ? r2.res == CHAN_CLOSED
			 : r2.res == CHAN_OK && r2.val == 43;
	printf("ring %s: the blocked receiver returned %d (%s)\n",
	       with_close ? "close" : "late send", r2.res,
	       ok ? "as it should" : "WRONG");
	actor_finish(&S);
	sched_reset();
	ch->ops->free(ch);
	return ok;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	watchdog_arm(20, "ring schedule: a receiver blocked on a closed, "
			 "drained channel was never woken");
	CHECK(play(1));
	CHECK(play(0));
	printf("%d failures\n", fails);
	return fails != 0;
}
