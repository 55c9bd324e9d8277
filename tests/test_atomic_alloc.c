/* Atomic value alloc (atomic_value.h): publishers that fill the blocks they
 * reclaimed, against readers that hold each value a while. A block reused
 * too early shows as a torn value (the checksum and the pattern in the
 * payload), a value out of its publisher's order, or, under ThreadSanitizer,
 * a race between a reader's loads and the filler's stores (with reuse there
 * is no free/malloc pair between them: only the scheme's own ordering).
 * Publishers and readers leave (thread_done, which drains the cache) and
 * come back; LeakSanitizer checks that what the caches held is freed.
 * Checked by breaking the schemes: hp's scan ignoring hazards, and ebr
 * freeing one epoch early, both fail it (TSan: a race on the filler's
 * stores; plain: bad checksums). */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "atomic_value_ebr.h"
#include "atomic_value_hp.h"
#include "atomic_value_hp_sticky.h"
#include "atomic_value_mutex.h"
#include "atomic_value_refcount.h"
#include "atomic_value_seqlock.h"
#include "atomic_value_urcu.h"
#include "spin.h"

#include "atomic_value_ebr_fence.h"
#include "test_check.h"
#include "test_watchdog.h"

#define TAG   0x0ddba11cafef00dull
#define WORDS 8 /* 64 bytes: seq, check and a pattern */

struct value {
	uint64_t seq, check, pat[WORDS - 2];
};

static void value_fill(struct value *v, uint64_t seq)
{
	v->seq = seq;
	for (int i = 0; i < WORDS - 2; i++)
		v->pat[i] = seq * 0x9e3779b97f4a7c15ull + (uint64_t)i;
	v->check = seq ^ TAG;
}

static void *value_new(uint64_t seq)
{
	struct value *v = malloc(sizeof(*v));
	if (v)
		value_fill(v, seq);
	return v;
}

static void value_free(void *p)
{
	struct value *v = p;
	if (!v)
		return; /* as free(NULL) */
	v->check = 0;	/* a read after this point fails its checksum */
	free(v);
}

static int value_ok(const struct value *v)
{
	uint64_t seq = v->seq;
	if (v->check != (seq ^ TAG))
		return 0;
	for (int i = 0; i < WORDS - 2; i++)
		if (v->pat[i] != seq * 0x9e3779b97f4a7c15ull + (uint64_t)i)
			return 0;
	return 1;
}

/* checked again after a pause; every 256th across a yield */
static int held_ok(const struct value *x, unsigned k)
{
	if (!value_ok(x))
		return 0;
	if (k % 256 == 0)
		sched_yield();
	else
		for (unsigned i = 0; i < k % 16; i++)
			spin_pause();
	return value_ok(x);
}

#if defined(CONTEND_TSAN) || defined(__SANITIZE_ADDRESS__)
#define SCALE 4
#else
#define SCALE 1
#endif

#define PUBLISHERS 2
#define READERS	   2
#define PUBLISHES  (40000 / SCALE) /* per publisher */
#define PUB_CHURN  (PUBLISHES / 2) /* publications between leaves */
#define PACE	   64		   /* publications between yields */
#define CHURN	   4096		   /* reads between a reader's leaves */

#define SEQ(pub, n) ((uint64_t)(pub) << 32 | (uint64_t)(n))

