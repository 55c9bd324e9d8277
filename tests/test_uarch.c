/* The microarchitecture table (runners/machine/uarch.c) on the machines
 * this suite's results came from, whose codenames libcpuid 0.6 got wrong,
 * and on what it must not name. */
#include <stdio.h>
#include <string.h>

#include "test_check.h"
#include "uarch.h"

static int is(const char *got, const char *want)
{
	return !strcmp(got, want);
}

int main(void)
{
	/* results/: amd-epyc-2c-b0beb576, oxide-virtual-turin-like-...,
	 * amd-epyc-2c-45f2dd45, intel-r-xeon-r-processor-2c-31b99346 */
	CHECK(is(uarch_name("AuthenticAMD", 26, 2), "Zen 5"));
	CHECK(is(uarch_name("AuthenticAMD", 25, 17), "Zen 4"));
	CHECK(is(uarch_name("GenuineIntel", 6, 167), "Rocket Lake"));
	CHECK(is(uarch_name("AuthenticAMD", 25, 1), "Zen 3"));
	CHECK(is(uarch_name("AuthenticAMD", 23, 49), "Zen 2"));
	CHECK(is(uarch_name("AuthenticAMD", 23, 1), "Zen / Zen+"));
	CHECK(is(uarch_name("GenuineIntel", 6, 0x8f), "Sapphire Rapids"));
	/* unknown: empty, never a guess */
	CHECK(is(uarch_name("GenuineIntel", 6, 0x01), ""));
	CHECK(is(uarch_name("GenuineIntel", 19, 1), ""));
	CHECK(is(uarch_name("AuthenticAMD", 27, 0), ""));
	CHECK(is(uarch_name("", 0, 0), ""));
	CHECK(is(uarch_name("HygonGenuine", 24, 0), ""));
	printf("uarch: %s\n", fails ? "FAILED" : "ok");
	return fails != 0;
}
