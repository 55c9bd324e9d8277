// C++ throw/catch with destructors as deferred calls (unwind_cxx.h): the
// reference every C mechanism of the family is compared with. Frames are
// noinline and do work after their call, so none is folded or tail-called.
#include "unwind_cxx.h"

namespace
{

inline void keep(uint64_t v)
{
	__asm__ volatile("" : : "r"(v) : "memory");
}

__attribute__((noinline)) void deferred(uint64_t *counter)
{
	(*counter)++;
}

struct Deferred {
	uint64_t *counter;
	explicit Deferred(uint64_t *c) : counter(c)
	{
	}
	Deferred(const Deferred &) = delete;
	Deferred &operator=(const Deferred &) = delete;
	~Deferred()
	{
		deferred(counter);
	}
};

__attribute__((noinline)) void thrower(long value)
{
	throw value;
}

template <int K>
__attribute__((noinline)) uint64_t descend(int depth, long value,
					   uint64_t *counter, bool panic);

template <int K> struct Guards;
template <> struct Guards<0> {
	explicit Guards(uint64_t *)
	{
	}
};
template <> struct Guards<1> {
	Deferred a;
	explicit Guards(uint64_t *c) : a(c)
	{
	}
};
template <> struct Guards<4> {
	Deferred a, b, c, d;
	explicit Guards(uint64_t *k) : a(k), b(k), c(k), d(k)
	{
	}
};

template <int K>
__attribute__((noinline)) uint64_t descend(int depth, long value,
					   uint64_t *counter, bool panic)
{
	Guards<K> g(counter);
	uint64_t r;
	if (depth <= 1) {
		if (panic)
			thrower(value);
		return 1;
	}
	r = descend<K>(depth - 1, value, counter, panic);
	keep(r);
	return r + 1;
}

uint64_t run(int depth, int defers, long value, uint64_t *counter, bool panic)
{
	switch (defers) {
	case 0:
		return descend<0>(depth, value, counter, panic);
	case 1:
		return descend<1>(depth, value, counter, panic);
	default:
		return descend<4>(depth, value, counter, panic);
	}
}

} // namespace

extern "C" uint64_t unwind_cxx_panic(int depth, int defers, long value,
				     uint64_t *counter)
{
	try {
		run(depth, defers, value, counter, true);
	} catch (long v) {
		return (uint64_t)v;
	}
	return 0;
}

extern "C" uint64_t unwind_cxx_defer(int depth, int defers, uint64_t *counter)
{
	return run(depth, defers, 0, counter, false);
}