#define ALLOC_TESTS(IMPL)                                                      \
	struct IMPL##_alloc {                                                  \
		struct atomic_value_##IMPL v;                                  \
		_Atomic int publishing, next_pub;                              \
		_Atomic long bad, reads, reused, publishes;                    \
	};                                                                     \
                                                                               \
	static void *IMPL##_alloc_reader(void *arg)                            \
	{                                                                      \
		struct IMPL##_alloc *m = arg;                                  \
		uint64_t last[PUBLISHERS + 1] = {0};                           \
		unsigned k = 0;                                                \
		while (atomic_load(&m->publishing)) {                          \
			struct atomic_value_##IMPL##_thread *t =               \
				atomic_value_##IMPL##_thread_new(&m->v);       \
			if (!t) {                                              \
				m->bad++;                                      \
				return NULL;                                   \
			}                                                      \
			for (int i = 0;                                        \
			     i < CHURN && atomic_load(&m->publishing);         \
			     i++, k++) {                                       \
				const struct value *x =                        \
					atomic_value_##IMPL##_read_begin(      \
						&m->v, t);                     \
				uint64_t seq = x->seq, pub = seq >> 32;        \
				if (!held_ok(x, k) || pub > PUBLISHERS ||      \
				    seq < last[pub])                           \
					m->bad++;                              \
				else                                           \
					last[pub] = seq;                       \
				atomic_value_##IMPL##_read_end(&m->v, t);      \
				m->reads++;                                    \
			}                                                      \
			atomic_value_##IMPL##_thread_done(&m->v, t);           \
		}                                                              \
		return NULL;                                                   \
	}                                                                      \
                                                                               \
	static void *IMPL##_alloc_publisher(void *arg)                         \
	{                                                                      \
		struct IMPL##_alloc *m = arg;                                  \
		int pub = atomic_fetch_add(&m->next_pub, 1);                   \
		long reused = 0;                                               \
		while (atomic_load(&m->reads) < READERS)                       \
			sched_yield(); /* the readers are racing */            \
		for (int n = 1; n <= PUBLISHES;) {                             \
			struct atomic_value_##IMPL##_thread *t =               \
				atomic_value_##IMPL##_thread_new(&m->v);       \
			if (!t) {                                              \
				m->bad++;                                      \
				break;                                         \
			}                                                      \
			for (int i = 0; i < PUB_CHURN && n <= PUBLISHES;       \
			     i++, n++) {                                       \
				struct value *p =                              \
					atomic_value_##IMPL##_alloc(&m->v, t); \
				if (p) {                                       \
					reused++;                              \
					value_fill(p, SEQ(pub, n));            \
				} else {                                       \
					p = value_new(SEQ(pub, n));            \
				}                                              \
				if (!p) {                                      \
					m->bad++;                              \
					continue;                              \
				}                                              \
				atomic_value_##IMPL##_publish(&m->v, t, p);    \
				if (n % PACE == 0)                             \
					sched_yield();                         \
			}                                                      \
			atomic_value_##IMPL##_thread_done(&m->v, t);           \
		}                                                              \
		m->reused += reused;                                           \
		m->publishes += PUBLISHES;                                     \
		atomic_fetch_sub(&m->publishing, 1);                           \
		return NULL;                                                   \
	}                                                                      \
                                                                               \
	static void IMPL##_test_alloc(int reuses)                              \
	{                                                                      \
		struct IMPL##_alloc m = {.publishing = PUBLISHERS,             \
					 .next_pub = 1,                        \
					 .bad = 0,                             \
					 .reads = 0,                           \
					 .reused = 0,                          \
					 .publishes = 0};                      \
		pthread_t th[PUBLISHERS + READERS];                            \
		CHECK(atomic_value_##IMPL##_init(&m.v, value_new(0),           \
						 sizeof(struct value),         \
						 value_free) == 0);            \
		for (int i = 0; i < READERS; i++)                              \
			pthread_create(&th[i], NULL, IMPL##_alloc_reader, &m); \
		for (int i = 0; i < PUBLISHERS; i++)                           \
			pthread_create(&th[READERS + i], NULL,                 \
				       IMPL##_alloc_publisher, &m);            \
		for (int i = 0; i < PUBLISHERS + READERS; i++)                 \
			pthread_join(th[i], NULL);                             \
		atomic_value_##IMPL##_destroy(&m.v);                           \
		CHECK(m.bad == 0);                                             \
		/* the schemes that reclaim in batches give blocks back; the   \
		 * others never do */                                          \
		CHECK(reuses ? m.reused > 0 : m.reused == 0);                  \
		printf("%s: %ld held reads racing %ld publications by %d "     \
		       "publishers, %ld into reclaimed blocks, %ld bad\n",     \
		       #IMPL, (long)m.reads, (long)m.publishes, PUBLISHERS,    \
		       (long)m.reused, (long)m.bad);                           \
	}

ALLOC_TESTS(ebr)
ALLOC_TESTS(ebr_fence)
ALLOC_TESTS(hp)
ALLOC_TESTS(hp_sticky)
ALLOC_TESTS(urcu)
ALLOC_TESTS(mutex)
ALLOC_TESTS(seqlock)
ALLOC_TESTS(refcount)

/* The cache's prefetch decision (atomic_value.h): on only while more than
 * an eighth of a batch's publishes replaced another thread's value, and
 * take hands out the same blocks, last put first, either way. */
static char cache_vals[3 * 1024 + 1], cache_others[1024];

/* A batch of 1024 publishes of this thread's chain from *k, the first
 * `others` of them replacing another thread's value. */
static void cache_batch(struct atomic_value_cache *c, size_t *k, int others)
{
	for (int i = 0; i < 1024; i++, (*k)++)
		atomic_value_cache_replaced(
			c, i < others ? &cache_others[i] : &cache_vals[*k],
			&cache_vals[*k + 1]);
	atomic_value_cache_batch(c, 1024);
}

static void cache_test_prefetch(void)
{
	struct atomic_value_cache c = {0};
	void *blocks[40];
	size_t k = 0;
	atomic_value_cache_init(&c, sizeof(struct value));
	CHECK(atomic_value_cache_take(&c, 64) == NULL); /* turns it on */
	atomic_value_cache_replaced(&c, &cache_vals[0], &cache_vals[0]);
	cache_batch(&c, &k, 0); /* each replaces its own last */
	CHECK(c.prefetch == 0);
	cache_batch(&c, &k, 129);
	CHECK(c.prefetch == 1);
	for (int i = 0; i < 40; i++)
		atomic_value_cache_put(&c, blocks[i] = value_new(0),
				       value_free);
	for (int i = 39; i >= 0; i--) {
		CHECK(atomic_value_cache_take(&c, 64) == blocks[i]);
		value_free(blocks[i]);
	}
	CHECK(atomic_value_cache_take(&c, 64) == NULL);
	cache_batch(&c, &k, 128); /* not more than an eighth */
	CHECK(c.prefetch == 0);
	atomic_value_cache_drain(&c, value_free);
	printf("cache: prefetch decided per batch, blocks handed out in "
	       "order\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0); /* what ran shows if it fires */
	watchdog_arm(240, "atomic alloc: a publisher or reader hung (the test "
			  "after the last line printed)");
	cache_test_prefetch();
	ebr_test_alloc(1);
	ebr_fence_test_alloc(1);
	hp_test_alloc(1);
	hp_sticky_test_alloc(1);
	urcu_test_alloc(1);
	mutex_test_alloc(0);
	seqlock_test_alloc(0);
	refcount_test_alloc(0);
	printf("%d failures\n", fails);
	return fails != 0;
}
