package linear_test

import (
	"bytes"
	"math"
	"testing"

	"github.com/undertone/undertone/internal/linear"
)

func TestRoundTrip(t *testing.T) {
	meta := linear.Meta{Name: "t", Version: "v", Bits: 4, Outputs: []string{"a", "b"}, Dense: 1, Kind: "sigmoid",
		CalA: []float64{2, 1}, CalB: []float64{0, -1}}
	w := make([]float32, 16*2)
	w[3*2+0], w[3*2+1] = 1, -0.5
	w[5*2+1] = 0.25
	m, err := linear.New(meta, w, []float32{0.5, -0.5}, []float32{0.1, 0.2})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := linear.Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, 2)
	got.Logits([]uint32{3, 5}, []float32{1}, out)
	v := float32(1 / math.Sqrt2)
	want := []float32{1*v + 0.5 + 0.1, (-0.5+0.25)*v - 0.5 + 0.2}
	for k := range out {
		if math.Abs(float64(out[k]-want[k])) > 0.01 {
			t.Errorf("logit %d = %v, want %v", k, out[k], want[k])
		}
	}
	if p := got.Prob(0, 0); p != 0.5 {
		t.Errorf("Prob(0, 0) = %v, want 0.5", p)
	}
	if p := got.Prob(1, 1); math.Abs(p-0.5) > 1e-9 {
		t.Errorf("calibrated Prob(1, 1) = %v, want 0.5", p)
	}
}

func TestLoadRejectsGarbage(t *testing.T) {
	if _, err := linear.Load(bytes.NewReader([]byte("not a model"))); err == nil {
		t.Fatal("garbage accepted")
	}
}

func TestSoftmax(t *testing.T) {
	z := []float32{1, 1, 1000}
	linear.Softmax(z)
	if z[2] < 0.999 || math.IsNaN(float64(z[0])) {
		t.Fatalf("softmax %v", z)
	}
}
