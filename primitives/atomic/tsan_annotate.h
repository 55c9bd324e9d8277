/* ThreadSanitizer annotations for synchronisation it cannot see (a grace
 * period that waits through membarrier(2) and liburcu's own counters).
 * Each use says which happens-before edge it declares. No-ops otherwise. */
#ifndef CONTEND_TSAN_ANNOTATE_H
#define CONTEND_TSAN_ANNOTATE_H

#if defined(__SANITIZE_THREAD__)
#define CONTEND_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CONTEND_TSAN 1
#endif
#endif

#ifdef CONTEND_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define TSAN_ACQUIRE(addr) __tsan_acquire(addr)
#define TSAN_RELEASE(addr) __tsan_release(addr)
#else
#define TSAN_ACQUIRE(addr) ((void)(addr))
#define TSAN_RELEASE(addr) ((void)(addr))
#endif

#endif
