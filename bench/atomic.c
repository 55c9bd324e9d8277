/* atomic family: Go's atomic.Value — what reading and publishing a value
 * cost, reclamation included.
 *
 * atomic/load: every thread reads the current value (two fields) inside a
 * read section; nothing is published. atomic/read-mostly (every=K): thread 0
 * also publishes a freshly filled value every K ops (the config-reload
 * pattern of the article's section 4.1); every other thread only reads.
 * atomic/swap: every thread publishes a fresh value every op, so the
 * reclamation scheme runs flat out. Values are size=8, 64 or 256 bytes. A
 * value's block comes from the scheme's alloc (one this thread reclaimed:
 * ebr, hp, hp_sticky, urcu) or from malloc; B/op and allocs/op count the
 * mallocs (and the schemes' bookkeeping). The result field retired_peak is
 * the most replaced-but-not-yet-freed values at once: the memory cost of
 * each scheme, beside the blocks kept for alloc (a batch per publisher).
 * Each implementation gets its own copy of the loops (ATOMIC_BENCHES) so
 * its static inline read side is inlined; atomic_value_impls.h lists them.
 */
#include <stdlib.h>
#include <string.h>

#include "atomic_value_impls.h"
#include "bench.h"
#include "clock.h"

/* A value is size bytes of 64-bit words; a read uses the first and the
 * last (the same word when size is 8). p: a block to fill, or NULL to
 * allocate one. */
static uint64_t *atomic_payload_new_in(void *block, size_t size, uint64_t seq)
{
	uint64_t *p = block ? block : malloc(size);
	for (size_t i = 0; p && i < size / 8; i++)
		p[i] = seq + i;
	return p;
}

static uint64_t *atomic_payload_new(size_t size, uint64_t seq)
{
	return atomic_payload_new_in(NULL, size, seq);
}

static void atomic_payload_free(void *p)
{
	free(p);
}

/* The per-thread part: the scheme's thread record and a sequence number
 * for the values this thread publishes. */
struct atomic_local {
	void *t;
	uint64_t seq;
	size_t size, last; /* value bytes; index of its last word */
	void *mine;	   /* c11 swap: the value this thread holds */
};

/* Each loop at a 64-byte boundary (as hchan_op): with their code the
 * same, one scheme's loops measured 1.2-1.5x slower when another scheme's
 * inline allocator grew and moved them (atomic/read-mostly seqlock,
 * contend ab on the Zen 4 guest). */
#define ATOMIC_LOOP __attribute__((aligned(64)))

