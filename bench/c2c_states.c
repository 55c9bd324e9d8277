/* c2c/states (state=M|E|S|I, op=load|store|cas|faa|swap): what one access
 * costs on a line the other thread of the pair left in a coherence state
 * (ccbench's question, SOSP'13). Each round, thread 1 puts C2CS_LINES lines
 * into the state, then thread 0 does the op on each of them, timed as one
 * run of C2CS_LINES ops (so the clock read is a small part of it):
 * - M: thread 1 wrote every line (modified in its cache);
 * - E: thread 1 flushed every line from all caches, then read it
 *   (exclusive, clean, in its cache alone; x86 only: clflush);
 * - S: thread 1 read every line thread 0 last had (shared by both: a load
 *   is then a hit in thread 0's own cache, the RMWs an upgrade);
 * - I: thread 1 flushed every line (in no cache: from memory; x86 only).
 * The lines are one per 4 KiB page, at different offsets, visited in a
 * fixed random order, and each op's address comes from the previous op's
 * result (a load or RMW returns the next line's index), so no two misses
 * overlap and no prefetcher guesses the next; a store is followed by a
 * full fence and a load of its own line, whose value is the next address
 * (the store's cost is the wait for its line, plus a hit). Fields
 * op_min_ns and op_p50_ns: thread 0's time per op over a round, the least
 * and the median over the rounds (warm-up included), and broken_rounds
 * (rounds whose chain did not come back to its start: 0 unless the
 * workload is wrong); ns/op is a whole round (preparation included) per
 * line, not the figure to read. The quick sweep runs load and cas in each
 * state; --full adds store, faa and swap.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "c2c.h"
#include "clock.h"
#include "tsan_annotate.h"

#define C2CS_LINES  64
#define C2CS_PAGE   4096
#define C2CS_ROUNDS 4096 /* rounds kept for the median (the last ones) */

enum c2cs_state { C2CS_M, C2CS_E, C2CS_S, C2CS_I };
enum c2cs_op { C2CS_LOAD, C2CS_STORE, C2CS_CAS, C2CS_FAA, C2CS_SWAP };

struct c2cs_cell {
	_Alignas(CACHE_LINE) _Atomic uint64_t next; /* the next line's index */
};

struct c2cs_shared {
	_Alignas(CACHE_LINE) _Atomic uint64_t turn; /* c2c_round's protocol */
	enum c2cs_state state;
	enum c2cs_op op;
	unsigned char *region; /* C2CS_LINES pages */
	/* the visit order, order[0] again last */
	uint32_t order[C2CS_LINES + 1];
	uint64_t rounds;	  /* thread 0's, all samples */
	uint64_t broken;	  /* rounds whose chain did not close */
	double kept[C2CS_ROUNDS]; /* ns per op of the last rounds */
};

struct c2cs_local {
	uint64_t seq; /* both threads advance it in step across samples */
};

static struct c2cs_cell *cell(struct c2cs_shared *s, uint32_t i)
{
	/* a different line offset in each page: they fall in different sets */
	size_t off =
		(size_t)i * C2CS_PAGE + ((size_t)i * CACHE_LINE) % C2CS_PAGE;
	return (struct c2cs_cell *)(s->region + off);
}

/* A fixed random order (xorshift, Fisher-Yates): the same on every run. */
static void c2cs_order(struct c2cs_shared *s)
{
	uint64_t x = UINT64_C(0x9e3779b97f4a7c15);
	for (uint32_t i = 0; i < C2CS_LINES; i++)
		s->order[i] = i;
	for (uint32_t i = C2CS_LINES - 1; i > 0; i--) {
		uint32_t j, t;
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		j = (uint32_t)(x % (i + 1));
		t = s->order[i];
		s->order[i] = s->order[j];
		s->order[j] = t;
	}
	s->order[C2CS_LINES] = s->order[0];
	for (uint32_t k = 0; k < C2CS_LINES; k++)
		atomic_init(&cell(s, s->order[k])->next, s->order[k + 1]);
}

