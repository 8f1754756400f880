package train

import (
	"math"
	"math/rand/v2"

	"github.com/undertone/undertone/internal/textfeat"
)

// vec is one featurized text.
type vec struct {
	f []uint32
	d []float32
	// n, when > 0, is the hashed feature count the value 1/sqrt(n) is
	// computed from: the text's count before pruneRare dropped some, so
	// training scales features as inference (which sees them all) does.
	n int
	// nw > 0 (blockNorm experiments only) is the number of leading word
	// features; the rest are character n-grams, normalized separately.
	nw int
	// s > 0 (idf-norm experiments only) is the value every hashed
	// feature's weight is multiplied by (the idf is folded into weights).
	s float32
}

// blockNorm > 0 (an experiment, not supported by inference) normalizes the
// word features and the character n-grams of a text as two blocks, each
// to unit L2 norm as scikit-learn's hstack of two TfidfVectorizers does,
// the word block multiplied by blockNorm. Models trained with it are
// scored with their float weights only.
var blockNorm float32

// vals returns the value of the word features and of the character
// n-grams of v (the same 1/sqrt(count) unless blockNorm split them).
func vals(v *vec) (xw, xc float32) {
	if v.s > 0 {
		return v.s, v.s
	}
	if v.nw == 0 {
		x := val(v)
		return x, x
	}
	xw = blockNorm / float32(math.Sqrt(float64(v.nw)))
	if nc := len(v.f) - v.nw; nc > 0 {
		xc = 1 / float32(math.Sqrt(float64(nc)))
	}
	return xw, xc
}

// embScale multiplies the word-vector features during training; exported
// dense weights are multiplied by it too (foldEmbScale), so inference uses
// the unscaled features.
var embScale float32 = 1

// scaleEmb multiplies the word-vector features of training vectors by
// embScale.
func scaleEmb(xs []vec) {
	for i := range xs {
		for k := textfeat.NumDense; k < len(xs[i].d); k++ {
			xs[i].d[k] *= embScale
		}
	}
}

// foldEmbScale returns dense weights (nd rows of n) with the rows of the
// word-vector features multiplied by embScale.
func foldEmbScale(d []float32, n int) []float32 {
	out := append([]float32(nil), d...)
	for i := textfeat.NumDense * n; i < len(out); i++ {
		out[i] *= embScale
	}
	return out
}

func featurize(doc *textfeat.Doc, text string, bits uint, char [2]int, emb *textfeat.Embeddings) vec {
	doc.Tokenize(text)
	var v vec
	if blockNorm > 0 {
		words := append([]uint32(nil), doc.FeaturesCharNeg(0, len(doc.Tokens), bits, 0, 0, featNeg)...)
		all := doc.FeaturesCharNeg(0, len(doc.Tokens), bits, char[0], char[1], featNeg)
		v.f = append(v.f, words...)
		j := 0
		for _, f := range all {
			if j < len(words) && f == words[j] {
				j++
				continue
			}
			v.f = append(v.f, f)
		}
		v.nw = len(words)
	} else {
		v.f = append([]uint32(nil), doc.FeaturesCharNeg(0, len(doc.Tokens), bits, char[0], char[1], featNeg)...)
	}
	nd := textfeat.NumDense
	if emb != nil {
		nd += textfeat.EmbedDim
	}
	v.d = make([]float32, nd)
	doc.Dense(0, len(doc.Tokens), v.d[:textfeat.NumDense])
	if emb != nil {
		doc.EmbedNeg(emb, 0, len(doc.Tokens), v.d[textfeat.NumDense:], featNeg)
	}
	return v
}

// featNeg selects the negation-aware features (textfeat FeaturesCharNeg
// and EmbedNeg) of the model being trained (models' "neg_aware" param).
var featNeg bool

