package train

import (
	"fmt"
	"math"
	"sort"
)

func f1(tp, fp, fn int) float64 {
	if tp == 0 {
		return 0
	}
	p := float64(tp) / float64(tp+fp)
	r := float64(tp) / float64(tp+fn)
	return 2 * p * r / (p + r)
}

// confusion counts one label's true positives, false positives and false
// negatives.
type confusion struct{ tp, fp, fn int }

func (c *confusion) add(pred, gold bool) {
	switch {
	case pred && gold:
		c.tp++
	case pred:
		c.fp++
	case gold:
		c.fn++
	}
}

func (c confusion) f1() float64 { return f1(c.tp, c.fp, c.fn) }

// labelF1 is the F1 of label k over items idx with threshold t.
func labelF1(probs [][]float64, gold [][]bool, k int, t float64, idx []int) float64 {
	var c confusion
	for _, i := range idx {
		c.add(probs[i][k] >= t, gold[i][k])
	}
	return c.f1()
}

// thresholdSmooth is the half-width, in grid steps, of the moving average
// applied to the F1-vs-threshold curve before picking its maximum (0: the
// raw maximum). A wider window picks thresholds in broad F1 plateaus
// rather than on single-example spikes, which overfit small dev splits.
var thresholdSmooth = 0

// thresholdGrid is the grid of candidate thresholds.
func thresholdGrid() []float64 {
	var g []float64
	for t := 0.03; t < 0.95; t += 0.01 {
		g = append(g, t)
	}
	return g
}

// pickThreshold returns the grid threshold with the best (smoothed) F1.
func pickThreshold(grid, f []float64) float64 {
	best, bt := -1.0, 0.5
	for i := range f {
		lo, hi := max(0, i-thresholdSmooth), min(len(f)-1, i+thresholdSmooth)
		s := 0.0
		for j := lo; j <= hi; j++ {
			s += f[j]
		}
		if s /= float64(hi - lo + 1); s > best+1e-9 {
			best, bt = s, grid[i]
		}
	}
	return bt
}

// tuneThreshold picks the threshold maximizing F1 of label k on idx.
func tuneThreshold(probs [][]float64, gold [][]bool, k int, idx []int) float64 {
	grid := thresholdGrid()
	f := make([]float64, len(grid))
	for i, t := range grid {
		f[i] = labelF1(probs, gold, k, t, idx)
	}
	return pickThreshold(grid, f)
}

// decide applies thresholds, falling back to the argmax label when none
// passes (as the emotion enricher does).
func decide(p []float64, thr []float64) []bool {
	out := make([]bool, len(p))
	any := false
	for k := range p {
		if p[k] >= thr[k] {
			out[k] = true
			any = true
		}
	}
	if !any {
		best := 0
		for k := range p {
			if p[k]/thr[k] > p[best]/thr[best] {
				best = k
			}
		}
		out[best] = true
	}
	return out
}

// multiF1 returns per-label F1 for predicted vs gold label sets over idx.
func multiF1(pred, gold [][]bool, nl int, idx []int) []float64 {
	out := make([]float64, nl)
	for k := range nl {
		var c confusion
		for _, i := range idx {
			c.add(pred[i][k], gold[i][k])
		}
		out[k] = c.f1()
	}
	return out
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// fitPlatt fits p = sigmoid(a*z+b) to binary targets by Newton's method on
// the log loss (with Platt's smoothed targets).
func fitPlatt(z []float64, y []bool) (a, b float64) {
	npos := 0
	for _, v := range y {
		if v {
			npos++
		}
	}
	nneg := len(y) - npos
	hi := (float64(npos) + 1) / (float64(npos) + 2)
	lo := 1 / (float64(nneg) + 2)
	a, b = 1, 0
	for range 50 {
		var g1, g2, h11, h12, h22 float64
		for i, zi := range z {
			t := lo
			if y[i] {
				t = hi
			}
			p := 1 / (1 + math.Exp(-(a*zi + b)))
			d := p - t
			w := max(p*(1-p), 1e-9)
			g1 += d * zi
			g2 += d
			h11 += w * zi * zi
			h12 += w * zi
			h22 += w
		}
		h11 += 1e-6
		h22 += 1e-6
		det := h11*h22 - h12*h12
		if det <= 0 {
			break
		}
		da := (h22*g1 - h12*g2) / det
		db := (h11*g2 - h12*g1) / det
		a -= da
		b -= db
		if math.Abs(da)+math.Abs(db) < 1e-7 {
			break
		}
	}
	return a, b
}

// ece is the expected calibration error of pooled probabilities (10 bins).
func ece(p []float64, y []bool) float64 {
	var cnt [10]int
	var sp, sy [10]float64
	for i, v := range p {
		b := min(int(v*10), 9)
		cnt[b]++
		sp[b] += v
		if y[i] {
			sy[b]++
		}
	}
	e := 0.0
	for b := range 10 {
		if cnt[b] > 0 {
			e += math.Abs(sp[b]-sy[b]) / float64(len(p))
		}
	}
	return e
}

func pearson(x, y []float64) float64 {
	mx, my := mean(x), mean(y)
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

// spearman is Pearson over ranks (ties get their mean rank).
func spearman(x, y []float64) float64 {
	return pearson(ranks(x), ranks(y))
}

func ranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return x[idx[a]] < x[idx[b]] })
	r := make([]float64, len(x))
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && x[idx[j]] == x[idx[i]] {
			j++
		}
		for k := i; k < j; k++ {
			r[idx[k]] = float64(i+j-1) / 2
		}
		i = j
	}
	return r
}

// macroRecall of predicted vs gold classes over nc classes.
func macroRecall(pred, gold []int, nc int) (float64, []float64) {
	rec := make([]float64, nc)
	for c := range nc {
		tp, n := 0, 0
		for i := range gold {
			if gold[i] == c {
				n++
				if pred[i] == c {
					tp++
				}
			}
		}
		if n > 0 {
			rec[c] = float64(tp) / float64(n)
		}
	}
	return mean(rec), rec
}

// classF1 returns per-class F1 for single-label predictions.
func classF1(pred, gold []int, nc int) []float64 {
	out := make([]float64, nc)
	for c := range nc {
		var n confusion
		for i := range gold {
			n.add(pred[i] == c, gold[i] == c)
		}
		out[c] = n.f1()
	}
	return out
}

func halves(n int) (a, b []int) {
	for i := range n {
		if i%2 == 0 {
			a = append(a, i)
		} else {
			b = append(b, i)
		}
	}
	return a, b
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

type relRow struct {
	bin       string
	n         int
	mean, obs float64
}

// reliability bins probabilities by edges and reports the mean predicted
// probability and the observed frequency in each bin.
func reliability(p []float64, y []bool, edges []float64) []relRow {
	var out []relRow
	for b := 0; b+1 < len(edges); b++ {
		var row relRow
		row.bin = fmt.Sprintf("%.2f-%.2f", edges[b], min(edges[b+1], 1))
		for i, v := range p {
			if v >= edges[b] && v < edges[b+1] {
				row.n++
				row.mean += v
				if y[i] {
					row.obs++
				}
			}
		}
		if row.n > 0 {
			row.mean /= float64(row.n)
			row.obs /= float64(row.n)
			out = append(out, row)
		}
	}
	return out
}
