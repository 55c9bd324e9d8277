#include "uarch.h"

#include <string.h>

struct model_range {
	int lo, hi;
	const char *name;
};

static const char *in_ranges(const struct model_range *r, size_t n, int model)
{
	for (size_t i = 0; i < n; i++)
		if (model >= r[i].lo && model <= r[i].hi)
			return r[i].name;
	return "";
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *amd(int family, int model)
{
	static const struct model_range f17[] = {{0x00, 0x2f, "Zen / Zen+"},
						 {0x30, 0xff, "Zen 2"}};
	static const struct model_range f19[] = {{0x00, 0x0f, "Zen 3"},
						 {0x10, 0x1f, "Zen 4"},
						 {0x20, 0x5f, "Zen 3"},
						 {0x60, 0x7f, "Zen 4"},
						 {0xa0, 0xaf, "Zen 4"}};
	switch (family) {
	case 0x10:
		return "K10";
	case 0x15:
		return "Bulldozer family";
	case 0x16:
		return "Jaguar family";
	case 0x17:
		return in_ranges(f17, N(f17), model);
	case 0x19:
		return in_ranges(f19, N(f19), model);
	case 0x1a:
		return "Zen 5";
	default:
		return "";
	}
}

static const char *intel(int family, int model)
{
	static const struct model_range f6[] = {
		{0x3f, 0x3f, "Haswell-X"},
		{0x4f, 0x4f, "Broadwell-X"},
		{0x55, 0x55, "Skylake-SP / Cascade Lake"},
		{0x56, 0x56, "Broadwell-DE"},
		{0x6a, 0x6a, "Ice Lake-SP"},
		{0x6c, 0x6c, "Ice Lake-D"},
		{0x8f, 0x8f, "Sapphire Rapids"},
		{0x97, 0x97, "Alder Lake"},
		{0x9a, 0x9a, "Alder Lake-L"},
		{0xa7, 0xa7, "Rocket Lake"},
		{0xad, 0xae, "Granite Rapids"},
		{0xaf, 0xaf, "Sierra Forest"},
		{0xb7, 0xb7, "Raptor Lake"},
		{0xbf, 0xbf, "Raptor Lake-S"},
		{0xcf, 0xcf, "Emerald Rapids"},
	};
	return family == 6 ? in_ranges(f6, N(f6), model) : "";
}

const char *uarch_name(const char *vendor, int family, int model)
{
	if (!strcmp(vendor, "AuthenticAMD"))
		return amd(family, model);
	if (!strcmp(vendor, "GenuineIntel"))
		return intel(family, model);
	return "";
}
