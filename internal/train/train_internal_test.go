package train

import (
	"math"
	"slices"
	"testing"
)

func TestUnescapeU(t *testing.T) {
	if got := unescapeU(`I\u2019m here\u002c ok \uZZZZ`); got != "I’m here, ok \\uZZZZ" {
		t.Fatalf("unescapeU = %q", got)
	}
}

func TestPolarityOf(t *testing.T) {
	y := func(labels ...int) []int8 {
		v := make([]int8, 28)
		for _, l := range labels {
			v[l] = pos
		}
		return v
	}
	// 17 joy, 18 love, 2 anger, 27 neutral, 26 surprise (ambiguous)
	for _, tc := range []struct {
		y    []int8
		want int
	}{{y(17, 18), 2}, {y(2), 0}, {y(27), 1}, {y(17, 2), -1}, {y(26), -1}, {y(), -1}} {
		if got := polarityOf(tc.y); got != tc.want {
			t.Errorf("polarityOf(%v) = %d, want %d", tc.y, got, tc.want)
		}
	}
}

func TestFitPlatt(t *testing.T) {
	// Logits twice as confident as they should be: Platt halves them.
	var z []float64
	var y []bool
	for i := range 4000 {
		x := float64(i%200-100) / 25
		z = append(z, 2*x)
		y = append(y, float64((i*7919)%1000)/1000 < 1/(1+math.Exp(-x)))
	}
	a, b := fitPlatt(z, y)
	if math.Abs(a-0.5) > 0.1 || math.Abs(b) > 0.15 {
		t.Fatalf("fitPlatt = %.3f, %.3f; want about 0.5, 0", a, b)
	}
}

func TestMetrics(t *testing.T) {
	if f := f1(1, 1, 1); math.Abs(f-0.5) > 1e-9 {
		t.Fatalf("f1 = %v", f)
	}
	mr, _ := macroRecall([]int{0, 1, 2, 2}, []int{0, 1, 2, 1}, 3)
	if math.Abs(mr-(1+0.5+1)/3) > 1e-9 {
		t.Fatalf("macroRecall = %v", mr)
	}
	if r := pearson([]float64{1, 2, 3}, []float64{2, 4, 6}); math.Abs(r-1) > 1e-9 {
		t.Fatalf("pearson = %v", r)
	}
	got := decide([]float64{0.1, 0.2}, []float64{0.5, 0.5})
	if got[0] || !got[1] {
		t.Fatalf("decide fallback = %v", got)
	}
}

func TestPruneRare(t *testing.T) {
	xs := []vec{{f: []uint32{1, 2, 3}}, {f: []uint32{2, 3, 4, 5}}, {f: []uint32{3}}}
	if n := pruneRare(xs, 4, 1); n != 0 || len(xs[0].f) != 3 {
		t.Fatalf("minDF 1 dropped %d features: %v", n, xs[0].f)
	}
	if n := pruneRare(xs, 4, 2); n != 3 { // 1, 4 and 5 are in one text each
		t.Fatalf("dropped %d distinct features, want 3", n)
	}
	want := [][]uint32{{2, 3}, {2, 3}, {3}}
	for i, v := range xs {
		if !slices.Equal(v.f, want[i]) {
			t.Errorf("text %d keeps %v, want %v", i, v.f, want[i])
		}
	}
	// Values are still scaled by the count inference sees.
	if got, want := val(&xs[1]), float32(0.5); got != want {
		t.Errorf("val after pruning = %v, want %v (1/sqrt(4))", got, want)
	}
	if got := val(&vec{f: []uint32{7, 8, 9, 10}}); got != 0.5 {
		t.Errorf("val of an unpruned vector = %v, want 0.5", got)
	}
}

func TestL2ByDF(t *testing.T) {
	// Feature 3 is in all 4 texts (twice in one: counted once), 1 in one,
	// 2 in two; 0 in none.
	xs := []vec{{f: []uint32{1, 2, 3, 3}}, {f: []uint32{2, 3}}, {f: []uint32{3}}, {f: []uint32{3}}}
	m := newWeights(2, 3, 0, 0.1, 1e-3)
	m.l2ByDF(xs, 1)
	if want := []float32{0, 4, 2, 1}; !slices.Equal(m.l2f, want) {
		t.Fatalf("l2f = %v, want %v (N/df)", m.l2f, want)
	}
	m.l2ByDF(xs, 0.5)
	if got := m.l2f[1]; math.Abs(float64(got)-2) > 1e-6 {
		t.Fatalf("l2f[1] with power 0.5 = %v, want 2", got)
	}
	// An update with zero loss gradient shrinks a rare feature's weight
	// more than a frequent one's.
	m.l2ByDF(xs, 1)
	for _, f := range []int{1, 3} {
		for k := range 3 {
			m.w[f*3+k] = 1
		}
	}
	m.update(&vec{f: []uint32{1, 3}}, []float32{1e-9, 1e-9, 1e-9})
	if !(m.w[1*3] < m.w[3*3] && m.w[3*3] < 1) {
		t.Fatalf("after one penalized step w[rare] = %v, w[frequent] = %v; want rare < frequent < 1", m.w[1*3], m.w[3*3])
	}
}

func TestFloatLogitsFoldScaling(t *testing.T) {
	// idf scaling trains w*idf; floatLogits must score with the folded
	// weights exactly as the training-time logits do.
	xs := []vec{{f: []uint32{1, 2}, d: []float32{0.5}}, {f: []uint32{2, 3}, d: []float32{0}}}
	m := newWeights(2, 2, 1, 0.1, 0)
	m.idfScale(xs)
	for i := range m.w {
		m.w[i] = float32(i%5) - 2
	}
	m.d[0], m.d[1] = 0.3, -0.7
	got := m.floatLogits(xs)
	for i := range xs {
		want := make([]float32, 2)
		m.logits(&xs[i], want)
		for k := range want {
			if math.Abs(float64(got[i][k]-want[k])) > 1e-5 {
				t.Fatalf("text %d output %d: floatLogits %v, logits %v", i, k, got[i][k], want[k])
			}
		}
	}
}

func TestTrainSoftmaxSoftTargets(t *testing.T) {
	// One text, one feature, no penalty: the probabilities converge to
	// the soft target, not to the class; a nil target trains the class.
	xs := []vec{{f: []uint32{1}}, {f: []uint32{2}}}
	soft := [][]float32{{0.2, 0.3, 0.5}, nil}
	m := newWeights(2, 3, 0, 0.5, 0)
	trainSoftmax(m, xs, []int{0, 1}, soft, []float32{1, 1}, 400, 1)
	for i, want := range [][]float32{{0.2, 0.3, 0.5}, {0, 1, 0}} {
		z := make([]float32, 3)
		m.logits(&xs[i], z)
		softmax32(z)
		for k := range z {
			if math.Abs(float64(z[k]-want[k])) > 0.03 {
				t.Fatalf("text %d: p = %v, want about %v", i, z, want)
			}
		}
	}
}
