/* Mutex family: Go's sync.Mutex in C.
 *
 * Contract. An implementation IMPL provides, in mutex_IMPL.h:
 *   struct mutex_IMPL;
 *   int  mutex_IMPL_init(struct mutex_IMPL *m);      0, or -1 with errno
 *   void mutex_IMPL_destroy(struct mutex_IMPL *m);
 *   void mutex_IMPL_lock(struct mutex_IMPL *m);      static inline
 *   void mutex_IMPL_unlock(struct mutex_IMPL *m);    static inline
 * lock has acquire and unlock release semantics: everything written inside a
 * critical section is visible to the next owner. The lock needs no memory
 * from the caller beyond the struct (MCS keeps its queue nodes on the
 * waiters' stacks), and a thread may hold several locks at once.
 *
 * Implementations: pthread (glibc default), pthread_adaptive (glibc's
 * spinning type), futex (3-state, Drepper), ticket, mcs (K42 form), ttas.
 * Spinning ones pause between polls (spin.h). mutex_impls.h lists them
 * for the benchmarks and the tests.
 */
#ifndef CONTEND_MUTEX_H
#define CONTEND_MUTEX_H
#endif
