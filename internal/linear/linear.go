// Package linear holds Undertone's compact linear text models: hashed
// sparse features plus a few dense features, weights quantized to int8 per
// output, stored gzip-compressed so the binary can embed them.
//
// A Model is immutable after Load and safe for concurrent use.
package linear

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
)

const magic = "UTLIN1\n"

// MaxOutputs bounds the number of outputs (so scoring can use stack arrays).
const MaxOutputs = 64

// Meta describes a model. It is stored as JSON in the model file.
type Meta struct {
	// Name is the model's name (sentiment, emotion).
	Name string `json:"name"`
	// Version changes whenever the model is retrained or its features change.
	Version string `json:"version"`
	// Bits is log2 of the number of hashed feature buckets.
	Bits uint `json:"bits"`
	// Outputs names the outputs in order.
	Outputs []string `json:"outputs"`
	// Dense is the number of dense features.
	Dense int `json:"dense"`
	// Kind is "sigmoid" (independent outputs) or "softmax".
	Kind string `json:"kind"`
	// Thresholds are per-output decision thresholds on calibrated
	// probabilities (sigmoid models), tuned on dev data.
	Thresholds []float64 `json:"thresholds,omitempty"`
	// CalA and CalB are per-output Platt calibration parameters:
	// p = 1/(1+exp(-(CalA*z + CalB))) for logit z. Empty means identity.
	CalA []float64 `json:"cal_a,omitempty"`
	CalB []float64 `json:"cal_b,omitempty"`
	// Params holds scalar settings used at inference (label cut-offs ...).
	Params map[string]float64 `json:"params,omitempty"`
	// Metrics is a snapshot of the dev metrics at training time.
	Metrics map[string]float64 `json:"metrics,omitempty"`
	// Train records the training settings, for the model card.
	Train map[string]any `json:"train,omitempty"`
}

// Model is a quantized linear model.
type Model struct {
	Meta
	// packed holds the int8 weights of each hashed feature, offset by 128
	// to bytes and packed 8 to a word: (1<<Bits) rows of stride words,
	// byte k%8 of word k/8 for output k. Logits adds 8 weights per word
	// add (SWAR, 16-bit lanes).
	packed []uint64
	stride int
	scale  []float32 // per output
	dense  []float32 // Dense rows of len(Outputs)
	bias   []float32
}

// pack builds m.packed from int8 weights w ((1<<Bits) rows of NOut).
func (m *Model) pack(w []int8) {
	n := len(m.Outputs)
	m.stride = (n + 7) / 8
	rows := len(w) / n
	m.packed = make([]uint64, rows*m.stride)
	for r := range rows {
		for k, v := range w[r*n : r*n+n] {
			m.packed[r*m.stride+k/8] |= uint64(uint8(int(v)+128)) << (8 * (k % 8))
		}
	}
}

// unpack returns the int8 weights ((1<<Bits) rows of NOut).
func (m *Model) unpack() []int8 {
	n := len(m.Outputs)
	rows := len(m.packed) / m.stride
	w := make([]int8, rows*n)
	for r := range rows {
		for k := range n {
			b := uint8(m.packed[r*m.stride+k/8] >> (8 * (k % 8)))
			w[r*n+k] = int8(int(b) - 128)
		}
	}
	return w
}

// NOut returns the number of outputs.
func (m *Model) NOut() int { return len(m.Outputs) }

// Logits computes the raw scores of the outputs for hashed features feats
// (each with value 1/sqrt(len(feats))) and dense features into out, which
// must have length NOut. It does not allocate.
func (m *Model) Logits(feats []uint32, dense []float32, out []float32) {
	n := len(m.Outputs)
	var acc [MaxOutputs]int32
	m.sumRows(feats, &acc)
	val := float32(0)
	if len(feats) > 0 {
		val = 1 / float32(math.Sqrt(float64(len(feats))))
	}
	for k := range n {
		out[k] = float32(acc[k])*m.scale[k]*val + m.bias[k]
	}
	for j := 0; j < m.Dense && j < len(dense); j++ {
		x := dense[j]
		if x == 0 {
			continue
		}
		row := m.dense[j*n : j*n+n]
		for k, v := range row {
			out[k] += x * v
		}
	}
}

const lanes = 0x00FF00FF00FF00FF

// sumRows adds the int8 weight rows of feats into acc. Each packed word
// holds 8 biased weights (byte = weight+128); even and odd bytes are
// summed in 16-bit lanes of two accumulators, flushed every 256 rows
// (256*255 < 1<<16), and the bias is subtracted at the end.
func (m *Model) sumRows(feats []uint32, acc *[MaxOutputs]int32) {
	st := m.stride
	mask := uint32(1)<<m.Bits - 1
	var even, odd [MaxOutputs / 8]uint64
	flush := func() {
		for j := range st {
			e, o := even[j], odd[j]
			for l := range 4 {
				acc[j*8+2*l] += int32(uint16(e >> (16 * l)))
				acc[j*8+2*l+1] += int32(uint16(o >> (16 * l)))
			}
			even[j], odd[j] = 0, 0
		}
	}
	for len(feats) > 0 {
		chunk := feats[:min(len(feats), 256)]
		feats = feats[len(chunk):]
		switch st {
		case 1:
			var e, o uint64
			for _, f := range chunk {
				x := m.packed[int(f&mask)]
				e += x & lanes
				o += (x >> 8) & lanes
			}
			even[0], odd[0] = e, o
		case 5:
			var e0, e1, e2, e3, e4, o0, o1, o2, o3, o4 uint64
			for _, f := range chunk {
				i := int(f&mask) * 5
				r := m.packed[i : i+5 : i+5]
				e0 += r[0] & lanes
				o0 += (r[0] >> 8) & lanes
				e1 += r[1] & lanes
				o1 += (r[1] >> 8) & lanes
				e2 += r[2] & lanes
				o2 += (r[2] >> 8) & lanes
				e3 += r[3] & lanes
				o3 += (r[3] >> 8) & lanes
				e4 += r[4] & lanes
				o4 += (r[4] >> 8) & lanes
			}
			even[0], even[1], even[2], even[3], even[4] = e0, e1, e2, e3, e4
			odd[0], odd[1], odd[2], odd[3], odd[4] = o0, o1, o2, o3, o4
		default:
			for _, f := range chunk {
				row := m.packed[int(f&mask)*st : int(f&mask)*st+st]
				for j, x := range row {
					even[j] += x & lanes
					odd[j] += (x >> 8) & lanes
				}
			}
		}
		flush()
		for k := range len(m.Outputs) {
			acc[k] -= 128 * int32(len(chunk))
		}
	}
}

