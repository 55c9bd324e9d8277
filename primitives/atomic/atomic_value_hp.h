/* Atomic value with hazard pointers (Michael, "Hazard Pointers: Safe
 * Memory Reclamation for Lock-Free Objects", IEEE TPDS 2004), read side
 * made fence-free with membarrier(2) as in Folly's asymmetric hazptr.
 *
 * Invariants. A reader publishes the pointer it is about to use in its own
 * hazard slot, then re-reads the cell: if the cell still holds it, the
 * value was not yet unlinked when the hazard became visible (the writer's
 * membarrier orders the two, or the reader's fence when membarrier is
 * missing), so no writer scanning afterwards can free it. A writer
 * unlinks, retires into a private list, and every batch of retires scans
 * all slots and frees what no slot holds.
 * Reclamation: at most (threads x 1) values are protected at any time, so
 * retired memory stays bounded by ATOMIC_VALUE_HP_BATCH + threads per
 * publisher even when a reader stalls inside its read section (it pins one
 * value only).
 *
 * Orderings. One store->load pair on each side needs a full barrier (SB):
 * the reader's hazard store before its re-read of the cell, the writer's
 * unlink (publish's exchange) before its loads of the slots. The writer
 * pays for both: scan's asym_fence_heavy, after every unlink whose value it
 * may free, runs a barrier on each reader's thread. If that barrier ran
 * before the hazard store, the re-read follows the unlink and fails (so
 * does a reader whose record the walk misses: the barrier ran before its
 * push, or the walk would see it); if after, the scan sees the hazard or a
 * later store of that slot. x86: the mov to the slot may wait in the store
 * buffer past the mov from the cell until the IPI drains it; xchg is a full
 * barrier. AArch64: stlr then ldar are ordered anyway (RCsc). C11 does not
 * order a release store before an acquire load: membarrier counts as a
 * seq_cst fence on every thread (or the reader runs its own), and the fence
 * rule gives the two cases. Release/acquire: the exchange's release
 * publishes the new value's contents to the re-read's acquire; each slot
 * store is a release and scan's loads acquire, so the uses of a value a
 * slot has moved off happen before its free. Relaxed: read_begin's first
 * load of the cell is a guess the re-read validates (an equal pointer, even
 * a recycled one, is the current value); the registry count only sizes the
 * scratch.
 */
#ifndef CONTEND_ATOMIC_VALUE_HP_H
#define CONTEND_ATOMIC_VALUE_HP_H

#include <stdatomic.h>

#include "cacheline.h"
#include "atomic_value.h"
#include "thread_registry.h"

/* Retires between scans (plus the thread count). A scan's membarrier costs
 * about 1 us on an idle machine but 47 us in these VMs when the other CPUs
 * are busy (an IPI through the hypervisor): at 64 a publisher spent 700 ns
 * per publication on it, at 1024 45 ns, for at most 1024 + threads values
 * waiting per publisher. Folly's hazptr domain uses a threshold of 1000. */
#define ATOMIC_VALUE_HP_BATCH ((size_t)1024)

struct atomic_value_hp_thread {
	/* written by its thread only */
	_Alignas(CACHE_LINE) _Atomic(void *) hazard;
	struct thread_registry_node node;
	void **retired;
	size_t nretired, cap;
	size_t counted; /* of retired, those in the cell's stats */
	struct atomic_value_cache cache; /* reclaimed, for alloc */
	void **scratch;			 /* hazards seen in a scan */
	size_t scratch_cap;
};

struct atomic_value_hp {
	_Alignas(CACHE_LINE) _Atomic(void *) p;
	int asym;
	/* orphans: void * */
	_Alignas(CACHE_LINE) struct thread_registry threads;
	void (*free_fn)(void *);
	size_t size; /* a value's bytes (the alloc cache prefetches them) */
	struct atomic_value_stats stats;
};

int atomic_value_hp_init(struct atomic_value_hp *v, void *initial, size_t size,
			 void (*free_fn)(void *));
void atomic_value_hp_destroy(struct atomic_value_hp *v);
struct atomic_value_hp_thread *
atomic_value_hp_thread_new(struct atomic_value_hp *v);
void atomic_value_hp_thread_done(struct atomic_value_hp *v,
				 struct atomic_value_hp_thread *t);
void atomic_value_hp_publish(struct atomic_value_hp *v,
			     struct atomic_value_hp_thread *t, void *next);
size_t atomic_value_hp_retired_peak(struct atomic_value_hp *v);

static inline void *atomic_value_hp_alloc(struct atomic_value_hp *v,
					  struct atomic_value_hp_thread *t)
{
	(void)v;
	return atomic_value_cache_take(&t->cache, ATOMIC_VALUE_HP_BATCH);
}

/* Sets the slot to p and re-reads the cell until they agree; returns the
 * protected value. release on the slot store: when the slot moves off a
 * value (atomic_value_hp_sticky.h keeps it set between reads), the reads
 * of that value happen before a scanner that sees the new slot frees it. */
static inline void *atomic_value_hp_protect(struct atomic_value_hp *v,
					    struct atomic_value_hp_thread *t,
					    void *p)
{
	for (;;) {
		void *q;
		atomic_store_explicit(&t->hazard, p, memory_order_release);
		/* the hazard before the re-read: see asym_fence_light */
		asym_fence_light(v->asym);
		/* acquire: pairs with publish's exchange (the contents) */
		q = atomic_load_explicit(&v->p, memory_order_acquire);
		if (q == p)
			return p;
		p = q;
	}
}

static inline const void *
atomic_value_hp_read_begin(struct atomic_value_hp *v,
			   struct atomic_value_hp_thread *t)
{
	/* relaxed: only a guess; protect's acquire re-read decides */
	return atomic_value_hp_protect(
		v, t, atomic_load_explicit(&v->p, memory_order_relaxed));
}

static inline void atomic_value_hp_read_end(struct atomic_value_hp *v,
					    struct atomic_value_hp_thread *t)
{
	(void)v;
	/* release: our reads of the value happen before the slot clears */
	atomic_store_explicit(&t->hazard, NULL, memory_order_release);
}

#endif
