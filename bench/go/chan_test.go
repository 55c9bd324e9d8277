// The chan family's Go mirrors (bench/chan.c). Each pair workload has
// three forms: BenchmarkX, where goroutines are free to share a P (what Go
// code does, and where a hand-off is often a goroutine switch on one
// thread); BenchmarkXLocked, where each goroutine locks its OS thread and
// pins it to its own CPU of the placement (a hand-off between cores, as in
// C); and BenchmarkXOneP, the same goroutines with GOMAXPROCS=1 (every
// hand-off a goroutine switch). Where BenchmarkX is as fast as OneP, Go's
// figure is one core's, not a cross-core hand-off's.
package contend

import (
	"fmt"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// form is how a pair workload's goroutines meet the CPUs (file comment).
type form int

const (
	free form = iota
	locked
	oneP
)

// onOneP sets GOMAXPROCS to 1 and returns what restores it (the caller
// defers it), or nothing to restore for the other forms.
func onOneP(f form) func() {
	if f != oneP {
		return func() {}
	}
	prev := runtime.GOMAXPROCS(1)
	return func() { runtime.GOMAXPROCS(prev) }
}

// pinTo locks the calling goroutine to its OS thread and binds the thread
// to the k-th CPU the process may use (the runner's placement).
func pinTo(b *testing.B, k int) {
	runtime.LockOSThread()
	var mask [16]uint64
	_, _, e := syscall.RawSyscall(syscall.SYS_SCHED_GETAFFINITY, 0,
		unsafe.Sizeof(mask), uintptr(unsafe.Pointer(&mask)))
	if e != 0 {
		b.Fatalf("sched_getaffinity: %v", e)
	}
	var cpus []int
	for c := 0; c < 16*64; c++ {
		if mask[c/64]&(1<<(c%64)) != 0 {
			cpus = append(cpus, c)
		}
	}
	var one [16]uint64
	c := cpus[k%len(cpus)]
	one[c/64] = 1 << (c % 64)
	_, _, e = syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, 0,
		unsafe.Sizeof(one), uintptr(unsafe.Pointer(&one)))
	if e != 0 {
		b.Fatalf("sched_setaffinity: %v", e)
	}
}

// latencies reports p50, p99 and max of the timed round trips, as the C
// rows' lat_* fields.
func latencies(b *testing.B, prefix string, ns []int64) {
	if len(ns) == 0 {
		return
	}
	sort.Slice(ns, func(i, j int) bool { return ns[i] < ns[j] })
	b.ReportMetric(float64(ns[len(ns)/2]), prefix+"_p50_ns")
	b.ReportMetric(float64(ns[len(ns)*99/100]), prefix+"_p99_ns")
	b.ReportMetric(float64(ns[len(ns)-1]), prefix+"_max_ns")
}

// chan/pingpong: two goroutines, two channels of capacity cap; an op is
// one round trip, every pingpongTimed-th timed (as in C: bench/chan.c).
const pingpongTimed = 64

func pingpong(b *testing.B, capacity int, f form) {
	defer onOneP(f)()
	ping, pong := make(chan uint64, capacity), make(chan uint64, capacity)
	done := make(chan struct{})
	go func() {
		if f == locked {
			pinTo(b, 1)
			defer runtime.UnlockOSThread()
		}
		for v := range ping {
			pong <- v
		}
		close(done)
	}()
	if f == locked {
		pinTo(b, 0)
		defer runtime.UnlockOSThread()
	}
	lat := make([]int64, 0, b.N/pingpongTimed+1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var t0 time.Time
		if i%pingpongTimed == 0 {
			t0 = time.Now()
		}
		ping <- uint64(i)
		<-pong
		if i%pingpongTimed == 0 {
			lat = append(lat, int64(time.Since(t0)))
		}
	}
	b.StopTimer()
	close(ping)
	<-done
	latencies(b, "lat", lat)
}

