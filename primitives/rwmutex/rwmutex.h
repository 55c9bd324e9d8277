/* RWMutex family: Go's sync.RWMutex in C.
 *
 * Contract. An implementation IMPL provides, in rwmutex_IMPL.h:
 *   struct rwmutex_IMPL;
 *   int  rwmutex_IMPL_init(struct rwmutex_IMPL *l);     0, or -1 with errno
 *   void rwmutex_IMPL_destroy(struct rwmutex_IMPL *l);
 *   void rwmutex_IMPL_rlock(l);   void rwmutex_IMPL_runlock(l);
 *   void rwmutex_IMPL_lock(l);    void rwmutex_IMPL_unlock(l);
 * (static inline). Any number of readers, or one writer; a writer's critical
 * section happens-before every later reader's and writer's.
 */
#ifndef CONTEND_RWMUTEX_H
#define CONTEND_RWMUTEX_H
#endif