// DenseRows returns a copy of the weights of dense features [from, to):
// to-from rows of NOut.
func (m *Model) DenseRows(from, to int) []float32 {
	n := len(m.Outputs)
	return append([]float32(nil), m.dense[from*n:to*n]...)
}

// Sigmoid returns 1/(1+e^-z).
func Sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// Prob returns the calibrated probability of output k for logit z (sigmoid
// models).
func (m *Model) Prob(k int, z float32) float64 {
	x := float64(z)
	if len(m.CalA) == len(m.Outputs) {
		x = m.CalA[k]*x + m.CalB[k]
	}
	return Sigmoid(x)
}

// Softmax turns logits into probabilities in place.
func Softmax(z []float32) {
	mx := z[0]
	for _, v := range z[1:] {
		mx = max(mx, v)
	}
	var s float32
	for i, v := range z {
		e := float32(math.Exp(float64(v - mx)))
		z[i] = e
		s += e
	}
	for i := range z {
		z[i] /= s
	}
}

// New quantizes float weights into a Model. w has (1<<meta.Bits)*n entries,
// dense has meta.Dense*n, bias n.
func New(meta Meta, w, dense, bias []float32) (*Model, error) {
	n := len(meta.Outputs)
	if n == 0 || n > MaxOutputs {
		return nil, fmt.Errorf("linear: %d outputs, want 1..%d", n, MaxOutputs)
	}
	if len(w) != (1<<meta.Bits)*n || len(dense) != meta.Dense*n || len(bias) != n {
		return nil, errors.New("linear: weight sizes do not match meta")
	}
	m := &Model{Meta: meta, scale: make([]float32, n),
		dense: append([]float32(nil), dense...), bias: append([]float32(nil), bias...)}
	q8 := make([]int8, len(w))
	for k := range n {
		var mx float32
		for i := k; i < len(w); i += n {
			mx = max(mx, float32(math.Abs(float64(w[i]))))
		}
		if mx == 0 {
			mx = 1
		}
		m.scale[k] = mx / 127
	}
	for i, v := range w {
		q := math.Round(float64(v / m.scale[i%n]))
		q8[i] = int8(max(-127, min(127, q)))
	}
	m.pack(q8)
	return m, nil
}

// Write stores the model gzip-compressed.
func (m *Model) Write(w io.Writer) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	meta, err := json.Marshal(m.Meta)
	if err != nil {
		return fmt.Errorf("linear: encode meta: %w", err)
	}
	bw := bufio.NewWriter(zw)
	bw.WriteString(magic)
	for _, v := range []any{uint32(len(meta)), meta, m.scale, m.bias, m.dense, m.unpack()} {
		if err := binary.Write(bw, binary.LittleEndian, v); err != nil {
			return fmt.Errorf("linear: write: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("linear: write: %w", err)
	}
	return zw.Close()
}

// Load reads a model written by Write.
func Load(r io.Reader) (*Model, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("linear: %w", err)
	}
	br := bufio.NewReader(zr)
	head := make([]byte, len(magic))
	if _, err := io.ReadFull(br, head); err != nil || string(head) != magic {
		return nil, errors.New("linear: not a model file")
	}
	var n32 uint32
	if err := binary.Read(br, binary.LittleEndian, &n32); err != nil || n32 > 1<<24 {
		return nil, errors.New("linear: bad meta length")
	}
	raw := make([]byte, n32)
	if _, err := io.ReadFull(br, raw); err != nil {
		return nil, fmt.Errorf("linear: read meta: %w", err)
	}
	m := &Model{}
	if err := json.Unmarshal(raw, &m.Meta); err != nil {
		return nil, fmt.Errorf("linear: decode meta: %w", err)
	}
	n := len(m.Outputs)
	if n == 0 || n > MaxOutputs || m.Bits < 4 || m.Bits > 26 || m.Dense < 0 || m.Dense > 1024 {
		return nil, errors.New("linear: bad meta")
	}
	m.scale = make([]float32, n)
	m.bias = make([]float32, n)
	m.dense = make([]float32, m.Dense*n)
	w := make([]int8, (1<<m.Bits)*n)
	for _, v := range []any{m.scale, m.bias, m.dense, w} {
		if err := binary.Read(br, binary.LittleEndian, v); err != nil {
			return nil, fmt.Errorf("linear: read weights: %w", err)
		}
	}
	m.pack(w)
	return m, nil
}
