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
	"sync"
	"sync/atomic"
	"testing"
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

// mutex/lock: lock, bump a shared counter, unlock.
func BenchmarkMutexLock(b *testing.B) {
	var mu sync.Mutex
	var counter uint64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			counter++
			mu.Unlock()
		}
	})
	sink += counter
}

// rwmutex/read-ratio: read (sum 8 words of one line) or write (bump one),
// op i of a goroutine writing when its phase mod 100 >= read.
func BenchmarkRwmutexReadRatio(b *testing.B) {
	for _, read := range []int{90, 100} {
		read := read
		b.Run(fmt.Sprintf("read=%d", read), func(b *testing.B) {
			var mu sync.RWMutex
			var data [8]uint64
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
						for w := 0; w < 8; w++ {
							s += data[w]
						}
						mu.RUnlock()
					} else {
						mu.Lock()
						data[i&7]++
						mu.Unlock()
					}
				}
				atomic.AddUint64(&sink, s)
			})
		})
	}
}