// weights are float weights trained with AdaGrad.
type weights struct {
	n          int
	bits       uint
	w, gw      []float32
	d, gd      []float32
	b, gb      []float32
	lr, l2     float32
	denseScale float32
	// r, when set, scales hashed features per output (NB-SVM).
	r []float32
	// avgFrom >= 0 averages the weights of epochs avgFrom.. (Polyak).
	avgFrom int
	// l2f, when set, multiplies the L2 penalty per hashed feature.
	l2f []float32
}

func newWeights(bits uint, n, nd int, lr, l2 float64) *weights {
	size := (1 << bits) * n
	return &weights{
		n: n, bits: bits, lr: float32(lr), l2: float32(l2), denseScale: 1, avgFrom: -1,
		w: make([]float32, size), gw: make([]float32, size),
		d: make([]float32, nd*n), gd: make([]float32, nd*n),
		b: make([]float32, n), gb: make([]float32, n),
	}
}

func val(v *vec) float32 {
	n := len(v.f)
	if v.n > 0 {
		n = v.n
	}
	if n == 0 {
		return 0
	}
	return 1 / float32(math.Sqrt(float64(n)))
}

// pruneRare drops from the training vectors every hashed feature with
// fewer than minDF occurrences in them, a stand-in for a document-frequency
// cut-off: a feature repeated within a text counts each time, so this is
// not docFreq's count (the figures in docs/models.md were measured with
// occurrences). Their weights stay zero, so inference, which still sees
// them, ignores them; AdaGrad would otherwise give these rare features
// its largest steps. It returns the number of distinct features dropped.
func pruneRare(xs []vec, bits uint, minDF int) int {
	if minDF <= 1 {
		return 0
	}
	df := make([]uint32, 1<<bits)
	for i := range xs {
		for _, f := range xs[i].f {
			df[f]++
		}
	}
	dropped := 0
	for _, c := range df {
		if c > 0 && c < uint32(minDF) {
			dropped++
		}
	}
	for i := range xs {
		v := &xs[i]
		kept := v.f[:0:0]
		for _, f := range v.f {
			if df[f] >= uint32(minDF) {
				kept = append(kept, f)
			}
		}
		v.n = len(v.f)
		v.f = kept
	}
	return dropped
}

func (m *weights) logits(v *vec, out []float32) {
	n := m.n
	copy(out, m.b)
	xw, xc := vals(v)
	for i, f := range v.f {
		x := xc
		if i < v.nw {
			x = xw
		}
		row := m.w[int(f)*n : int(f)*n+n]
		if m.r != nil {
			r := m.r[int(f)*n : int(f)*n+n]
			for k, w := range row {
				out[k] += w * r[k] * x
			}
			continue
		}
		for k, w := range row {
			out[k] += w * x
		}
	}
	for j, dv := range v.d {
		if dv == 0 {
			continue
		}
		row := m.d[j*n : j*n+n]
		for k, w := range row {
			out[k] += w * dv
		}
	}
}

// nbScale sets NB-SVM style feature scaling (Wang and Manning 2012): each
// hashed feature's value for output k is multiplied by the log-count ratio
// of its presence in positive vs negative examples of k (smoothing alpha).
// The scaling folds into the exported weights (w*r), so inference is
// unchanged.
func (m *weights) nbScale(xs []vec, ys [][]int8, alpha float64) {
	n := m.n
	size := len(m.w)
	pc := make([]float32, size)
	nc := make([]float32, size)
	pt := make([]float64, n)
	nt := make([]float64, n)
	seen := map[uint32]bool{}
	for i := range xs {
		clear(seen)
		for _, f := range xs[i].f {
			if seen[f] {
				continue
			}
			seen[f] = true
			for k := range n {
				switch ys[i][k] {
				case pos:
					pc[int(f)*n+k]++
					pt[k]++
				case neg:
					nc[int(f)*n+k]++
					nt[k]++
				}
			}
		}
	}
	m.r = make([]float32, size)
	d := float64(size / n)
	for i := range m.r {
		k := i % n
		p := (float64(pc[i]) + alpha) / (pt[k] + alpha*d)
		q := (float64(nc[i]) + alpha) / (nt[k] + alpha*d)
		m.r[i] = float32(math.Log(p / q))
	}
}

