// Package contend holds the Go reference rows: each benchmark here does the
// same work per op as the C workload of the same name in bench/ (same
// payload, same read/write mix, same depth, same buffer capacity), so that
// `contend run --with-go` can put Go's runtime beside the C primitives.
//
// Naming is the contract with the runner: BenchmarkFamilyWorkload/params
// mirrors FAMILY/WORKLOAD with its params, e.g. BenchmarkRwmutexReadRatio/
// read=90 is rwmutex/read-ratio read=90. The runner sets GOMAXPROCS (-cpu)
// to the case's thread count and pins the process to the placement's CPUs.
package contend

import (
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// sink keeps results observable so the compiler cannot drop the work.
var sink uint64

// Values of 8, 64 and 256 bytes, as the C workloads' size= parameter; a
// read uses the first and the last word, as in C. One function per size,
// not generics: a type switch or dictionary call in the loop would cost
// Go more than the load it measures.
type (
	value8   [1]uint64
	value64  [8]uint64
	value256 [32]uint64
)

func load8(b *testing.B) {
	var v atomic.Value
	v.Store(&value8{1})
	b.RunParallel(func(pb *testing.PB) {
		var s uint64
		for pb.Next() {
			p := v.Load().(*value8)
			s += p[0] + p[0]
		}
		atomic.AddUint64(&sink, s)
	})
}

func load64(b *testing.B) {
	var v atomic.Value
	v.Store(&value64{1, 7: 8})
	b.RunParallel(func(pb *testing.PB) {
		var s uint64
		for pb.Next() {
			p := v.Load().(*value64)
			s += p[0] + p[7]
		}
		atomic.AddUint64(&sink, s)
	})
}

func load256(b *testing.B) {
	var v atomic.Value
	v.Store(&value256{1, 31: 32})
	b.RunParallel(func(pb *testing.PB) {
		var s uint64
		for pb.Next() {
			p := v.Load().(*value256)
			s += p[0] + p[31]
		}
		atomic.AddUint64(&sink, s)
	})
}

// atomic/load: load the value, read two fields.
func BenchmarkAtomicLoad(b *testing.B) {
	b.Run("size=8", load8)
	b.Run("size=64", load64)
	b.Run("size=256", load256)
}

// atomic/swap: every op publishes a freshly allocated value; the replaced
// one is the garbage collector's to free (the C schemes' retire path).
func BenchmarkAtomicSwap(b *testing.B) {
	b.Run("size=8", func(b *testing.B) {
		var v atomic.Value
		v.Store(&value8{})
		b.RunParallel(func(pb *testing.PB) {
			for seq := uint64(0); pb.Next(); seq++ {
				v.Store(&value8{seq})
			}
		})
	})
	b.Run("size=64", func(b *testing.B) {
		var v atomic.Value
		v.Store(&value64{})
		b.RunParallel(func(pb *testing.PB) {
			for seq := uint64(0); pb.Next(); seq++ {
				v.Store(&value64{seq, 7: seq + 7})
			}
		})
	})
	b.Run("size=256", func(b *testing.B) {
		var v atomic.Value
		v.Store(&value256{})
		b.RunParallel(func(pb *testing.PB) {
			for seq := uint64(0); pb.Next(); seq++ {
				v.Store(&value256{seq, 31: seq + 31})
			}
		})
	})
}

// atomic/read-mostly: every goroutine reads; the first also publishes a
// fresh value every K of its ops (the config-reload pattern). One function
// per size, as for load.
func readMostly8(every int) func(*testing.B) {
	return func(b *testing.B) {
		var v atomic.Value
		var ids int32
		v.Store(&value8{1})
		b.RunParallel(func(pb *testing.PB) {
			writer := atomic.AddInt32(&ids, 1) == 1
			left := every
			var s, seq uint64
			for pb.Next() {
				p := v.Load().(*value8)
				s += p[0] + p[0]
				if left--; writer && left == 0 {
					left = every
					seq++
					v.Store(&value8{seq})
				}
			}
			atomic.AddUint64(&sink, s)
		})
	}
}

func readMostly64(every int) func(*testing.B) {
	return func(b *testing.B) {
		var v atomic.Value
		var ids int32
		v.Store(&value64{1, 7: 8})
		b.RunParallel(func(pb *testing.PB) {
			writer := atomic.AddInt32(&ids, 1) == 1
			left := every
			var s, seq uint64
			for pb.Next() {
				p := v.Load().(*value64)
				s += p[0] + p[7]
				if left--; writer && left == 0 {
					left = every
					seq++
					v.Store(&value64{seq, 7: seq + 7})
				}
			}
			atomic.AddUint64(&sink, s)
		})
	}
}

func readMostly256(every int) func(*testing.B) {
	return func(b *testing.B) {
		var v atomic.Value
		var ids int32
		v.Store(&value256{1, 31: 32})
		b.RunParallel(func(pb *testing.PB) {
			writer := atomic.AddInt32(&ids, 1) == 1
			left := every
			var s, seq uint64
			for pb.Next() {
				p := v.Load().(*value256)
				s += p[0] + p[31]
				if left--; writer && left == 0 {
					left = every
					seq++
					v.Store(&value256{seq, 31: seq + 31})
				}
			}
			atomic.AddUint64(&sink, s)
		})
	}
}

func BenchmarkAtomicReadMostly(b *testing.B) {
	for _, every := range []int{10, 1000, 100000} {
		every := every
		b.Run(fmt.Sprintf("every=%d", every), func(b *testing.B) {
			b.Run("size=8", readMostly8(every))
			b.Run("size=64", readMostly64(every))
			b.Run("size=256", readMostly256(every))
		})
	}
}

// mutex/lock: lock, bump a shared counter, unlock; handovers_per_op: the
// share of acquisitions by another goroutine than the last, as in C.
func BenchmarkMutexLock(b *testing.B) {
	var mu sync.Mutex
	var counter, handovers uint64
	var ids, owner int64
	var sh shares
	b.RunParallel(func(pb *testing.PB) {
		me := atomic.AddInt64(&ids, 1)
		n := 0
		for pb.Next() {
			mu.Lock()
			counter++
			if owner != me {
				owner = me
				handovers++
			}
			mu.Unlock()
			n++
		}
		sh.add(n)
	})
	if counter > 0 {
		b.ReportMetric(float64(handovers)/float64(counter),
			"handovers_per_op")
	}
	sh.report(b)
	sink += counter
}

// shares holds each goroutine's ops of a RunParallel. The goroutines draw
// their ops from one pool until it is empty, so they stop together (within
// one grain of at most 10000 ops) and ops are shares of one span, as the C
// rows' time-bound threads' ops; report gives the C rows' fairness figures
// (record.h): the slowest and fastest goroutine's ops over the mean, and
// their coefficient of variation (the runner moves them to fairness).
type shares struct {
	mu  sync.Mutex
	ops []float64
}

func (s *shares) add(n int) {
	s.mu.Lock()
	s.ops = append(s.ops, float64(n))
	s.mu.Unlock()
}

func (s *shares) report(b *testing.B) {
	if len(s.ops) < 2 {
		return
	}
	lo, hi, sum := s.ops[0], s.ops[0], 0.0
	for _, v := range s.ops {
		lo, hi, sum = math.Min(lo, v), math.Max(hi, v), sum+v
	}
	mean := sum / float64(len(s.ops))
	if mean == 0 {
		return
	}
	vr := 0.0
	for _, v := range s.ops {
		vr += (v - mean) * (v - mean)
	}
	b.ReportMetric(lo/mean, "rate_min")
	b.ReportMetric(hi/mean, "rate_max")
	b.ReportMetric(math.Sqrt(vr/float64(len(s.ops)))/mean, "rate_cv")
}

// busyUnits is common/busywork.h's unit of busy work: one step of a
// dependent multiply-add chain, n times on x.
func busyUnits(n int, x uint64) uint64 {
	for i := 0; i < n; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	return x
}

var busyOnce sync.Once
var busyUnitPs float64

// unitRoundsPs is busywork.c's measurement of a unit, in ps: the fastest
// of 10 rounds of at least 100 us in chunks of 16384 units.
func unitRoundsPs(x *uint64) float64 {
	best := 0.0
	for r := 0; r < 10; r++ {
		n := 0
		t0 := time.Now()
		for time.Since(t0) < 100*time.Microsecond {
			*x = busyUnits(16384, *x)
			n += 16384
		}
		ps := float64(time.Since(t0).Nanoseconds()) * 1000 / float64(n)
		if best == 0 || ps < best {
			best = ps
		}
	}
	return best
}

// measureUnitPs: a unit's cost in ps, once it holds still. In the first
// ~5 ms of a process a unit measured 1.3-1.5x its cost afterwards (Zen 4
// guest, every process; most likely the runtime's sysmon, which polls
// every 20 us at start, on the CPUs the runner allows), and every section
// cut with it ran that much short. So: measurements (1 ms
// each) for at least 10 ms, until one is within 1% of the one before, at
// most 50; outside 0.05-100 ns, 1.5 ns.
func measureUnitPs() float64 {
	x := uint64(1)
	t0 := time.Now()
	prev, ps := 0.0, unitRoundsPs(&x)
	for time.Since(t0) < 50*time.Millisecond &&
		(time.Since(t0) < 10*time.Millisecond || math.Abs(ps-prev) > ps/100) {
		prev, ps = ps, unitRoundsPs(&x)
	}
	atomic.AddUint64(&sink, x)
	if ps < 50 || ps > 100000 {
		ps = 1500
	}
	return ps
}

// busyUnitsNs turns ns into units, the cost of a unit measured once per
// process, as in C.
func busyUnitsNs(ns int) int {
	busyOnce.Do(func() { busyUnitPs = measureUnitPs() })
	return int(float64(ns) * 1000 / busyUnitPs)
}

// reportUnitDrift measures the unit again after each run, on the
// benchmark goroutine's CPU, and reports the kept unit over it, minus 1
// (unit_drift; goref averages it over the samples, where C keeps the
// largest over its workers' CPUs): above 0 the sections ran about that
// much shorter than their ns, below 0 longer. One measurement (1 ms), not
// measureUnitPs's wait for a steady one (10-50 ms, on each of the
// harness's calls with growing b.N): the process is past its first
// milliseconds by then.
func reportUnitDrift(b *testing.B) {
	b.StopTimer()
	x := uint64(1)
	b.ReportMetric(busyUnitPs/unitRoundsPs(&x)-1, "unit_drift")
	atomic.AddUint64(&sink, x)
	b.StartTimer()
}

// sectionsParallelism: how many goroutines can run their sections at
// once, GOMAXPROCS but no more than the CPUs the process may use (the
// runner binds it to the case's CPUs): with more threads than CPUs
// (--oversubscribe) the bound is the CPUs', not the threads'.
func sectionsParallelism() float64 {
	p := runtime.GOMAXPROCS(0)
	if n := runtime.NumCPU(); n < p {
		p = n
	}
	return float64(p)
}

// mutex/sections: mutex/lock with cs ns of busy work inside the lock and
// ps ns after it; ideal_ns_per_op is Amdahl's bound max(cs, (cs+ps)/P) for
// P = GOMAXPROCS, as in C.
func BenchmarkMutexSections(b *testing.B) {
	// one b.Run per cs (a second of the same name would be "cs=N#01")
	for _, sec := range []struct{ cs, ps []int }{
		{[]int{0}, []int{500}}, {[]int{100}, []int{0, 500}},
		{[]int{1000}, []int{0, 5000}}} {
		cs, pss := sec.cs[0], sec.ps
		b.Run(fmt.Sprintf("cs=%d", cs), func(b *testing.B) {
			for _, ps := range pss {
				ps := ps
				b.Run(fmt.Sprintf("ps=%d", ps),
					func(b *testing.B) {
						mutexSections(b, cs, ps)
					})
			}
		})
	}
}

func mutexSections(b *testing.B, csNs, psNs int) {
	var mu sync.Mutex
	var counter, handovers uint64
	var ids, owner int64
	cs, ps := busyUnitsNs(csNs), busyUnitsNs(psNs)
	var sh shares
	b.ResetTimer() // the calibration is not the benchmark's
	b.RunParallel(func(pb *testing.PB) {
		me := atomic.AddInt64(&ids, 1)
		x := uint64(me)
		n := 0
		for pb.Next() {
			mu.Lock()
			counter++
			if owner != me {
				owner = me
				handovers++
			}
			x = busyUnits(cs, x)
			mu.Unlock()
			x = busyUnits(ps, x)
			n++
		}
		atomic.AddUint64(&sink, x)
		sh.add(n)
	})
	if counter > 0 {
		b.ReportMetric(float64(handovers)/float64(counter),
			"handovers_per_op")
	}
	sh.report(b)
	par := float64(csNs+psNs) / sectionsParallelism()
	b.ReportMetric(math.Max(float64(csNs), par), "ideal_ns_per_op")
	reportUnitDrift(b)
	sink += counter
}

// mutex/uncontended: one goroutine (the runner gives it GOMAXPROCS=1): lock,
// bump a counter, unlock.
func BenchmarkMutexUncontended(b *testing.B) {
	var mu sync.Mutex
	var counter uint64
	for i := 0; i < b.N; i++ {
		mu.Lock()
		counter++
		mu.Unlock()
	}
	sink += counter
}

// handoffPass makes n transfers of the turn from me to the other goroutine,
// taking the turn only under the lock, as mutex/handoff in C. A miss yields
// the P: Go has no pause instruction, and a woken goroutine is queued on the
// waker's P (runnext), so a poller that kept its P would leave the other
// goroutine waiting for a preemption (milliseconds), not for the lock.
func handoffPass(mu *sync.Mutex, turn *int, me, n int, t *handoffTimes) {
	for done := 0; done < n; {
		mu.Lock()
		mine := *turn == me
		if mine {
			*turn = 1 - me
			t.pass()
		}
		mu.Unlock()
		if mine {
			done++
		} else {
			runtime.Gosched()
		}
	}
}

// mutex/handoff: two goroutines pass a sync.Mutex back and forth through a
// turn read under it; an op is one transfer (b.N transfers: the first
// goroutine makes the even ones, the second the odd ones).
func BenchmarkMutexHandoff(b *testing.B) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	var t handoffTimes
	turn := 0
	wg.Add(1)
	go func() {
		defer wg.Done()
		handoffPass(&mu, &turn, 1, b.N/2, &t)
	}()
	handoffPass(&mu, &turn, 0, (b.N+1)/2, &t)
	wg.Wait()
	if t.h.n > 0 {
		b.ReportMetric(t.h.pct(0.50), "handoff_p50_ns")
		b.ReportMetric(t.h.pct(0.99), "handoff_p99_ns")
		b.ReportMetric(float64(t.h.max), "handoff_max_ns")
	}
}

