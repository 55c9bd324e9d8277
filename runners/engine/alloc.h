/* Allocation counting, as `go test -benchmem` reports it: the runner
 * interposes the malloc family and counts, per thread, the calls and the
 * bytes requested while the thread's counting is on (the timed samples). */
#ifndef CONTEND_ALLOC_H
#define CONTEND_ALLOC_H

#include <stdint.h>

struct alloc_counts {
	uint64_t allocs;
	uint64_t bytes;
};

/* 0 when this build cannot interpose (sanitizer builds own malloc). */
int alloc_counting_available(void);
/* Starts counting on the calling thread from zero. */
void alloc_count_begin(void);
/* Allocations through another allocator's own API are counted by
 * bench_count_foreign_alloc (bench.h), which alloc.c defines. */
/* Stops counting on the calling thread and returns what it counted. */
struct alloc_counts alloc_count_end(void);

#endif
