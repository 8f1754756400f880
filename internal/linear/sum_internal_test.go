package linear

import (
	"math/rand/v2"
	"testing"
)

// TestSumRowsMatchesNaive checks the packed (SWAR) row sums against a
// plain int8 sum, for output counts that use each code path and feature
// lists longer than one 256-row chunk, with extreme weights.
func TestSumRowsMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 3, 8, 28, 35, 40, 64} {
		m := &Model{Meta: Meta{Bits: 6, Outputs: make([]string, n)}}
		w := make([]int8, 64*n)
		for i := range w {
			switch r.IntN(4) {
			case 0:
				w[i] = 127
			case 1:
				w[i] = -127
			default:
				w[i] = int8(r.IntN(255) - 127)
			}
		}
		m.pack(w)
		if got := m.unpack(); string(got2b(got)) != string(got2b(w)) {
			t.Fatalf("n=%d: unpack(pack(w)) != w", n)
		}
		for _, nf := range []int{0, 1, 255, 256, 257, 700} {
			feats := make([]uint32, nf)
			for i := range feats {
				feats[i] = uint32(r.IntN(1 << 20)) // high bits are masked off
			}
			var acc [MaxOutputs]int32
			m.sumRows(feats, &acc)
			for k := range n {
				want := int32(0)
				for _, f := range feats {
					want += int32(w[int(f&63)*n+k])
				}
				if acc[k] != want {
					t.Fatalf("n=%d features=%d output %d: got %d, want %d", n, nf, k, acc[k], want)
				}
			}
		}
	}
}

func got2b(w []int8) []byte {
	b := make([]byte, len(w))
	for i, v := range w {
		b[i] = byte(v)
	}
	return b
}