// handoffTimes times every 64th pass of the turn, under the lock, from the
// passer's clock read to the taker's once it sees its turn, as C's
// mutex/handoff (handoff_* fields).
type handoffTimes struct {
	passes uint64
	stamp  time.Time
	h      latencyHist
}

func (t *handoffTimes) pass() {
	if !t.stamp.IsZero() {
		t.h.add(uint64(time.Since(t.stamp).Nanoseconds()))
		t.stamp = time.Time{}
	}
	t.passes++
	if t.passes%64 == 0 {
		t.stamp = time.Now()
	}
}

// rwmutex/uncontended: a lock per goroutine; op=read is RLock, sum one
// line, RUnlock; op=write is Lock, bump one word, Unlock.
func BenchmarkRwmutexUncontended(b *testing.B) {
	b.Run("op=read", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			var mu sync.RWMutex
			var data [8]uint64
			var s uint64
			for pb.Next() {
				mu.RLock()
				for w := 0; w < 8; w++ {
					s += data[w]
				}
				mu.RUnlock()
			}
			atomic.AddUint64(&sink, s)
		})
	})
	b.Run("op=write", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			var mu sync.RWMutex
			var data [8]uint64
			for i := 0; pb.Next(); i++ {
				mu.Lock()
				data[i&7]++
				mu.Unlock()
			}
			atomic.AddUint64(&sink, data[0])
		})
	})
}

