/* Atomic value with hazard pointers whose slot stays set after the read
 * section: the write side of atomic_value_hp.h, a cheaper read side.
 *
 * Invariants. A thread's hazard slot holds the last value it validated (as
 * in atomic_value_hp.h: slot written, asymmetric fence, cell re-read and
 * found equal) until it validates another one or is done. A value in a slot
 * is never freed (the hp scan skips it), so a reader that loads the cell
 * and finds the pointer already in its own slot may use it at once: no
 * store, no fence. Only after a publication does a reader pay the classic
 * hazard-pointer protocol, once. read_end does nothing.
 * Reclamation: as hp (a scan every ATOMIC_VALUE_HP_BATCH + threads retires),
 * but each registered thread pins the last value it read even after read_end,
 * until it reads again or calls thread_done: at most one value per thread, so
 * the bound stays ATOMIC_VALUE_HP_BATCH + threads per publisher. A stalled
 * reader pins one value, like hp; an idle one too. The fast path is one load of
 * the cell, one of the thread's own slot and a compare: the price of Go's
 * atomic.Value Load plus a compare.
 *
 * Orderings. The slow path is atomic_value_hp_protect and its store->load
 * pair (atomic_value_hp.h: the hazard store, then the membarrier or the
 * reader's fence, then the re-read). The fast path needs no barrier: the
 * slot holds a pointer that pair validated and only this thread moves
 * it, so every scan that could free it reads the slot (or a later store)
 * and keeps it. Being unreclaimed (neither freed nor in its retirer's
 * cache for alloc), it cannot have been recycled, so a cell
 * load equal to it is that same object, whose contents the validation
 * acquired. Acquire on the fast load: more than the match needs (x86 the
 * same mov; AArch64 ldar for ldr); the guess protect takes is acquired
 * again by its re-read. Relaxed on the slot: this thread's own last store
 * (coherence). The slot moves off a value only by a release store
 * (protect, thread_done), so the uses of it in every earlier read section
 * happen before the scan's acquire load that lets it be freed.
 */
#ifndef CONTEND_ATOMIC_VALUE_HP_STICKY_H
#define CONTEND_ATOMIC_VALUE_HP_STICKY_H

#include "atomic_value_hp.h"

struct atomic_value_hp_sticky {
	struct atomic_value_hp hp;
};

/* opaque: a struct atomic_value_hp_thread */
struct atomic_value_hp_sticky_thread;

static inline struct atomic_value_hp_thread *
hp_sticky_thread(struct atomic_value_hp_sticky_thread *t)
{
	return (struct atomic_value_hp_thread *)t;
}

static inline int atomic_value_hp_sticky_init(struct atomic_value_hp_sticky *v,
					      void *initial, size_t size,
					      void (*free_fn)(void *))
{
	return atomic_value_hp_init(&v->hp, initial, size, free_fn);
}

static inline void
atomic_value_hp_sticky_destroy(struct atomic_value_hp_sticky *v)
{
	atomic_value_hp_destroy(&v->hp);
}

static inline struct atomic_value_hp_sticky_thread *
atomic_value_hp_sticky_thread_new(struct atomic_value_hp_sticky *v)
{
	return (struct atomic_value_hp_sticky_thread *)
		atomic_value_hp_thread_new(&v->hp);
}

/* clears the slot: the value it pinned becomes reclaimable */
static inline void
atomic_value_hp_sticky_thread_done(struct atomic_value_hp_sticky *v,
				   struct atomic_value_hp_sticky_thread *t)
{
	atomic_value_hp_thread_done(&v->hp, hp_sticky_thread(t));
}

static inline void
atomic_value_hp_sticky_publish(struct atomic_value_hp_sticky *v,
			       struct atomic_value_hp_sticky_thread *t,
			       void *next)
{
	atomic_value_hp_publish(&v->hp, hp_sticky_thread(t), next);
}

static inline size_t
atomic_value_hp_sticky_retired_peak(struct atomic_value_hp_sticky *v)
{
	return atomic_value_hp_retired_peak(&v->hp);
}

static inline void *
atomic_value_hp_sticky_alloc(struct atomic_value_hp_sticky *v,
			     struct atomic_value_hp_sticky_thread *t)
{
	return atomic_value_hp_alloc(&v->hp, hp_sticky_thread(t));
}

static inline const void *
atomic_value_hp_sticky_read_begin(struct atomic_value_hp_sticky *v,
				  struct atomic_value_hp_sticky_thread *st)
{
	struct atomic_value_hp_thread *t = hp_sticky_thread(st);
	/* acquire: the contents (already ours when it matches the slot) */
	void *p = atomic_load_explicit(&v->hp.p, memory_order_acquire);
	/* relaxed: only this thread writes its slot (its last store) */
	if (__builtin_expect(
		    p == atomic_load_explicit(&t->hazard, memory_order_relaxed),
		    1))
		return p;
	return atomic_value_hp_protect(&v->hp, t, p); /* moved on: validate */
}

static inline void
atomic_value_hp_sticky_read_end(struct atomic_value_hp_sticky *v,
				struct atomic_value_hp_sticky_thread *t)
{
	(void)v;
	(void)t; /* the slot keeps the value pinned until the next read */
}

#endif