#define ATOMIC_BENCHES(IMPL, SUMMARY, NOTE, STATS)                             \
	struct atomic_##IMPL##_shared {                                        \
		struct atomic_value_##IMPL v;                                  \
		size_t size;                                                   \
		/* read-mostly: the reading threads' own time and ops */       \
		_Alignas(CACHE_LINE) _Atomic uint64_t reader_ns, reader_ops;   \
	};                                                                     \
                                                                               \
	static int atomic_##IMPL##_setup(const struct bench *b, int nthreads,  \
					 void **shared, struct err *e)         \
	{                                                                      \
		struct atomic_##IMPL##_shared *s;                              \
		uint64_t *first = atomic_payload_new((size_t)b->arg2, 1);      \
		(void)nthreads;                                                \
		s = aligned_alloc(CACHE_LINE, sizeof(*s));                     \
		if (!s || !first) {                                            \
			free(s);                                               \
			free(first);                                           \
			return err_set(e, "atomic: out of memory");            \
		}                                                              \
		if (atomic_value_##IMPL##_init(&s->v, first, (size_t)b->arg2,  \
					       atomic_payload_free) != 0) {    \
			free(first);                                           \
			free(s);                                               \
			return err_set(e, "atomic: init failed");              \
		}                                                              \
		s->size = (size_t)b->arg2;                                     \
		atomic_init(&s->reader_ns, 0);                                 \
		atomic_init(&s->reader_ops, 0);                                \
		*shared = s;                                                   \
		return 0;                                                      \
	}                                                                      \
                                                                               \
	static void atomic_##IMPL##_teardown(void *shared)                     \
	{                                                                      \
		struct atomic_##IMPL##_shared *s = shared;                     \
		atomic_value_##IMPL##_destroy(&s->v);                          \
		free(s);                                                       \
	}                                                                      \
                                                                               \
	static int atomic_##IMPL##_thread_init(void *shared, int tid,          \
					       void **local, struct err *e)    \
	{                                                                      \
		struct atomic_##IMPL##_shared *s = shared;                     \
		struct atomic_local *l = calloc(1, sizeof(*l));                \
		if (l) {                                                       \
			l->t = atomic_value_##IMPL##_thread_new(&s->v);        \
			l->size = s->size;                                     \
			l->last = l->size / 8 - 1;                             \
			l->mine = atomic_payload_new(l->size, (uint64_t)tid);  \
		}                                                              \
		if (!l || !l->t || !l->mine) {                                 \
			free(l ? l->mine : NULL);                              \
			free(l);                                               \
			return err_set(e, "atomic: out of memory");            \
		}                                                              \
		l->seq = (uint64_t)tid << 40;                                  \
		*local = l;                                                    \
		return 0;                                                      \
	}                                                                      \
                                                                               \
	static void atomic_##IMPL##_thread_fini(void *shared, void *local)     \
	{                                                                      \
		struct atomic_##IMPL##_shared *s = shared;                     \
		struct atomic_local *l = local;                                \
		atomic_value_##IMPL##_thread_done(&s->v, l->t);                \
		free(l->mine);                                                 \
		free(l);                                                       \
	}                                                                      \
                                                                               \
	static int atomic_##IMPL##_fields(void *shared,                        \
					  struct bench_field *out, int max)    \
	{                                                                      \
		struct atomic_##IMPL##_shared *s = shared;                     \
		uint64_t ops = atomic_load(&s->reader_ops);                    \
		if (max < 2)                                                   \
			return 0;                                              \
		out[0] = (struct bench_field){                                 \
			"retired_peak",                                        \
			(double)atomic_value_##IMPL##_retired_peak(&s->v)};    \
		if (ops == 0)                                                  \
			return 1;                                              \
		out[1] = (struct bench_field){                                 \
			"reader_ns",                                           \
			(double)atomic_load(&s->reader_ns) / (double)ops};     \
		return 2;                                                      \
	}                                                                      \
                                                                               \
	static inline uint64_t atomic_##IMPL##_read(                           \
		struct atomic_##IMPL##_shared *s, struct atomic_local *l)      \
	{                                                                      \
		const uint64_t *p =                                            \
			atomic_value_##IMPL##_read_begin(&s->v, l->t);         \
		uint64_t x = p[0] + p[l->last];                                \
		atomic_value_##IMPL##_read_end(&s->v, l->t);                   \
		return x;                                                      \
	}                                                                      \
                                                                               \
	__attribute__((unused)) static inline void                             \
		atomic_##IMPL##_publish_new(struct atomic_##IMPL##_shared *s,  \
					    struct atomic_local *l)            \
	{                                                                      \
		/* a block this thread reclaimed, where the scheme gives one   \
		 */                                                            \
		uint64_t *p = atomic_payload_new_in(                           \
			atomic_value_##IMPL##_alloc(&s->v, l->t), l->size,     \
			++l->seq);                                             \
		if (p)                                                         \
			atomic_value_##IMPL##_publish(&s->v, l->t, p);         \
	}                                                                      \
                                                                               \
	ATOMIC_LOOP static uint64_t atomic_##IMPL##_load_run(                  \
		void *shared, struct bench_thread *t, uint64_t iters)          \
	{                                                                      \
		uint64_t sum = 0;                                              \
		for (uint64_t i = 0; i < iters; i++)                           \
			sum += atomic_##IMPL##_read(shared, t->local);         \
		keep(sum);                                                     \
		return iters;                                                  \
	}                                                                      \
                                                                               \
	/* A reader's own ns/op (result field reader_ns): the target compares  \
	 * it with load's, without the publishing thread's share. */           \
	__attribute__((unused)) static uint64_t                                \
		atomic_##IMPL##_timed_load_run(                                \
			void *shared, struct bench_thread *t, uint64_t iters)  \
	{                                                                      \
		struct atomic_##IMPL##_shared *s = shared;                     \
		uint64_t t0 = clock_mono_ns();                                 \
		atomic_##IMPL##_load_run(shared, t, iters);                    \
		atomic_fetch_add(&s->reader_ns, clock_mono_ns() - t0);         \
		/* on the ns/op column's scale: a thread's ns/op over the      \
		 * thread count, as if every thread were a reader */           \
		atomic_fetch_add(&s->reader_ops,                               \
				 iters *(uint64_t)t->nthreads);                \
		return iters;                                                  \
	}                                                                      \
                                                                               \
	/* Readers run the load loop; thread 0 counts down to its next         \
	 * publication (no division in the loop). */                           \
	__attribute__((unused))                                                \
	ATOMIC_LOOP static uint64_t atomic_##IMPL##_read_mostly_run(           \
		void *shared, struct bench_thread *t, uint64_t iters)          \
	{                                                                      \
		uint64_t sum = 0, every = (uint64_t)t->bench->arg;             \
		uint64_t left = every;                                         \
		if (t->tid != 0)                                               \
			return atomic_##IMPL##_timed_load_run(shared, t,       \
							      iters);          \
		for (uint64_t i = 0; i < iters; i++) {                         \
			sum += atomic_##IMPL##_read(shared, t->local);         \
			if (--left == 0) {                                     \
				left = every;                                  \
				atomic_##IMPL##_publish_new(shared, t->local); \
			}                                                      \
		}                                                              \
		keep(sum);                                                     \
		return iters;                                                  \
	}                                                                      \
                                                                               \
	__attribute__((unused))                                                \
	ATOMIC_LOOP static uint64_t atomic_##IMPL##_swap_run(                  \
		void *shared, struct bench_thread *t, uint64_t iters)          \
	{                                                                      \
		for (uint64_t i = 0; i < iters; i++)                           \
			atomic_##IMPL##_publish_new(shared, t->local);         \
		return iters;                                                  \
	}