// rwmutex/read-ratio: read (sum the 8 words of each of `lines` lines) or
// write (bump one word in each), op i of a goroutine writing when its
// phase mod 100 >= read.
func BenchmarkRwmutexReadRatio(b *testing.B) {
	for _, read := range []int{100, 99, 90, 50, 0} {
		read := read
		b.Run(fmt.Sprintf("read=%d", read), func(b *testing.B) {
			for _, lines := range []int{1, 8} {
				lines := lines
				b.Run(fmt.Sprintf("lines=%d", lines), func(b *testing.B) {
					rwmutexReadRatio(b, read, lines)
				})
			}
		})
	}
}

// rwmutex/sections: read-ratio's mix on one line with cs ns of busy work
// inside the lock and ps ns after it; ideal_ns_per_op is C's bound
// (bench/sections.h): max(w cs + (1-w) cs/P, (cs+ps)/P), w the write share.
func BenchmarkRwmutexSections(b *testing.B) {
	type sec struct{ read, cs, ps int }
	for _, read := range []int{90, 99} {
		read := read
		b.Run(fmt.Sprintf("read=%d", read), func(b *testing.B) {
			for _, cs := range []int{100, 1000} {
				cs := cs
				var pss []int
				for _, x := range []sec{{90, 100, 0}, {90, 100, 500},
					{99, 1000, 0}} {
					if x.read == read && x.cs == cs {
						pss = append(pss, x.ps)
					}
				}
				if len(pss) == 0 {
					continue
				}
				b.Run(fmt.Sprintf("cs=%d", cs), func(b *testing.B) {
					for _, ps := range pss {
						ps := ps
						b.Run(fmt.Sprintf("ps=%d", ps),
							func(b *testing.B) {
								rwmutexSections(b, read,
									cs, ps)
							})
					}
				})
			}
		})
	}
}

