// The pool family's Go rows: sync.Pool itself, doing per op what the C
// workload pool/getput does (get an object, write its first word, put it
// back). pool/churn has no mirror: in Go the hand-off between goroutines
// would be a channel, whose cost (chan/*) would swamp the pool's.
package contend

import (
	"sync"
	"testing"
)

type (
	object64   [8]uint64
	object1024 [128]uint64
)

func poolGetput64(b *testing.B) {
	p := sync.Pool{New: func() any { return new(object64) }}
	b.RunParallel(func(pb *testing.PB) {
		for i := uint64(0); pb.Next(); i++ {
			o := p.Get().(*object64)
			o[0] = i
			p.Put(o)
		}
	})
}

func poolGetput1024(b *testing.B) {
	p := sync.Pool{New: func() any { return new(object1024) }}
	b.RunParallel(func(pb *testing.PB) {
		for i := uint64(0); pb.Next(); i++ {
			o := p.Get().(*object1024)
			o[0] = i
			p.Put(o)
		}
	})
}

// pool/getput: sync.Pool Get, a write, Put; a pointer in an interface
// allocates nothing, so the steady state is 0 allocs/op.
func BenchmarkPoolGetput(b *testing.B) {
	b.Run("size=64", poolGetput64)
	b.Run("size=1024", poolGetput1024)
}
