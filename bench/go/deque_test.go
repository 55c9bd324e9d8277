// The deque family's Go rows: deque/forkjoin with a goroutine per spawned
// task, for scale: Go's scheduler puts each new goroutine in its P's local
// run queue (runnext first) and idle Ps steal half a victim's queue, which
// is what the C executor's Chase-Lev rows do by hand. The same trees as the
// C workload: fib(n) spawns fib(n-2) and runs fib(n-1) itself (a
// WaitGroup joins them), flat spawns width leaves of 64 dependent
// multiplies. Unlike the C executor, each goroutine is allocated (from the
// runtime's free list of dead goroutines) with its closure.
//
// ns/op is per task, as in C: the time of b.N trees over b.N times the
// tasks of a tree. B/op and allocs/op are per task too, reported as
// integers (Go's testing truncates them).
package contend

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const flatWork = 64 // FJ_FLAT_WORK in primitives/deque/deque_forkjoin.h

func fibTask(n int) uint64 {
	if n < 2 {
		return uint64(n)
	}
	var wg sync.WaitGroup
	var right uint64
	wg.Add(1)
	go func() {
		right = fibTask(n - 2)
		wg.Done()
	}()
	left := fibTask(n - 1)
	wg.Wait()
	return left + right
}

func flatLeaf(seed uint64) uint64 {
	x := seed | 1
	for i := 0; i < flatWork; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	if x == 0 { // never: keeps the work without a store per leaf
		sink++
	}
	return 1
}

func flatTree(width int) uint64 {
	var wg sync.WaitGroup
	var sum uint64
	wg.Add(width)
	for i := 1; i <= width; i++ {
		go func(i int) {
			atomic.AddUint64(&sum, flatLeaf(uint64(i)))
			wg.Done()
		}(i)
	}
	wg.Wait()
	return atomic.LoadUint64(&sum)
}

// forkjoin runs b.N trees of tasks tasks each, checking each tree's sum,
// and reports time and memory per task.
func forkjoin(b *testing.B, tasks uint64, want uint64, tree func() uint64) {
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if got := tree(); got != want {
			b.Fatalf("tree sum %d, want %d", got, want)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	runtime.ReadMemStats(&m1)
	n := float64(b.N) * float64(tasks)
	b.ReportMetric(float64(elapsed.Nanoseconds())/n, "ns/op")
	b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/n, "B/op")
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/n, "allocs/op")
}

func fibSizes(n int) (tasks, value uint64) {
	size := make([]uint64, n+2)
	f0, f1 := uint64(0), uint64(1)
	for k := 0; k <= n; k++ {
		if k < 2 {
			size[k] = 1
		} else {
			size[k] = 1 + size[k-1] + size[k-2]
		}
		if k >= 1 {
			f0, f1 = f1, f0+f1
		}
	}
	return size[n], f0
}

func forkjoinFib(n int) func(*testing.B) {
	return func(b *testing.B) {
		tasks, value := fibSizes(n)
		forkjoin(b, tasks, value, func() uint64 { return fibTask(n) })
	}
}

func forkjoinFlat(width int) func(*testing.B) {
	return func(b *testing.B) {
		forkjoin(b, uint64(width)+1, uint64(width),
			func() uint64 { return flatTree(width) })
	}
}

// deque/forkjoin: tree=fib,n=N and tree=flat,width=W, one b.Run level
// per parameter as the runner's pattern has it.
func BenchmarkDequeForkjoin(b *testing.B) {
	b.Run("tree=fib", func(b *testing.B) {
		b.Run("n=20", forkjoinFib(20))
		b.Run("n=25", forkjoinFib(25))
	})
	b.Run("tree=flat", func(b *testing.B) {
		b.Run("width=1000", forkjoinFlat(1000))
		b.Run("width=10000", forkjoinFlat(10000))
	})
}