// docFreq counts, for each hashed feature, the training texts it is in.
func docFreq(xs []vec, size int) []uint32 {
	df := make([]uint32, size)
	seen := map[uint32]bool{}
	for i := range xs {
		clear(seen)
		for _, f := range xs[i].f {
			if !seen[f] {
				seen[f] = true
				df[f]++
			}
		}
	}
	return df
}

// idfScale scales each hashed feature by its inverse document frequency
// on the training texts, log((N+1)/(df+1))+1 (scikit-learn's smooth idf),
// for every output. Like the NB scaling it folds into the exported
// weights, so inference is unchanged.
func (m *weights) idfScale(xs []vec) {
	n := m.n
	df := docFreq(xs, len(m.w)/n)
	m.r = make([]float32, len(m.w))
	for f, c := range df {
		idf := float32(math.Log(float64(len(xs)+1)/float64(c+1)) + 1)
		for k := range n {
			m.r[f*n+k] = idf
		}
	}
}

// idfNorm sets each vector's value to 1/sqrt(sum of idf^2) over its
// hashed features seen in training (df > 0), so that with idfScale the
// feature values are tf-idf normalized to unit L2 norm, as scikit-learn's
// TfidfVectorizer does (an experiment: inference uses 1/sqrt(count)).
func idfNorm(xs []vec, m *weights, df []uint32) {
	for i := range xs {
		var ss float64
		for _, f := range xs[i].f {
			if df[f] > 0 {
				idf := float64(m.r[int(f)*m.n])
				ss += idf * idf
			}
		}
		if ss > 0 {
			xs[i].s = float32(1 / math.Sqrt(ss))
		} else {
			xs[i].s = 0
		}
	}
}

// l2ByDF sets the per-feature L2 factor (N/df)^pow: the penalty is
// applied only when a feature occurs, so without it rare features are
// barely regularized compared with a batch objective (pow 1).
func (m *weights) l2ByDF(xs []vec, pow float64) {
	df := docFreq(xs, len(m.w)/m.n)
	m.l2f = make([]float32, len(df))
	for f, c := range df {
		if c > 0 {
			m.l2f[f] = float32(math.Pow(float64(len(xs))/float64(c), pow))
		}
	}
}

// floatLogits scores vectors with the float weights (no quantization;
// NB or idf scaling folded in, word-vector scale folded in).
func (m *weights) floatLogits(xs []vec) [][]float32 {
	f := *m
	f.w, f.r = m.exportW(), nil
	f.d = foldEmbScale(m.d, m.n)
	out := make([][]float32, len(xs))
	for i := range xs {
		out[i] = make([]float32, m.n)
		f.logits(&xs[i], out[i])
	}
	return out
}

// exportW returns the hashed weights with any NB scaling folded in.
func (m *weights) exportW() []float32 {
	if m.r == nil {
		return m.w
	}
	out := make([]float32, len(m.w))
	for i := range out {
		out[i] = m.w[i] * m.r[i]
	}
	return out
}

const adaEps = 1e-6

func (m *weights) update(v *vec, g []float32) {
	n := m.n
	xw, xc := vals(v)
	lr, l2 := m.lr, m.l2
	for j, f := range v.f {
		x := xc
		if j < v.nw {
			x = xw
		}
		base := int(f) * n
		for k, gk := range g {
			if gk == 0 {
				continue
			}
			i := base + k
			gx := gk * x
			if m.r != nil {
				gx *= m.r[i]
			}
			l2i := l2
			if m.l2f != nil {
				l2i *= m.l2f[f]
			}
			gr := gx + l2i*m.w[i]
			m.gw[i] += gr * gr
			m.w[i] -= lr * gr / float32(math.Sqrt(float64(m.gw[i])+adaEps))
		}
	}
	for j, dv := range v.d {
		if dv == 0 {
			continue
		}
		for k, gk := range g {
			if gk == 0 {
				continue
			}
			i := j*n + k
			gr := gk * dv
			m.gd[i] += gr * gr
			m.d[i] -= lr * gr / float32(math.Sqrt(float64(m.gd[i])+adaEps))
		}
	}
	for k, gk := range g {
		if gk == 0 {
			continue
		}
		m.gb[k] += gk * gk
		m.b[k] -= lr * gk / float32(math.Sqrt(float64(m.gb[k])+adaEps))
	}
}