func rwmutexSections(b *testing.B, read, csNs, psNs int) {
	var mu sync.RWMutex
	var data cacheLine
	var ids int32
	cs, ps := busyUnitsNs(csNs), busyUnitsNs(psNs)
	b.ResetTimer() // the calibration is not the benchmark's
	b.RunParallel(func(pb *testing.PB) {
		tid := int(atomic.AddInt32(&ids, 1) - 1)
		phase := tid * 37 % 100
		var s uint64
		x := uint64(tid)
		for i := 0; pb.Next(); i++ {
			if phase++; phase == 100 {
				phase = 0
			}
			if phase < read {
				mu.RLock()
				for w := 0; w < 8; w++ {
					s += data[w]
				}
				x = busyUnits(cs, x)
				mu.RUnlock()
			} else {
				mu.Lock()
				data[i&7]++
				x = busyUnits(cs, x)
				mu.Unlock()
			}
			x = busyUnits(ps, x)
		}
		atomic.AddUint64(&sink, s+x)
	})
	procs := sectionsParallelism()
	w := float64(100-read) / 100
	excl := w*float64(csNs) + (1-w)*float64(csNs)/procs
	par := float64(csNs+psNs) / procs
	b.ReportMetric(math.Max(excl, par), "ideal_ns_per_op")
	reportUnitDrift(b)
}

