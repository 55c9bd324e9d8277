/* Interposes malloc, calloc, realloc, posix_memalign, aligned_alloc,
 * memalign and valloc in the contend executable (symbols in the executable
 * win over libc's) and forwards to glibc's own entry points. The counters are
 * thread-local: the only way to count per thread without a lock or a shared
 * cache line in the timed path, and safe to touch inside malloc because the
 * executable's TLS is static. Sanitizers replace malloc themselves; in those
 * builds counting is reported unavailable and nothing is interposed. */
#include "alloc.h"
#include "bench.h"

#include <errno.h>
#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CONTEND_NO_INTERPOSE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CONTEND_NO_INTERPOSE 1
#endif
#endif

static _Thread_local struct {
	int on;
	struct alloc_counts c;
} tally;

void alloc_count_begin(void)
{
	tally.c.allocs = 0;
	tally.c.bytes = 0;
	tally.on = 1;
}

void bench_count_foreign_alloc(uint64_t bytes)
{
	if (tally.on) {
		tally.c.allocs++;
		tally.c.bytes += bytes;
	}
}

struct alloc_counts alloc_count_end(void)
{
	tally.on = 0;
	return tally.c;
}

#ifdef CONTEND_NO_INTERPOSE

int alloc_counting_available(void)
{
	return 0;
}

#else

int alloc_counting_available(void)
{
	return 1;
}

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);
extern void *__libc_valloc(size_t size);
extern void __libc_free(void *p);

static inline void tally_add(size_t bytes)
{
	if (tally.on) {
		tally.c.allocs++;
		tally.c.bytes += bytes;
	}
}

void *malloc(size_t size)
{
	tally_add(size);
	return __libc_malloc(size);
}

/* Not counted; defined so that free always reaches glibc's, whatever other
 * allocator a library linked in exports (jemalloc's rows link libjemalloc,
 * whose free would otherwise be found before glibc's). */
void free(void *p)
{
	__libc_free(p);
}

void *calloc(size_t n, size_t size)
{
	tally_add(n * size);
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	if (size)
		tally_add(size);
	return __libc_realloc(p, size);
}

void *memalign(size_t align, size_t size)
{
	tally_add(size);
	return __libc_memalign(align, size);
}

void *aligned_alloc(size_t align, size_t size)
{
	tally_add(size);
	return __libc_memalign(align, size);
}

void *valloc(size_t size)
{
	tally_add(size);
	return __libc_valloc(size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
	void *p;
	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	tally_add(size);
	p = __libc_memalign(align, size);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

#endif