func pingpongAll(b *testing.B, f form) {
	b.Run("cap=0", func(b *testing.B) { pingpong(b, 0, f) })
	b.Run("cap=1", func(b *testing.B) { pingpong(b, 1, f) })
	b.Run("size=64", func(b *testing.B) {
		b.Run("cap=0", func(b *testing.B) {
			pingpongOf[[8]uint64](b, 0, f)
		})
	})
	b.Run("size=1024", func(b *testing.B) {
		b.Run("cap=0", func(b *testing.B) {
			pingpongOf[[128]uint64](b, 0, f)
		})
	})
}

// setFirst and first write and read a payload's first word, as the C rows'
// sequence (T is an array of at least one uint64).
func setFirst[T any](v *T, x uint64) { *(*uint64)(unsafe.Pointer(v)) = x }
func first[T any](v *T) uint64       { return *(*uint64)(unsafe.Pointer(v)) }

// pingpongOf is pingpong with T-sized elements (chan/pingpong size=N).
func pingpongOf[T any](b *testing.B, capacity int, f form) {
	defer onOneP(f)()
	ping, pong := make(chan T, capacity), make(chan T, capacity)
	done := make(chan struct{})
	go func() {
		if f == locked {
			pinTo(b, 1)
			defer runtime.UnlockOSThread()
		}
		for v := range ping {
			pong <- v
		}
		close(done)
	}()
	if f == locked {
		pinTo(b, 0)
		defer runtime.UnlockOSThread()
	}
	lat := make([]int64, 0, b.N/pingpongTimed+1)
	var v T
	var s uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var t0 time.Time
		if i%pingpongTimed == 0 {
			t0 = time.Now()
		}
		setFirst(&v, uint64(i))
		ping <- v
		v = <-pong
		s += first(&v)
		if i%pingpongTimed == 0 {
			lat = append(lat, int64(time.Since(t0)))
		}
	}
	b.StopTimer()
	close(ping)
	<-done
	atomic.AddUint64(&sink, s)
	latencies(b, "lat", lat)
}

func BenchmarkChanPingpong(b *testing.B)       { pingpongAll(b, free) }
func BenchmarkChanPingpongLocked(b *testing.B) { pingpongAll(b, locked) }
func BenchmarkChanPingpongOneP(b *testing.B)   { pingpongAll(b, oneP) }

// chan/throughput: producers send, consumers receive on one channel; an op
// is one element. pc splits GOMAXPROCS goroutines as the C rows split
// threads; 1x1 is a pair.
func throughput(b *testing.B, capacity int, pc string, f form) {
	t := runtime.GOMAXPROCS(0)
	defer onOneP(f)()
	producers := 1
	switch pc {
	case "Nx1":
		producers = t - 1
	case "NxN":
		producers = t / 2
	}
	if pc == "1x1" {
		t = 2
	}
	if producers < 1 {
		producers = 1
	}
	consumers := t - producers
	if consumers < 1 {
		b.Skip("needs at least 2 threads")
	}
	ch := make(chan uint64, capacity)
	var wg sync.WaitGroup
	split := func(total, parts, k int) int {
		n := total / parts
		if k < total%parts {
			n++
		}
		return n
	}
	b.ResetTimer()
	for p := 0; p < producers; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			if f == locked {
				pinTo(b, p)
				defer runtime.UnlockOSThread()
			}
			for i := split(b.N, producers, p); i > 0; i-- {
				ch <- uint64(i)
			}
		}(p)
	}
	for c := 0; c < consumers; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			if f == locked {
				pinTo(b, producers+c)
				defer runtime.UnlockOSThread()
			}
			var s uint64
			for i := split(b.N, consumers, c); i > 0; i-- {
				s += <-ch
			}
			atomic.AddUint64(&sink, s)
		}(c)
	}
	wg.Wait()
}