// cacheLine is one 64-byte line of data, as the C workload's.
type cacheLine [8]uint64

func rwmutexReadRatio(b *testing.B, read, lines int) {
	var mu sync.RWMutex
	var data [8]cacheLine
	var ids int32
	b.RunParallel(func(pb *testing.PB) {
		tid := int(atomic.AddInt32(&ids, 1) - 1)
		phase := tid * 37 % 100
		var s uint64
		for i := 0; pb.Next(); i++ {
			if phase++; phase == 100 {
				phase = 0
			}
			if phase < read {
				mu.RLock()
				for c := 0; c < lines; c++ {
					for w := 0; w < 8; w++ {
						s += data[c][w]
					}
				}
				mu.RUnlock()
			} else {
				mu.Lock()
				for c := 0; c < lines; c++ {
					data[c][i&7]++
				}
				mu.Unlock()
			}
		}
		atomic.AddUint64(&sink, s)
	})
}

// rwmutex/writer-wait: the first goroutine takes the write lock back to
// back, timing each acquisition, the others read (sum one line) until the
// benchmark's b.N ops are shared out; an op is one read or one write, as
// in C. Unlike C, the writer's share of b.N is whatever pb.Next hands it.
// Its latencies go into the same log-linear histogram as C's, reported as
// writer_p50_ns, writer_p99_ns and writer_max_ns.
func BenchmarkRwmutexWriterWait(b *testing.B) {
	var mu sync.RWMutex
	var data [8]uint64
	var ids int32
	var h latencyHist
	b.RunParallel(func(pb *testing.PB) {
		tid := atomic.AddInt32(&ids, 1) - 1
		var s uint64
		if tid == 0 {
			for i := 0; pb.Next(); i++ {
				t0 := time.Now()
				mu.Lock()
				h.add(uint64(time.Since(t0)))
				data[i&7]++
				mu.Unlock()
			}
			return
		}
		for pb.Next() {
			mu.RLock()
			for w := 0; w < 8; w++ {
				s += data[w]
			}
			mu.RUnlock()
		}
		atomic.AddUint64(&sink, s)
	})
	if h.n > 0 {
		b.ReportMetric(h.pct(0.50), "writer_p50_ns")
		b.ReportMetric(h.pct(0.99), "writer_p99_ns")
		b.ReportMetric(float64(h.max), "writer_max_ns")
	}
}

// latencyHist is bench/rwmutex.c's histogram: 16 buckets per power of two
// (about 6% wide), a percentile reported as its bucket's lower bound, so
// that the Go and C percentiles round the same way.
const histSub = 4

type latencyHist struct {
	n, max uint64
	count  [64 << histSub]uint64
}

func (h *latencyHist) add(v uint64) {
	i := v
	if v >= 1<<histSub {
		e := uint64(63 - bits.LeadingZeros64(v))
		i = (e-histSub+1)<<histSub + (v>>(e-histSub))&(1<<histSub-1)
	}
	h.count[i]++
	h.n++
	if v > h.max {
		h.max = v
	}
}

func (h *latencyHist) pct(p float64) float64 {
	want, seen := uint64(p*float64(h.n)), uint64(0)
	for i, c := range h.count {
		seen += c
		if seen > want {
			if i < 1<<histSub {
				return float64(i)
			}
			e := uint(i>>histSub) + histSub - 1
			m := uint64(i & (1<<histSub - 1))
			return float64((1<<histSub + m) << (e - histSub))
		}
	}
	return float64(h.max)
}
