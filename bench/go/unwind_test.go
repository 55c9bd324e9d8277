package contend

// The unwind family's Go mirrors (bench/unwind.c): defer on the path where
// nothing goes wrong, and panic/recover through d frames, each frame with
// k deferred calls. BenchmarkUnwindDefer/depth=16/defers=1 is the C row
// unwind/defer depth=16,defers=1; defers=0 is Go without defer (the C
// plain row), so defer's cost is defers=k minus defers=0.
//
// Each defer count has its own functions with k defer statements written
// out: a defer in a loop would force Go off its open-coded defers, which
// is not what a Go programmer writes for a fixed set of calls.

import (
	"fmt"
	"sync/atomic"
	"testing"
)

var unwindDepths = []int{1, 4, 16, 64}
var unwindDefers = []int{0, 1, 4}

//go:noinline
func recovered(v interface{}) uint64 {
	return uint64(v.(int))
}

//go:noinline
func deferred(counter *uint64) {
	*counter++
}

//go:noinline
func panicDescend0(depth int, counter *uint64) {
	if depth <= 1 {
		panic(42)
	}
	panicDescend0(depth-1, counter)
	*counter += 2
}

//go:noinline
func panicDescend1(depth int, counter *uint64) {
	defer deferred(counter)
	if depth <= 1 {
		panic(42)
	}
	panicDescend1(depth-1, counter)
	*counter += 2
}

//go:noinline
func panicDescend4(depth int, counter *uint64) {
	defer deferred(counter)
	defer deferred(counter)
	defer deferred(counter)
	defer deferred(counter)
	if depth <= 1 {
		panic(42)
	}
	panicDescend4(depth-1, counter)
	*counter += 2
}

// panicOnce holds the recover point: a deferred call that recovers, as the
// C workloads' recover point.
//
//go:noinline
func panicOnce(depth, defers int, counter *uint64) (r uint64) {
	defer func() {
		if x := recover(); x != nil {
			r = recovered(x)
		}
	}()
	switch defers {
	case 0:
		panicDescend0(depth, counter)
	case 1:
		panicDescend1(depth, counter)
	default:
		panicDescend4(depth, counter)
	}
	return 0
}

// unwind/panic: panic from d frames of k defers down, recover at the top.
func BenchmarkUnwindPanic(b *testing.B) {
	for _, depth := range unwindDepths {
		for _, defers := range unwindDefers {
			depth, defers := depth, defers
			name := fmt.Sprintf("depth=%d/defers=%d", depth, defers)
			b.Run(name, func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					var s, counter uint64
					for pb.Next() {
						s += panicOnce(depth, defers, &counter)
					}
					atomic.AddUint64(&sink, s+counter)
				})
			})
		}
	}
}

//go:noinline
func deferDescend0(depth int, counter *uint64) uint64 {
	if depth <= 1 {
		return 1
	}
	return deferDescend0(depth-1, counter) + 1
}

//go:noinline
func deferDescend1(depth int, counter *uint64) uint64 {
	defer deferred(counter)
	if depth <= 1 {
		return 1
	}
	return deferDescend1(depth-1, counter) + 1
}

//go:noinline
func deferDescend4(depth int, counter *uint64) uint64 {
	defer deferred(counter)
	defer deferred(counter)
	defer deferred(counter)
	defer deferred(counter)
	if depth <= 1 {
		return 1
	}
	return deferDescend4(depth-1, counter) + 1
}

// unwind/defer: d nested calls of k defers returning normally.
func BenchmarkUnwindDefer(b *testing.B) {
	for _, depth := range unwindDepths {
		for _, defers := range unwindDefers {
			depth, defers := depth, defers
			descend := deferDescend0
			switch defers {
			case 1:
				descend = deferDescend1
			case 4:
				descend = deferDescend4
			}
			name := fmt.Sprintf("depth=%d/defers=%d", depth, defers)
			b.Run(name, func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					var s, counter uint64
					for pb.Next() {
						s += descend(depth, &counter)
					}
					atomic.AddUint64(&sink, s+counter)
				})
			})
		}
	}
}
