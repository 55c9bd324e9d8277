/* The cache-line size every layer aligns its shared words to, so that two
 * threads' words never share a line (64 bytes on the x86-64 and AArch64
 * machines the suite runs on). */
#ifndef CONTEND_CACHELINE_H
#define CONTEND_CACHELINE_H

#define CACHE_LINE 64

#endif