static int c2cs_parse(struct c2cs_shared *s, const char *params)
{
	static const char states[] = "MESI";
	static const char *const ops[] = {"load", "store", "cas", "faa",
					  "swap"};
	const char *st = strstr(params, "state="), *op = strstr(params, "op=");
	const char *p = st && st[6] ? strchr(states, st[6]) : NULL;
	if (!p || (st[7] != ',' && st[7] != '\0') || !op)
		return -1;
	s->state = (enum c2cs_state)(p - states);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strncmp(op + 3, ops[i], strlen(ops[i])) &&
		    (op[3 + strlen(ops[i])] == ',' ||
		     op[3 + strlen(ops[i])] == '\0')) {
			s->op = (enum c2cs_op)i;
			return 0;
		}
	return -1;
}

static int c2cs_setup(const struct bench *b, int nthreads, void **shared,
		      struct err *e)
{
	struct c2cs_shared *s;
	(void)nthreads;
	s = aligned_alloc(CACHE_LINE, sizeof(*s));
	if (!s)
		return err_set(e, "c2c/states: out of memory");
	memset(s, 0, sizeof(*s));
	if (c2cs_parse(s, b->params) != 0) {
		free(s);
		return err_set(e, "c2c/states: bad params '%s'", b->params);
	}
	s->region = aligned_alloc(C2CS_PAGE, (size_t)C2CS_LINES * C2CS_PAGE);
	if (!s->region) {
		free(s);
		return err_set(e, "c2c/states: out of memory");
	}
	memset(s->region, 0, (size_t)C2CS_LINES * C2CS_PAGE);
	atomic_init(&s->turn, 0);
	c2cs_order(s);
	*shared = s;
	return 0;
}

static void c2cs_teardown(void *shared)
{
	struct c2cs_shared *s = shared;
	free(s->region);
	free(s);
}

static int c2cs_thread_init(void *shared, int tid, void **local, struct err *e)
{
	(void)shared;
	(void)tid;
	*local = calloc(1, sizeof(struct c2cs_local));
	return *local ? 0 : err_set(e, "c2c/states: out of memory");
}

static void c2cs_thread_fini(void *shared, void *local)
{
	(void)shared;
	free(local);
}

static void c2cs_flush(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_clflush(p);
#else
	(void)p; /* not registered elsewhere (E and I are x86 only) */
#endif
}

/* A full fence: on x86 an mfence, which no later load passes and which
 * orders clflush (the locked or GCC emits for a C11 fence let the loop's
 * later stores start their line requests early: 11-15 ns a modified line).
 * Elsewhere a C11 fence, which ThreadSanitizer does not model (GCC refuses
 * it under -fsanitize=thread): there a seq_cst RMW of a word of its own. */
static inline void c2cs_fence(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_mfence();
#elif defined(CONTEND_TSAN)
	static _Thread_local _Atomic int fence_word;
	atomic_fetch_add_explicit(&fence_word, 0, memory_order_seq_cst);
#else
	atomic_thread_fence(memory_order_seq_cst);
#endif
}

/* Thread 1: leaves every line in the state. The values stay what they
 * were (each line's next index), so thread 0's chain holds. */
static void c2cs_prepare(struct c2cs_shared *s)
{
	uint64_t sink = 0;
	for (uint32_t i = 0; i < C2CS_LINES; i++) {
		_Atomic uint64_t *w = &cell(s, i)->next;
		/* relaxed throughout: the round's turn (release/acquire)
		 * orders the preparation before thread 0's ops */
		uint64_t v = atomic_load_explicit(w, memory_order_relaxed);
		if (s->state == C2CS_M)
			atomic_store_explicit(w, v, memory_order_relaxed);
		if (s->state == C2CS_E || s->state == C2CS_I)
			c2cs_flush((const void *)w);
		sink += v;
	}
	if (s->state == C2CS_E) {
		c2cs_fence(); /* the flushes done before the reads */
		for (uint32_t i = 0; i < C2CS_LINES; i++)
			sink += atomic_load_explicit(&cell(s, i)->next,
						     memory_order_relaxed);
	}
	__asm__ volatile("" : : "r"(sink)); /* the loads are kept */
	c2cs_fence(); /* all done (flushes too) before the turn */
}

