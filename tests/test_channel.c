/* Channel semantics and stress, run over every implementation: exactly-once
 * delivery with per-producer FIFO (more threads than cores included), close
 * waking blocked senders and receivers, try operations, zero-size elements,
 * select (fairness, deadlines racing hand-offs, selects facing each other)
 * and the CPU a long-blocked receiver burns. A watchdog alarm turns a lost
 * wake-up into a failure instead of a hang. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "channel_impls.h"
#include "spin.h"
#include "tsan_annotate.h"

#include "test_watchdog.h"

#if defined(CONTEND_TSAN) || defined(__SANITIZE_ADDRESS__)
#define SCALE 10 /* sanitizers run 5-20x slower: fewer values */
#else
#define SCALE 1
#endif

/* The implementation under test; meets and unbuffered as channel_impls.h
 * says. */
struct impl {
	const char *name;
	chan_t *(*make)(size_t elem_size, size_t capacity);
	int meets, unbuffered;
};

#define CHAN_IMPL_ROW(IMPL, UNBUFFERED, MEETS)                                 \
	{#IMPL, chan_##IMPL##_new, MEETS, UNBUFFERED},

static const struct impl impls[] = {CHAN_IMPLS(CHAN_IMPL_ROW)};

static const struct impl *impl;

static chan_t *mk(size_t elem_size, size_t capacity)
{
	return impl->make(elem_size, capacity);
}

static int fails;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("FAIL %s line %d: %s\n", impl->name, __LINE__,  \
			       #cond);                                         \
			fails++;                                               \
		}                                                              \
	} while (0)

struct stress {
	chan_t *ch;
	int producers, consumers, per_producer;
	_Atomic int *seen; /* [producer * per_producer + seq] */
	_Atomic int errors;
};

struct stress_arg {
	struct stress *s;
	int id;
	int sent; /* close_race: the sends that returned CHAN_OK */
};

static void *producer(void *p)
{
	struct stress_arg *a = p;
	for (uint64_t i = 0; i < (uint64_t)a->s->per_producer; i++) {
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
		if (prod >= a->s->producers ||
		    seq >= (uint64_t)a->s->per_producer ||
		    (last[prod] != UINT64_MAX && seq <= last[prod])) {
			a->s->errors++; /* out of range, or FIFO broken */
			continue;
		}
		last[prod] = seq;
		a->s->seen[prod * a->s->per_producer + (int)seq]++;
	}
	return NULL;
}

/* total values, split over the producers */
static void stress(size_t cap, int producers, int consumers, int total)
{
	int per = total / SCALE / producers;
	struct stress s = {
		mk(sizeof(uint64_t), cap), producers, consumers, per, NULL, 0};
	pthread_t pt[16], ct[16];
	struct stress_arg pa[16], ca[16];
	int missing = 0;
	s.seen = calloc((size_t)producers * per, sizeof(*s.seen));
	for (int i = 0; i < consumers; i++) {
		ca[i] = (struct stress_arg){&s, i, 0};
		pthread_create(&ct[i], NULL, consumer, &ca[i]);
	}
	for (int i = 0; i < producers; i++) {
		pa[i] = (struct stress_arg){&s, i, 0};
		pthread_create(&pt[i], NULL, producer, &pa[i]);
	}
	for (int i = 0; i < producers; i++)
		pthread_join(pt[i], NULL);
	chan_close(s.ch);
	for (int i = 0; i < consumers; i++)
		pthread_join(ct[i], NULL);
	for (int i = 0; i < producers * per; i++)
		missing += s.seen[i] != 1;
	if (missing || s.errors)
		printf("FAIL %s stress cap=%zu %dx%d: %d not delivered once, "
		       "%d errors\n",
		       impl->name, cap, producers, consumers, missing,
		       (int)s.errors);
	fails += missing || s.errors;
	free(s.seen);
	chan_free(s.ch);
}

/* Sends until the channel is closed under it. */
static void *producer_until_closed(void *p)
{
	struct stress_arg *a = p;
	int i = 0;
	for (; i < a->s->per_producer; i++) {
		uint64_t v = ((uint64_t)a->id << 32) | (uint64_t)i;
		if (chan_send(a->s->ch, &v) != CHAN_OK)
			break;
	}
	a->sent = i;
	return NULL;
}

/* Sends racing close: exactly the sends that returned CHAN_OK are received
 * (once each, in order), and receivers end with CHAN_CLOSED. */