// throughputOf is throughput 1x1 with T-sized elements (size=N).
func throughputOf[T any](b *testing.B, capacity int, f form) {
	defer onOneP(f)()
	ch := make(chan T, capacity)
	var wg sync.WaitGroup
	b.ResetTimer()
	wg.Add(2)
	go func() {
		defer wg.Done()
		if f == locked {
			pinTo(b, 0)
			defer runtime.UnlockOSThread()
		}
		var v T
		for i := b.N; i > 0; i-- {
			setFirst(&v, uint64(i))
			ch <- v
		}
	}()
	go func() {
		defer wg.Done()
		if f == locked {
			pinTo(b, 1)
			defer runtime.UnlockOSThread()
		}
		var s uint64
		for i := b.N; i > 0; i-- {
			v := <-ch
			s += first(&v)
		}
		atomic.AddUint64(&sink, s)
	}()
	wg.Wait()
}

func throughputAll(b *testing.B, f form) {
	b.Run("size=64", func(b *testing.B) {
		b.Run("cap=1024", func(b *testing.B) {
			b.Run("pc=1x1", func(b *testing.B) {
				throughputOf[[8]uint64](b, 1024, f)
			})
		})
	})
	b.Run("size=1024", func(b *testing.B) {
		b.Run("cap=1024", func(b *testing.B) {
			b.Run("pc=1x1", func(b *testing.B) {
				throughputOf[[128]uint64](b, 1024, f)
			})
		})
	})
	for _, c := range []int{1, 64, 1024} {
		c := c
		b.Run(fmt.Sprintf("cap=%d", c), func(b *testing.B) {
			for _, pc := range []string{"1x1", "1xN", "Nx1", "NxN"} {
				pc := pc
				b.Run("pc="+pc, func(b *testing.B) {
					throughput(b, c, pc, f)
				})
			}
		})
	}
}

func BenchmarkChanThroughput(b *testing.B)       { throughputAll(b, free) }
func BenchmarkChanThroughputLocked(b *testing.B) { throughputAll(b, locked) }
func BenchmarkChanThroughputOneP(b *testing.B)   { throughputAll(b, oneP) }

// chan/buffered: every goroutine sends one element then receives one on a
// shared channel of capacity 64; an op is one send plus one receive. One
// goroutine per GOMAXPROCS, which OneP keeps as its count of goroutines.
func buffered(b *testing.B, f form) {
	b.Run("cap=64", func(b *testing.B) {
		goroutines := runtime.GOMAXPROCS(0)
		defer onOneP(f)()
		b.SetParallelism(goroutines / runtime.GOMAXPROCS(0))
		ch := make(chan uint64, 64)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			var s uint64
			for pb.Next() {
				ch <- 1
				s += <-ch
			}
			atomic.AddUint64(&sink, s)
		})
	})
}

func BenchmarkChanBuffered(b *testing.B)     { buffered(b, free) }
func BenchmarkChanBufferedOneP(b *testing.B) { buffered(b, oneP) }

// chan/select: each goroutine selects over its own n ready channels
// (capacity 64, one element each) and sends the element back. A static
// select per n: reflect.Select would cost Go far more than select does.
func readyChans(n int) []chan uint64 {
	cs := make([]chan uint64, n)
	for i := range cs {
		cs[i] = make(chan uint64, 64)
		cs[i] <- uint64(i)
	}
	return cs
}

func select2(b *testing.B) {
	b.RunParallel(func(pb *testing.PB) {
		c := readyChans(2)
		var s uint64
		for pb.Next() {
			select {
			case v := <-c[0]:
				s += v
				c[0] <- v
			case v := <-c[1]:
				s += v
				c[1] <- v
			}
		}
		atomic.AddUint64(&sink, s)
	})
}

func select4(b *testing.B) {
	b.RunParallel(func(pb *testing.PB) {
		c := readyChans(4)
		var s uint64
		for pb.Next() {
			var v uint64
			var k int
			select {
			case v = <-c[0]:
				k = 0
			case v = <-c[1]:
				k = 1
			case v = <-c[2]:
				k = 2
			case v = <-c[3]:
				k = 3
			}
			s += v
			c[k] <- v
		}
		atomic.AddUint64(&sink, s)
	})
}