/* Thread 0: the op on every line, each address from the last result. */
static uint32_t c2cs_ops(struct c2cs_shared *s)
{
	uint64_t idx = s->order[0], zero = 0;
	for (uint32_t k = 0; k < C2CS_LINES; k++) {
		_Atomic uint64_t *w = &cell(s, (uint32_t)idx)->next;
		uint64_t next = s->order[k + 1], e = next;
		/* seq_cst: each op completes before the next starts (x86
		 * locked ops and mfence; AArch64 acquire-release pairs) */
		switch (s->op) {
		case C2CS_LOAD:
			idx = atomic_load_explicit(w, memory_order_seq_cst);
			break;
		case C2CS_STORE:
			/* the next address from the line itself, read after
			 * the fence: without it the next stores' line
			 * requests start early and overlap (15 ns a "miss") */
			atomic_store_explicit(w, next, memory_order_relaxed);
			c2cs_fence();
			idx = atomic_load_explicit(w, memory_order_relaxed);
			break;
		case C2CS_CAS:
			atomic_compare_exchange_strong_explicit(
				w, &e, next, memory_order_seq_cst,
				memory_order_seq_cst);
			idx = e; /* the value read: next */
			break;
		case C2CS_FAA:
			/* an opaque 0: clang turns a literal one into
			 * mfence + load (no RMW, the line fetched shared) */
			__asm__("" : "+r"(zero));
			idx = atomic_fetch_add_explicit(w, zero,
							memory_order_seq_cst);
			break;
		case C2CS_SWAP:
			idx = atomic_exchange_explicit(w, next,
						       memory_order_seq_cst);
			break;
		}
	}
	return (uint32_t)idx;
}

static uint64_t c2cs_run(void *shared, struct bench_thread *t, uint64_t iters)
{
	struct c2cs_shared *s = shared;
	struct c2cs_local *l = t->local;
	uint64_t seq = l->seq;
	for (uint64_t i = 0; i < iters; i++, seq += 2) {
		if (t->tid == 1) {
			c2c_wait(&s->turn, seq);
			c2cs_prepare(s);
			atomic_store_explicit(&s->turn, seq + 1,
					      memory_order_release);
			continue;
		}
		c2c_wait(&s->turn, seq + 1);
		uint64_t t0 = clock_mono_ns();
		uint32_t end = c2cs_ops(s);
		uint64_t dt = clock_mono_ns() - t0;
		s->broken += end != s->order[0]; /* a bug: the test says so */
		s->kept[s->rounds++ % C2CS_ROUNDS] = (double)dt / C2CS_LINES;
		atomic_store_explicit(&s->turn, seq + 2, memory_order_release);
	}
	l->seq = seq;
	return t->tid == 0 ? iters * C2CS_LINES : 0;
}

static int c2cs_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int c2cs_fields(void *shared, struct bench_field *out, int max)
{
	struct c2cs_shared *s = shared;
	size_t n = s->rounds < C2CS_ROUNDS ? s->rounds : C2CS_ROUNDS;
	if (max < 3 || n == 0)
		return 0;
	qsort(s->kept, n, sizeof(s->kept[0]), c2cs_cmp);
	out[0] = (struct bench_field){"op_min_ns", s->kept[0]};
	out[1] = (struct bench_field){"op_p50_ns", s->kept[n / 2]};
	out[2] = (struct bench_field){"broken_rounds", (double)s->broken};
	return 3;
}

#define C2CS(TAG, PARAMS, FLAGS)                                               \
	BENCH_REGISTER(c2c_states_##TAG, .name = "c2c/states", .impl = "line", \
		       .params = PARAMS, .flags = BENCH_PAIR | (FLAGS),        \
		       .summary = "one access on a line the other thread "     \
				  "left in a coherence state",                 \
		       .setup = c2cs_setup, .teardown = c2cs_teardown,         \
		       .thread_init = c2cs_thread_init,                        \
		       .thread_fini = c2cs_thread_fini, .fields = c2cs_fields, \
		       .run = c2cs_run)

#define C2CS_OPS(S)                                                            \
	C2CS(S##_load, "state=" #S ",op=load", 0);                             \
	C2CS(S##_store, "state=" #S ",op=store", BENCH_FULL);                  \
	C2CS(S##_cas, "state=" #S ",op=cas", 0);                               \
	C2CS(S##_faa, "state=" #S ",op=faa", BENCH_FULL);                      \
	C2CS(S##_swap, "state=" #S ",op=swap", BENCH_FULL)

C2CS_OPS(M);
C2CS_OPS(S);
#if defined(__x86_64__) || defined(__i386__)
C2CS_OPS(E);
C2CS_OPS(I);
#endif