static void close_race(size_t cap)
{
	int per = 400000 / SCALE, bad = 0;
	struct stress s = {mk(sizeof(uint64_t), cap), 3, 2, per, NULL, 0};
	pthread_t pt[3], ct[2];
	struct stress_arg pa[3], ca[2];
	s.seen = calloc((size_t)3 * per, sizeof(*s.seen));
	for (int i = 0; i < 2; i++) {
		ca[i] = (struct stress_arg){&s, i, 0};
		pthread_create(&ct[i], NULL, consumer, &ca[i]);
	}
	for (int i = 0; i < 3; i++) {
		pa[i] = (struct stress_arg){&s, i, 0};
		pthread_create(&pt[i], NULL, producer_until_closed, &pa[i]);
	}
	usleep(20000);
	CHECK(chan_close(s.ch) == CHAN_OK);
	for (int i = 0; i < 3; i++)
		pthread_join(pt[i], NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(ct[i], NULL);
	for (int p = 0; p < 3; p++)
		for (int i = 0; i < per; i++)
			bad += s.seen[p * per + i] != (i < pa[p].sent);
	if (bad || s.errors)
		printf("FAIL %s close race cap=%zu: %d wrong, %d errors\n",
		       impl->name, cap, bad, (int)s.errors);
	fails += bad || s.errors;
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
	chan_t *ch = mk(sizeof(int), cap);
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
	chan_t *b = mk(sizeof(int), 2), *u = mk(sizeof(int), 0);
	chan_t *z = mk(0, 1);
	int v = 1, w = 0;
	CHECK(chan_cap(b) == 2 && (!u || chan_cap(u) == 0));
	CHECK(chan_try_recv(b, &w) == CHAN_WOULDBLOCK);
	CHECK(chan_try_send(b, &v) == CHAN_OK && chan_len(b) == 1);
	v = 2;
	CHECK(chan_try_send(b, &v) == CHAN_OK);
	CHECK(chan_try_send(b, &v) == CHAN_WOULDBLOCK);
	if (u) /* no receiver */
		CHECK(chan_try_send(u, &v) == CHAN_WOULDBLOCK);
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
	chan_t *a = mk(sizeof(int), 1), *b = mk(sizeof(int), 1);
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

/* Chi-square of counts against uniform over the ready cases, judged by the
 * Wilson-Hilferty normal approximation: z above 6 has probability ~1e-9 for
 * a fair select, so a failure means bias (a 52/48 split of 1e5 scores
 * chi2 160, z 12). */
#define FAIR_Z_LIMIT 6.0
#define FAIR_ROUNDS  100000
#define FAIR_MAX     20 /* past the 16 cases a select packs its order in */

static double chi_square_z(const long *hits, unsigned ready, int k, long total)
{
	int df = __builtin_popcount(ready) - 1;
	double expect = (double)total / (df + 1), x = 0, v = 2.0 / (9.0 * df);
	for (int i = 0; i < k; i++)
		if (ready & (1u << i))
			x += (hits[i] - expect) * (hits[i] - expect) / expect;
	return (cbrt(x / df) - (1 - v)) / sqrt(v);
}

/* k buffered channels, those in the ready mask kept full and the others
 * empty: each select must pick uniformly among the ready ones, whatever
 * their positions (a rotation of the poll order would favour a ready case
 * that follows a run of empty ones). */
static void select_fairness(int k, unsigned ready)
{
	chan_t *ch[FAIR_MAX];
	chan_case cs[FAIR_MAX];
	long hits[FAIR_MAX] = {0};
	int v = 0, got;
	for (int i = 0; i < k; i++) {
		ch[i] = mk(sizeof(int), 1);
		if (ready & (1u << i))
			chan_send(ch[i], &v);
		cs[i] = (chan_case){ch[i], CHAN_RECV, &got, 0};
	}
	for (int r = 0; r < FAIR_ROUNDS; r++) {
		int i = chan_select(cs, (size_t)k, 0);
		if (i < 0 || i >= k || !(ready & (1u << i))) {
			CHECK(i >= 0 && i < k && (ready & (1u << i)));
			break;
		}
		hits[i]++;
		chan_send(ch[i], &v);
	}
	double z = chi_square_z(hits, ready, k, FAIR_ROUNDS);
	printf("%s select fairness k=%d ready=%#x: z %.1f (limit %.0f)\n",
	       impl->name, k, ready, z, FAIR_Z_LIMIT);
	CHECK(z < FAIR_Z_LIMIT);
	for (int i = 0; i < k; i++)
		chan_free(ch[i]);
}

static void select_fairness_all(void)
{
	for (int k = 2; k <= 4; k++)
		select_fairness(k, (1u << k) - 1);
	select_fairness(3, 0x3);
	select_fairness(5, 0x0d);
	select_fairness(16, 0x8082);
	select_fairness(FAIR_MAX, 0xa0001);
}

struct pair {
	chan_t *ch;
	int n, use_select;
	_Atomic int errors;
};

static int select_one(chan_t *ch, int dir, void *elem)
{
	chan_case cs = {ch, dir, elem, 0};
	int r = chan_select(&cs, 1, 1);
	return r == 0 ? cs.result : r;
}

/* Sends 0..n-1, by select or by chan_send. */
static void *pair_sender(void *p)
{
	struct pair *a = p;
	for (int i = 0; i < a->n; i++) {
		int r = a->use_select & 1 ? select_one(a->ch, CHAN_SEND, &i)
					  : chan_send(a->ch, &i);
		a->errors += r != CHAN_OK;
	}
	return NULL;
}

/* Receives n values in order, by select or by chan_recv. */
static void *pair_receiver(void *p)
{
	struct pair *a = p;
	for (int i = 0; i < a->n; i++) {
		int v = -1;
		int r = a->use_select & 2 ? select_one(a->ch, CHAN_RECV, &v)
					  : chan_recv(a->ch, &v);
		a->errors += r != CHAN_OK || v != i;
	}
	return NULL;
}

/* use_select: 1 sender selects, 2 receiver selects, 3 both (on unbuffered:
 * two selects facing each other). */
static void pairing(size_t cap, int use_select)
{
	struct pair a = {mk(sizeof(int), cap), 20000 / SCALE, use_select, 0};
	pthread_t s, r;
	pthread_create(&r, NULL, pair_receiver, &a);
	pthread_create(&s, NULL, pair_sender, &a);
	pthread_join(s, NULL);
	pthread_join(r, NULL);
	if (a.errors)
		printf("FAIL %s pairing cap=%zu select=%d: %d errors\n",
		       impl->name, cap, use_select, (int)a.errors);
	fails += a.errors != 0;
	chan_free(a.ch);
}

static void deadline_in(struct timespec *dl, long ns)
{
	clock_gettime(CLOCK_MONOTONIC, dl);
	dl->tv_nsec += ns;
	while (dl->tv_nsec >= 1000000000) {
		dl->tv_sec++;
		dl->tv_nsec -= 1000000000;
	}
	while (dl->tv_nsec < 0) {
		dl->tv_sec--;
		dl->tv_nsec += 1000000000;
	}
}

/* Receives by select with short deadlines while a sender hands values off:
 * a deadline racing a hand-off must lose no value and duplicate none. */
static void *deadline_receiver(void *p)
{
	struct pair *a = p;
	int next = 0, v;
	chan_case cs = {a->ch, CHAN_RECV, &v, 0};
	while (next < a->n) {
		struct timespec dl;
		int r;
		deadline_in(&dl, 1000 + (next % 7) * 20000);
		r = chan_select_until(&cs, 1, &dl);
		if (r == CHAN_TIMEOUT)
			continue;
		a->errors += r != 0 || cs.result != CHAN_OK || v != next;
		next++;
	}
	return NULL;
}

static void deadlines(size_t cap)
{
	struct pair a = {mk(sizeof(int), cap), 5000 / SCALE, 0, 0};
	chan_case cs = {a.ch, CHAN_SEND, &a.n, 0};
	struct timespec dl;
	pthread_t s, r;
	deadline_in(&dl, -2000000); /* already past */
	if (cap == 0)
		CHECK(chan_select_until(&cs, 1, &dl) == CHAN_TIMEOUT);
	pthread_create(&r, NULL, deadline_receiver, &a);
	pthread_create(&s, NULL, pair_sender, &a);
	pthread_join(s, NULL);
	pthread_join(r, NULL);
	if (a.errors)
		printf("FAIL %s deadlines cap=%zu: %d errors\n", impl->name,
		       cap, (int)a.errors);
	fails += a.errors != 0;
	chan_free(a.ch);
}

static void *zero_sender(void *p)
{
	for (int i = 0; i < 10000 / SCALE; i++)
		if (chan_send(p, NULL) != CHAN_OK)
			return &closed_wrong;
	chan_close(p);
	return &closed_ok;
}

/* chan struct{}: only the count of values carries information. */
static void zero_size(size_t cap)
{
	chan_t *ch = mk(0, cap);
	pthread_t t;
	void *ok;
	int n = 0;
	pthread_create(&t, NULL, zero_sender, ch);
	while (chan_recv(ch, NULL) == CHAN_OK)
		n++;
	pthread_join(t, &ok);
	CHECK(ok == &closed_ok && n == 10000 / SCALE);
	chan_free(ch);
}

struct burn {
	chan_t *ch;
	double cpu_ms;
	int r;
};

static double thread_cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void *blocked_receiver(void *p)
{
	struct burn *b = p;
	int v;
	double t0 = thread_cpu_ms();
	b->r = chan_recv(b->ch, &v);
	b->cpu_ms = thread_cpu_ms() - t0;
	return NULL;
}

/* A receiver blocked ~1 s must sleep, not spin: a CPU-time bound (the
 * spin is ~20 us), with margin for a noisy or sanitized run. */
static void blocked_cpu(void)
{
	struct burn b = {mk(sizeof(int), impl->unbuffered ? 0 : 1), 0, -9};
	pthread_t t;
	int v = 5;
	pthread_create(&t, NULL, blocked_receiver, &b);
	usleep(1000000);
	CHECK(chan_send(b.ch, &v) == CHAN_OK);
	pthread_join(t, NULL);
	printf("%s receiver blocked 1 s burnt %.3f ms CPU\n", impl->name,
	       b.cpu_ms);
	CHECK(b.r == CHAN_OK && b.cpu_ms < 50);
	chan_free(b.ch);
}

static void *select_expect_closed(void *p)
{
	int v;
	chan_t **ch = p;
	chan_case cs[2] = {{ch[0], CHAN_RECV, &v, 0},
			   {ch[1], CHAN_SEND, &v, 0}};
	int r = chan_select(cs, 2, 1);
	return r >= 0 && cs[r].result == CHAN_CLOSED ? &closed_ok
						     : &closed_wrong;
}

/* A blocked select (receive on a, send on full b) is woken by either
 * close, and reports CHAN_CLOSED on that case. */
static void close_wakes_select(int which)
{
	chan_t *ch[2] = {mk(sizeof(int), 1), mk(sizeof(int), 1)};
	pthread_t t;
	void *ok;
	int v = 1;
	chan_send(ch[1], &v);
	pthread_create(&t, NULL, select_expect_closed, ch);
	usleep(20000);
	CHECK(chan_close(ch[which]) == CHAN_OK);
	pthread_join(t, &ok);
	CHECK(ok == &closed_ok);
	chan_free(ch[0]);
	chan_free(ch[1]);
}

/* Receivers blocked on an empty channel race a last send, a receiver that
 * arrives and may take it on its fast path, and close (issue 19: a ring
 * receiver slept for good when close came while the element was in flight
 * and the newcomer took it). Every round, on a fresh channel, every
 * receiver returns: the one element to one of them if the send went
 * through, CHAN_CLOSED to the others. A lost wake-up fires the watchdog. */
#define LAST_BLOCKED 2
#define LAST_THREADS (LAST_BLOCKED + 3) /* + newcomer, sender, closer */
#define LAST_ROUNDS  (4000 / SCALE)
#define LAST_VALUE   0x1a57u

struct last_send {
	chan_t *ch;
	int round;
	/* start: every thread and the director; go: the newcomer, sender and
	 * closer with the director, once the blocked receivers had time to
	 * park; end: everyone, each receiver having returned */
	pthread_barrier_t start, go, end;
	_Atomic int got, closed, wrong, sent;
};

struct last_role {
	struct last_send *l;
	int role; /* < LAST_BLOCKED: a blocked receiver; then the others */
};

static void last_recv(struct last_send *l)
{
	uint64_t v = 0;
	int r = chan_recv(l->ch, &v);
	if (r == CHAN_OK && v == LAST_VALUE)
		l->got++;
	else if (r == CHAN_CLOSED)
		l->closed++;
	else
		l->wrong++;
}

static void *last_thread(void *p)
{
	struct last_role *a = p;
	struct last_send *l = a->l;
	for (int i = 0; i < LAST_ROUNDS; i++) {
		uint64_t v = LAST_VALUE;
		pthread_barrier_wait(&l->start);
		if (a->role < LAST_BLOCKED) {
			last_recv(l);
		} else {
			pthread_barrier_wait(&l->go);
			if (a->role == LAST_BLOCKED) {
				last_recv(l); /* the newcomer */
			} else if (a->role == LAST_BLOCKED + 1) {
				if (chan_send(l->ch, &v) == CHAN_OK)
					l->sent++;
			} else { /* close early or late against the send */
				for (int k = 0; k < (l->round & 7) * 16; k++)
					spin_pause();
				chan_close(l->ch);
			}
		}
		pthread_barrier_wait(&l->end);
	}
	return NULL;
}

static void close_last_send(size_t cap)
{
	struct last_send l = {.ch = NULL};
	struct last_role roles[LAST_THREADS];
	pthread_t t[LAST_THREADS];
	int bad = 0;
	unsigned left = alarm(0);
	pthread_barrier_init(&l.start, NULL, LAST_THREADS + 1);
	pthread_barrier_init(&l.go, NULL, LAST_THREADS - LAST_BLOCKED + 1);
	pthread_barrier_init(&l.end, NULL, LAST_THREADS + 1);
	for (int i = 0; i < LAST_THREADS; i++) {
		roles[i] = (struct last_role){&l, i};
		pthread_create(&t[i], NULL, last_thread, &roles[i]);
	}
	for (int r = 0; r < LAST_ROUNDS; r++) {
		l.ch = mk(sizeof(uint64_t), cap);
		l.round = r;
		l.got = l.closed = l.wrong = l.sent = 0;
		/* each round is over in well under a millisecond */
		watchdog_arm(20, "close_last_send: a receiver blocked on a "
				 "closed channel was never woken");
		pthread_barrier_wait(&l.start);
		/* the blocked receivers spin ~20 us, then park: most rounds
		 * go on after they parked, some while they spin */
		usleep((useconds_t)(r % 4) * 30);
		pthread_barrier_wait(&l.go);
		pthread_barrier_wait(&l.end);
		bad += l.wrong != 0 || l.got != l.sent ||
		       l.got + l.closed != LAST_BLOCKED + 1;
		chan_free(l.ch);
	}
	for (int i = 0; i < LAST_THREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&l.start);
	pthread_barrier_destroy(&l.go);
	pthread_barrier_destroy(&l.end);
	printf("%s close racing a last send cap=%zu: %d rounds, %d wrong\n",
	       impl->name, cap, LAST_ROUNDS, bad);
	CHECK(bad == 0);
	watchdog_arm(left, "channel suite: a lost wake-up (the test after "
			   "the last line printed)");
}

#define MESH_THREADS 4

struct mesh {
	chan_t *a, *b;
	int iters;
	_Atomic int *seen; /* [thread * iters + seq] */
	int sent[MESH_THREADS];
};

struct mesh_arg {
	struct mesh *m;
	int id;
};

/* Every thread selects over send a, recv a, send b, recv b with a short
 * deadline: selects face selects on both channels, and time out. */
static void *mesh_thread(void *p)
{
	struct mesh_arg *arg = p;
	struct mesh *m = arg->m;
	uint64_t out = (uint64_t)arg->id << 32, in;
	chan_case cs[4] = {{m->a, CHAN_SEND, &out, 0},
			   {m->a, CHAN_RECV, &in, 0},
			   {m->b, CHAN_SEND, &out, 0},
			   {m->b, CHAN_RECV, &in, 0}};
	for (int i = 0; i < m->iters; i++) {
		struct timespec dl;
		int r;
		deadline_in(&dl, 100000);
		r = chan_select_until(cs, 4, &dl);
		if (r == 0 || r == 2)
			out++;
		else if (r == 1 || r == 3)
			m->seen[(in >> 32) * m->iters + (in & 0xffffffffu)]++;
	}
	m->sent[arg->id] = (int)(out & 0xffffffffu);
	return NULL;
}

static void mesh_drain(struct mesh *m, chan_t *ch)
{
	uint64_t in;
	while (chan_try_recv(ch, &in) == CHAN_OK)
		m->seen[(in >> 32) * m->iters + (in & 0xffffffffu)]++;
}

/* Each value a select sent is received once, by a select or the drain. */
static void select_mesh(size_t cap)
{
	struct mesh m = {mk(sizeof(uint64_t), cap),
			 mk(sizeof(uint64_t), cap),
			 20000 / SCALE,
			 NULL,
			 {0}};
	pthread_t t[MESH_THREADS];
	struct mesh_arg args[MESH_THREADS];
	int bad = 0, total = 0;
	m.seen = calloc((size_t)MESH_THREADS * m.iters, sizeof(*m.seen));
	for (int i = 0; i < MESH_THREADS; i++) {
		args[i] = (struct mesh_arg){&m, i};
		pthread_create(&t[i], NULL, mesh_thread, &args[i]);
	}
	for (int i = 0; i < MESH_THREADS; i++)
		pthread_join(t[i], NULL);
	mesh_drain(&m, m.a);
	mesh_drain(&m, m.b);
	for (int p = 0; p < MESH_THREADS; p++) {
		total += m.sent[p];
		for (int i = 0; i < m.iters; i++)
			bad += m.seen[p * m.iters + i] != (i < m.sent[p]);
	}
	printf("%s select mesh cap=%zu: %d values\n", impl->name, cap, total);
	if (bad)
		printf("FAIL %s select mesh cap=%zu: %d wrong\n", impl->name,
		       cap, bad);
	fails += bad != 0;
	free(m.seen);
	chan_free(m.a);
	chan_free(m.b);
}

/* Unbuffered and buffered alike, where the implementation has both. */
/* More cases than an implementation keeps on its stack (hchan: 16). */
static void select_many(void)
{
	enum { N = 20 };
	chan_t *ch[N];
	chan_case cs[N];
	struct timespec dl;
	int v = 13, got = 0;
	for (int i = 0; i < N; i++) {
		ch[i] = mk(sizeof(int), 1);
		cs[i] = (chan_case){ch[i], CHAN_RECV, &got, 0};
	}
	deadline_in(&dl, 2000000);
	CHECK(chan_select_until(cs, N, &dl) == CHAN_TIMEOUT);
	chan_send(ch[13], &v);
	CHECK(chan_select(cs, N, 1) == 13 && got == 13);
	for (int i = 0; i < N; i++)
		chan_free(ch[i]);
}

static void run_unbuffered(void)
{
	close_wakes(0, recv_expect_closed, 0);
	close_wakes(0, send_expect_closed, 0);
	close_race(0);
	zero_size(0);
	deadlines(0);
	pairing(0, 1); /* select send meets a plain receiver */
	pairing(0, 2);
	if (impl->meets) {
		pairing(0, 3); /* two selects facing each other */
		select_mesh(0);
	}
	stress(0, 1, 1, 100000);
	stress(0, 4, 4, 100000);
}

static void run_suite(void)
{
	chan_t *u = mk(sizeof(int), 0);
	CHECK(impl->unbuffered ? u != NULL : u == NULL);
	chan_free(u);
	if (impl->unbuffered)
		run_unbuffered();
	semantics();
	selects();
	select_many();
	select_fairness_all();
	close_wakes(4, recv_expect_closed, 0);
	close_wakes(1, send_expect_closed, 1);
	close_race(1);
	close_race(64);
	close_last_send(1);
	close_last_send(4);
	select_mesh(2);
	close_wakes_select(0);
	close_wakes_select(1);
	zero_size(3);
	deadlines(2);
	pairing(1, 1);
	pairing(1, 2);
	pairing(1, 3);
	/* 10^6 values in all with run_unbuffered (fewer under sanitizers) */
	stress(1, 2, 2, 100000);
	stress(64, 4, 4, 300000);
	stress(1024, 1, 4, 200000);
	stress(16, 4, 2, 200000);
	blocked_cpu();
}

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	chan_t *dflt = chan_new(8, 0);
	setvbuf(stdout, NULL, _IOLBF, 0); /* what ran shows if alarm fires */
	impl = &impls[0];
	CHECK(dflt && strcmp(dflt->ops->name, "hchan") == 0);
	chan_free(dflt);
	for (size_t i = 0; i < sizeof(impls) / sizeof(impls[0]); i++) {
		struct timespec t0, t1;
		impl = &impls[i];
		if (only && strcmp(only, impl->name) != 0)
			continue;
		/* a lost wake-up fails the test instead of hanging it */
		watchdog_arm(120, "channel suite: a lost wake-up (the test "
				  "after the last line printed)");
		clock_gettime(CLOCK_MONOTONIC, &t0);
		run_suite();
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("%s: suite took %.1f s\n", impl->name,
		       (double)(t1.tv_sec - t0.tv_sec) +
			       (t1.tv_nsec - t0.tv_nsec) / 1e9);
	}
	alarm(0);
	printf("%d failures\n", fails);
	return fails != 0;
}