func sigmoid32(z float32) float32 { return 1 / (1 + float32(math.Exp(float64(-z)))) }

// trainSigmoid trains independent logistic outputs; y values that are
// unknown contribute no gradient. sw weighs each example.
// average accumulates the current weights into sum (epoch averaging).
type average struct {
	w, d, b []float32
	n       int
}

func (a *average) add(m *weights) {
	if a.w == nil {
		a.w, a.d, a.b = make([]float32, len(m.w)), make([]float32, len(m.d)), make([]float32, len(m.b))
	}
	for i, v := range m.w {
		a.w[i] += v
	}
	for i, v := range m.d {
		a.d[i] += v
	}
	for i, v := range m.b {
		a.b[i] += v
	}
	a.n++
}

func (a *average) apply(m *weights) {
	if a.n == 0 {
		return
	}
	inv := 1 / float32(a.n)
	for i := range m.w {
		m.w[i] = a.w[i] * inv
	}
	for i := range m.d {
		m.d[i] = a.d[i] * inv
	}
	for i := range m.b {
		m.b[i] = a.b[i] * inv
	}
}

func trainSigmoid(m *weights, xs []vec, ys [][]int8, sw, pw []float32, epochs int, seed uint64) {
	var avg average
	defer func() {
		if m.avgFrom >= 0 {
			avg.apply(m)
		}
	}()
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	z := make([]float32, m.n)
	g := make([]float32, m.n)
	for ep := range epochs {
		r := rand.New(rand.NewPCG(seed, uint64(ep)))
		r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		for _, i := range idx {
			m.logits(&xs[i], z)
			for k := range g {
				switch ys[i][k] {
				case unknown:
					g[k] = 0
				case pos:
					g[k] = (sigmoid32(z[k]) - 1) * sw[i]
					if pw != nil {
						g[k] *= pw[k]
					}
				default:
					g[k] = sigmoid32(z[k]) * sw[i]
				}
			}
			m.update(&xs[i], g)
		}
		if m.avgFrom >= 0 && ep >= m.avgFrom {
			avg.add(m)
		}
	}
}

// trainSoftmax trains a multinomial model on classes cls, or on the target
// distribution soft[i] where soft is not nil and soft[i] is set; sw weighs
// each example.
func trainSoftmax(m *weights, xs []vec, cls []int, soft [][]float32, sw []float32, epochs int, seed uint64) {
	var avg average
	defer func() {
		if m.avgFrom >= 0 {
			avg.apply(m)
		}
	}()
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	z := make([]float32, m.n)
	g := make([]float32, m.n)
	for ep := range epochs {
		r := rand.New(rand.NewPCG(seed, uint64(ep)))
		r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		for _, i := range idx {
			m.logits(&xs[i], z)
			softmax32(z)
			for k := range g {
				t := float32(0)
				switch {
				case soft != nil && soft[i] != nil:
					t = soft[i][k]
				case k == cls[i]:
					t = 1
				}
				g[k] = (z[k] - t) * sw[i]
			}
			m.update(&xs[i], g)
		}
		if m.avgFrom >= 0 && ep >= m.avgFrom {
			avg.add(m)
		}
	}
}

func softmax32(z []float32) {
	mx := z[0]
	for _, v := range z[1:] {
		mx = max(mx, v)
	}
	var s float32
	for i, v := range z {
		z[i] = float32(math.Exp(float64(v - mx)))
		s += z[i]
	}
	for i := range z {
		z[i] /= s
	}
}