/* Which workloads run for a time (BENCH_TIMED): every thread the same op.
 * Not read-mostly: its thread 0 publishes every EVERY of its own ops, so
 * for the same time it does fewer ops than a reader and the mix of
 * publications to reads would move with the bound. */
#define ATOMIC_TIMED_load	 BENCH_TIMED
#define ATOMIC_TIMED_swap	 BENCH_TIMED
#define ATOMIC_TIMED_xchg	 BENCH_TIMED
#define ATOMIC_TIMED_read_mostly 0

#define ATOMIC_REGISTER(IMPL, NOTE, WL, NAME, PARAMS, EVERY, SIZE, FLAGS,      \
			SUMMARY)                                               \
	BENCH_REGISTER(atomic_##IMPL##_##WL##_##EVERY##_##SIZE, .name = NAME,  \
		       .note = NOTE, .impl = #IMPL, .params = PARAMS,          \
		       .arg = EVERY, .arg2 = SIZE,                             \
		       .flags = (FLAGS) | ATOMIC_TIMED_##WL,                   \
		       .summary = SUMMARY, .setup = atomic_##IMPL##_setup,     \
		       .teardown = atomic_##IMPL##_teardown,                   \
		       .thread_init = atomic_##IMPL##_thread_init,             \
		       .thread_fini = atomic_##IMPL##_thread_fini,             \
		       .fields = atomic_##IMPL##_fields,                       \
		       .run = atomic_##IMPL##_##WL##_run)

/* The quick sweep runs 64-byte values and every=1000; --full adds 8 and
 * 256 bytes (load, swap, read-mostly every=1000) and every=10 and 100000. */
#define ATOMIC_REGISTER_ALL(IMPL, SUMMARY, NOTE, STATS)                        \
	ATOMIC_REGISTER(IMPL, NOTE, load, "atomic/load", "size=8", 0, 8,       \
			BENCH_FULL, "read the value (" SUMMARY ")");           \
	ATOMIC_REGISTER(IMPL, NOTE, load, "atomic/load", "size=64", 0, 64, 0,  \
			"read the value (" SUMMARY ")");                       \
	ATOMIC_REGISTER(IMPL, NOTE, load, "atomic/load", "size=256", 0, 256,   \
			BENCH_FULL, "read the value (" SUMMARY ")");           \
	ATOMIC_REGISTER(IMPL, NOTE, read_mostly, "atomic/read-mostly",         \
			"every=10,size=64", 10, 64, BENCH_FULL,                \
			"reads; thread 0 publishes every 10 ops (" SUMMARY     \
			")");                                                  \
	ATOMIC_REGISTER(IMPL, NOTE, read_mostly, "atomic/read-mostly",         \
			"every=1000,size=8", 1000, 8, BENCH_FULL,              \
			"reads; thread 0 publishes every 1000 ops (" SUMMARY   \
			")");                                                  \
	ATOMIC_REGISTER(IMPL, NOTE, read_mostly, "atomic/read-mostly",         \
			"every=1000,size=64", 1000, 64, 0,                     \
			"reads; thread 0 publishes every 1000 ops (" SUMMARY   \
			")");                                                  \
	ATOMIC_REGISTER(IMPL, NOTE, read_mostly, "atomic/read-mostly",         \
			"every=1000,size=256", 1000, 256, BENCH_FULL,          \
			"reads; thread 0 publishes every 1000 ops (" SUMMARY   \
			")");                                                  \
	ATOMIC_REGISTER(IMPL, NOTE, read_mostly, "atomic/read-mostly",         \
			"every=100000,size=64", 100000, 64, BENCH_FULL,        \
			"reads; thread 0 publishes every 100000 ops (" SUMMARY \
			")");                                                  \
	ATOMIC_REGISTER(IMPL, NOTE, swap, "atomic/swap", "size=8", 0, 8,       \
			BENCH_FULL,                                            \
			"every op publishes a new value (" SUMMARY ")");       \
	ATOMIC_REGISTER(IMPL, NOTE, swap, "atomic/swap", "size=64", 0, 64, 0,  \
			"every op publishes a new value (" SUMMARY ")");       \
	ATOMIC_REGISTER(IMPL, NOTE, swap, "atomic/swap", "size=256", 0, 256,   \
			BENCH_FULL,                                            \
			"every op publishes a new value (" SUMMARY ")");

/* The floor (C11's atomic pointer): its read side, and for swap the bare
 * exchange (its _swap). Every thread swaps in the value it holds and keeps
 * the one it gets back; with no readers in this workload that reuse is
 * safe and nothing is allocated. read-mostly has no floor row: parking
 * every value published would grow memory by gigabytes a second, and
 * freeing any would be unsafe. */
#define ATOMIC_REGISTER_FLOOR(IMPL, SUMMARY, NOTE, STATS)                      \
	ATOMIC_LOOP static uint64_t atomic_##IMPL##_xchg_run(                  \
		void *shared, struct bench_thread *t, uint64_t iters)          \
	{                                                                      \
		struct atomic_##IMPL##_shared *s = shared;                     \
		struct atomic_local *l = t->local;                             \
		void *mine = l->mine;                                          \
		for (uint64_t i = 0; i < iters; i++)                           \
			mine = atomic_value_##IMPL##_swap(&s->v, mine);        \
		l->mine = mine;                                                \
		return iters;                                                  \
	}                                                                      \
                                                                               \
	ATOMIC_REGISTER(IMPL, NOTE, load, "atomic/load", "size=8", 0, 8,       \
			BENCH_FULL, "read the value (" SUMMARY ")");           \
	ATOMIC_REGISTER(IMPL, NOTE, load, "atomic/load", "size=64", 0, 64, 0,  \
			"read the value (" SUMMARY ")");                       \
	ATOMIC_REGISTER(IMPL, NOTE, load, "atomic/load", "size=256", 0, 256,   \
			BENCH_FULL, "read the value (" SUMMARY ")");           \
	ATOMIC_REGISTER(IMPL, NOTE, xchg, "atomic/swap", "size=8", 0, 8,       \
			BENCH_FULL,                                            \
			"exchange values, no reclamation (" SUMMARY ")");      \
	ATOMIC_REGISTER(IMPL, NOTE, xchg, "atomic/swap", "size=64", 0, 64, 0,  \
			"exchange values, no reclamation (" SUMMARY ")");      \
	ATOMIC_REGISTER(IMPL, NOTE, xchg, "atomic/swap", "size=256", 0, 256,   \
			BENCH_FULL,                                            \
			"exchange values, no reclamation (" SUMMARY ")");

ATOMIC_VALUE_IMPLS(ATOMIC_BENCHES)
ATOMIC_VALUE_SCHEMES(ATOMIC_REGISTER_ALL)
ATOMIC_VALUE_FLOOR(ATOMIC_REGISTER_FLOOR)
