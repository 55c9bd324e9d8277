/* The microarchitecture a CPUID vendor, family and model name, from the
 * vendors' own lists (AMD's family/model ranges in its PPRs, Intel's model
 * numbers as Linux's asm/intel-family.h lists them). libcpuid 0.6 names
 * CPUs it does not know after the nearest one it does: it called AMD family
 * 26 (Zen 5) "Athlon X2 (Kuma)" and an Intel model 0xA7 "Wolfdale", so the
 * records keep its codename and carry this beside it. */
#ifndef CONTEND_UARCH_H
#define CONTEND_UARCH_H

/* "Zen 5", "Sapphire Rapids", ...; "" when this table does not know it. */
const char *uarch_name(const char *vendor, int family, int model);

#endif