func select16(b *testing.B) {
	b.RunParallel(func(pb *testing.PB) {
		c := readyChans(16)
		var s uint64
		for pb.Next() {
			var v uint64
			var k int
			select {
			case v = <-c[0]:
				k = 0
			case v = <-c[1]:
				k = 1
			case v = <-c[2]:
				k = 2
			case v = <-c[3]:
				k = 3
			case v = <-c[4]:
				k = 4
			case v = <-c[5]:
				k = 5
			case v = <-c[6]:
				k = 6
			case v = <-c[7]:
				k = 7
			case v = <-c[8]:
				k = 8
			case v = <-c[9]:
				k = 9
			case v = <-c[10]:
				k = 10
			case v = <-c[11]:
				k = 11
			case v = <-c[12]:
				k = 12
			case v = <-c[13]:
				k = 13
			case v = <-c[14]:
				k = 14
			case v = <-c[15]:
				k = 15
			}
			s += v
			c[k] <- v
		}
		atomic.AddUint64(&sink, s)
	})
}

func BenchmarkChanSelect(b *testing.B) {
	b.Run("n=2", select2)
	b.Run("n=4", select4)
	b.Run("n=16", select16)
}

// chan/close-broadcast: GOMAXPROCS-1 goroutines block on a channel, the
// benchmark goroutine closes it; an op is one round. wake_*: close to the
// last receiver running again.
func BenchmarkChanCloseBroadcast(b *testing.B) {
	receivers := runtime.GOMAXPROCS(0) - 1
	if receivers < 1 {
		b.Skip("needs at least 2 threads")
	}
	start := make(chan chan struct{}, receivers)
	var arrived, departed sync.WaitGroup
	var lastWake int64
	epoch := time.Now()
	for r := 0; r < receivers; r++ {
		go func() {
			for ch := range start {
				arrived.Done()
				<-ch
				now := int64(time.Since(epoch))
				for {
					old := atomic.LoadInt64(&lastWake)
					if now <= old || atomic.CompareAndSwapInt64(&lastWake, old, now) {
						break
					}
				}
				departed.Done()
			}
		}()
	}
	lat := make([]int64, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ch := make(chan struct{})
		arrived.Add(receivers)
		departed.Add(receivers)
		for r := 0; r < receivers; r++ {
			start <- ch
		}
		arrived.Wait()
		for t := time.Now(); time.Since(t) < 20*time.Microsecond; {
		}
		atomic.StoreInt64(&lastWake, 0)
		t0 := int64(time.Since(epoch))
		close(ch)
		departed.Wait()
		lat = append(lat, atomic.LoadInt64(&lastWake)-t0)
	}
	b.StopTimer()
	close(start)
	latencies(b, "wake", lat)
}

// chan/idle-cost: a receiver blocks while the sender sleeps 5 ms, then
// sends; cpu_ms_per_s is the process's CPU time per second blocked (Go
// gives no per-goroutine CPU time: the runtime's own threads count too).
func BenchmarkChanIdleCost(b *testing.B) {
	ch := make(chan uint64)
	done := make(chan struct{})
	var ru0, ru1 syscall.Rusage
	go func() {
		var s uint64
		for v := range ch {
			s += v
		}
		atomic.AddUint64(&sink, s)
		close(done)
	}()
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	t0 := time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		time.Sleep(5 * time.Millisecond)
		ch <- uint64(i)
	}
	b.StopTimer()
	wall := time.Since(t0)
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	close(ch)
	<-done
	cpu := time.Duration(syscall.TimevalToNsec(ru1.Utime) - syscall.TimevalToNsec(ru0.Utime) +
		syscall.TimevalToNsec(ru1.Stime) - syscall.TimevalToNsec(ru0.Stime))
	b.ReportMetric(1000*cpu.Seconds()/wall.Seconds(), "cpu_ms_per_s")
}
