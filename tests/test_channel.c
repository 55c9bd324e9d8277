/* Channel semantics and stress: exactly-once delivery with per-producer FIFO
 * (more threads than cores included), close waking blocked senders and
 * receivers, try operations, zero-size elements, select and deadlines. A
 * watchdog alarm turns a lost wake-up into a failure instead of a hang. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"

static int fails;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("FAIL line %d: %s\n", __LINE__, #cond);         \
			fails++;                                               \
		}                                                              \
	} while (0)

#define PER_PRODUCER 20000

struct stress {
	chan_t *ch;
	int producers, consumers;
	_Atomic int *seen; /* [producer * PER_PRODUCER + seq] */
	_Atomic int errors;
};

struct stress_arg {
	struct stress *s;
	int id;
};

static void *producer(void *p)
{
	struct stress_arg *a = p;
	for (uint64_t i = 0; i < PER_PRODUCER; i++) {
		uint64_t v = ((uint64_t)a->id << 32) | i;
		if (chan_send(a->s->ch, &v) != CHAN_OK)
			a->s->errors++;
	}
	return NULL;
}

static void *consumer(void *p)
{
	struct stress_arg *a = p;
	uint64_t last[16];
	uint64_t v;
	memset(last, 0xff, sizeof(last));
	while (chan_recv(a->s->ch, &v) == CHAN_OK) {
		int prod = (int)(v >> 32);
		uint64_t seq = v & 0xffffffffu;
		if (prod >= a->s->producers || seq >= PER_PRODUCER ||
		    (last[prod] != UINT64_MAX && seq <= last[prod])) {
			a->s->errors++; /* out of range, or FIFO broken */
			continue;
		}
		last[prod] = seq;
		a->s->seen[prod * PER_PRODUCER + (int)seq]++;
	}
	return NULL;
}

static void stress(size_t cap, int producers, int consumers)
{
	struct stress s = {chan_new(sizeof(uint64_t), cap), producers,
			   consumers, NULL, 0};
	pthread_t pt[16], ct[16];
	struct stress_arg pa[16], ca[16];
	int missing = 0;
	s.seen = calloc((size_t)producers * PER_PRODUCER, sizeof(*s.seen));
	for (int i = 0; i < consumers; i++) {
		ca[i] = (struct stress_arg){&s, i};
		pthread_create(&ct[i], NULL, consumer, &ca[i]);
	}
	for (int i = 0; i < producers; i++) {
		pa[i] = (struct stress_arg){&s, i};
		pthread_create(&pt[i], NULL, producer, &pa[i]);
	}
	for (int i = 0; i < producers; i++)
		pthread_join(pt[i], NULL);
	chan_close(s.ch);
	for (int i = 0; i < consumers; i++)
		pthread_join(ct[i], NULL);
	for (int i = 0; i < producers * PER_PRODUCER; i++)
		missing += s.seen[i] != 1;
	if (missing || s.errors)
		printf("FAIL stress cap=%zu %dx%d: %d not delivered once, %d "
		       "errors\n",
		       cap, producers, consumers, missing, (int)s.errors);
	fails += missing || s.errors;
	free(s.seen);
	chan_free(s.ch);
}

static char closed_ok, closed_wrong; /* what the threads below return */

static void *recv_expect_closed(void *p)
{
	int v;
	return chan_recv(p, &v) == CHAN_CLOSED ? &closed_ok : &closed_wrong;
}

static void *send_expect_closed(void *p)
{
	int v = 1;
	return chan_send(p, &v) == CHAN_CLOSED ? &closed_ok : &closed_wrong;
}

static void close_wakes(size_t cap, void *(*fn)(void *), int prefill)
{
	chan_t *ch = chan_new(sizeof(int), cap);
	pthread_t t[3];
	void *ok;
	int v = 7;
	for (int i = 0; i < prefill; i++)
		CHECK(chan_send(ch, &v) == CHAN_OK);
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, fn, ch);
	usleep(20000); /* let them block; correctness holds either way */
	CHECK(chan_close(ch) == CHAN_OK);
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], &ok);
		CHECK(ok == &closed_ok);
	}
	chan_free(ch);
}

static void semantics(void)
{
	chan_t *b = chan_new(sizeof(int), 2), *u = chan_new(sizeof(int), 0);
	chan_t *z = chan_new(0, 1);
	int v = 1, w = 0;
	CHECK(chan_cap(b) == 2 && chan_cap(u) == 0);
	CHECK(chan_try_recv(b, &w) == CHAN_WOULDBLOCK);
	CHECK(chan_try_send(b, &v) == CHAN_OK && chan_len(b) == 1);
	v = 2;
	CHECK(chan_try_send(b, &v) == CHAN_OK);
	CHECK(chan_try_send(b, &v) == CHAN_WOULDBLOCK);
	CHECK(chan_try_send(u, &v) == CHAN_WOULDBLOCK); /* no receiver */
	CHECK(chan_close(b) == CHAN_OK && chan_close(b) == CHAN_CLOSED);
	CHECK(chan_send(b, &v) == CHAN_CLOSED);
	CHECK(chan_recv(b, &w) == CHAN_OK && w == 1); /* drained in order */
	CHECK(chan_recv(b, &w) == CHAN_OK && w == 2);
	CHECK(chan_recv(b, &w) == CHAN_CLOSED);
	CHECK(chan_try_recv(b, &w) == CHAN_CLOSED);
	CHECK(chan_send(z, NULL) == CHAN_OK && chan_recv(z, NULL) == CHAN_OK);
	chan_free(b);
	chan_free(u);
	chan_free(z);
}

static void selects(void)
{
	chan_t *a = chan_new(sizeof(int), 1), *b = chan_new(sizeof(int), 1);
	int va = 10, vb = 20, got = 0, hits[2] = {0, 0};
	chan_case cs[3] = {{a, CHAN_RECV, &got, 0},
			   {b, CHAN_RECV, &got, 0},
			   {NULL, CHAN_RECV, &got, 0}};
	struct timespec dl;
	CHECK(chan_select(cs, 3, 0) == CHAN_WOULDBLOCK);
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_nsec += 20000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	CHECK(chan_select_until(cs, 3, &dl) == CHAN_TIMEOUT);
	for (int i = 0; i < 2000; i++) { /* both ready: both get picked */
		int r;
		chan_send(a, &va);
		chan_send(b, &vb);
		r = chan_select(cs, 3, 1);
		CHECK(r == 0 || r == 1);
		if (r == 0 || r == 1) {
			hits[r]++;
			CHECK(got == (r ? 20 : 10) && cs[r].result == CHAN_OK);
		}
		chan_try_recv(a, &got);
		chan_try_recv(b, &got);
	}
	CHECK(hits[0] > 700 && hits[1] > 700);
	chan_close(a);
	CHECK(chan_select(cs, 3, 1) == 0 && cs[0].result == CHAN_CLOSED);
	chan_free(a);
	chan_free(b);
}

int main(void)
{
	alarm(120); /* a lost wake-up fails the test instead of hanging it */
	semantics();
	selects();
	close_wakes(0, recv_expect_closed, 0);
	close_wakes(4, recv_expect_closed, 0);
	close_wakes(0, send_expect_closed, 0);
	close_wakes(1, send_expect_closed, 1);
	stress(0, 1, 1);
	stress(1, 2, 2);
	stress(64, 4, 4);
	stress(0, 4, 4);
	stress(1024, 1, 4);
	printf("%d failures\n", fails);
	return fails != 0;
}
