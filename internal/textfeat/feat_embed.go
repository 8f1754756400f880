package textfeat

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed" // word vectors
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Word vectors: the 40,000 most frequent lower-case words of the GloVe 6B
// 50-dimensional vectors (Pennington, Socher and Manning 2014, PDDL 1.0),
// int8-quantized. gen/glove_subset.py writes the file.
//
//go:embed glove50.bin.gz
var gloveFile []byte

// EmbedDim is the length of the vector Embed writes.
const EmbedDim = 50

// EmbedVersion changes whenever the embedded word vectors change; model
// versions include it.
const EmbedVersion = "glove6B50d-40k-nonneg"

// Embeddings maps token hashes to int8 word vectors. It is immutable and
// safe for concurrent use.
type Embeddings struct {
	keys  []uint64 // open addressing, 0 = empty
	rows  []int32
	mask  uint64
	vec   []int8 // rows of EmbedDim
	scale float32
}

// WordVectors returns the embedded word vectors (decoded once per process).
var WordVectors = sync.OnceValues(func() (*Embeddings, error) { return LoadEmbeddings(bytes.NewReader(gloveFile)) })

// LoadEmbeddings reads a word-vector file written by gen/glove_subset.py.
func LoadEmbeddings(r io.Reader) (*Embeddings, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("textfeat: embeddings: %w", err)
	}
	br := bufio.NewReader(zr)
	head := make([]byte, 7)
	if _, err := io.ReadFull(br, head); err != nil || string(head) != "UTEMB1\n" {
		return nil, errors.New("textfeat: not an embeddings file")
	}
	var hdr struct {
		N, Dim uint32
		Scale  float32
	}
	if err := binary.Read(br, binary.LittleEndian, &hdr); err != nil || hdr.Dim != EmbedDim || hdr.N == 0 || hdr.N > 1<<22 {
		return nil, errors.New("textfeat: bad embeddings header")
	}
	size := uint64(1)
	for size < uint64(hdr.N)*2 {
		size <<= 1
	}
	e := &Embeddings{keys: make([]uint64, size), rows: make([]int32, size), mask: size - 1,
		vec: make([]int8, int(hdr.N)*EmbedDim), scale: hdr.Scale}
	var word [256]byte
	for i := range int(hdr.N) {
		n, err := br.ReadByte()
		if err != nil {
			return nil, fmt.Errorf("textfeat: embeddings: %w", err)
		}
		if _, err := io.ReadFull(br, word[:n]); err != nil {
			return nil, fmt.Errorf("textfeat: embeddings: %w", err)
		}
		h := Hash(string(word[:n]))
		for j := h & e.mask; ; j = (j + 1) & e.mask {
			if e.keys[j] == 0 {
				e.keys[j], e.rows[j] = h, int32(i)
				break
			}
			if e.keys[j] == h {
				break // duplicate word: keep the more frequent one
			}
		}
	}
	if err := binary.Read(br, binary.LittleEndian, e.vec); err != nil {
		return nil, fmt.Errorf("textfeat: embeddings: %w", err)
	}
	return e, nil
}

// Len returns the number of words.
func (e *Embeddings) Len() int { return len(e.vec) / EmbedDim }

// row returns the vector index of token hash h, or -1.
func (e *Embeddings) row(h uint64) int {
	for j := h & e.mask; ; j = (j + 1) & e.mask {
		switch e.keys[j] {
		case h:
			return int(e.rows[j])
		case 0:
			return -1
		}
	}
}

// Embed writes into out (length EmbedDim) the mean word vector of the
// words [a, b) that have one, except words in a negation scope ("not
// bad": the vector of "bad" would pull the wrong way; the negated
// unigram features carry them), all zeros when none has, and returns how
// many words had a vector. It does not allocate.
func (d *Doc) Embed(e *Embeddings, a, b int, out []float32) int {
	return d.EmbedNeg(e, a, b, out, false)
}

// EmbedNeg is Embed; with skipNegators set, it also leaves out the
// negators themselves (not, never, n't ...), whose vectors lean negative
// and, in a short post like "not bad", would be the whole mean.
func (d *Doc) EmbedNeg(e *Embeddings, a, b int, out []float32, skipNegators bool) int {
	skip := FlagNeg
	if skipNegators {
		skip |= FlagNegator
	}
	var acc [EmbedDim]int32
	n := 0
	for i := a; i < b; i++ {
		t := &d.Tokens[i]
		if t.Flags&(FlagWord|skip) != FlagWord {
			continue
		}
		r := e.row(t.Hash)
		if r < 0 {
			continue
		}
		v := e.vec[r*EmbedDim : r*EmbedDim+EmbedDim]
		for k := range acc {
			acc[k] += int32(v[k])
		}
		n++
	}
	out = out[:EmbedDim]
	if n == 0 {
		clear(out)
		return 0
	}
	s := e.scale / float32(n)
	for k, v := range acc {
		out[k] = float32(v) * s
	}
	return n
}

// Projection is the word vectors multiplied by a linear model's weights
// for the Embed features: each word's contribution to the model's outputs,
// so scoring adds NOut numbers per word instead of EmbedDim, and skips
// the EmbedDim x NOut product. It is immutable and safe for concurrent use.
type Projection struct {
	n    int
	rows []float32 // Len() rows of n
}

// Project returns the projection of the word vectors through w, EmbedDim
// rows of n weights (row d: the weights of Embed feature d).
func (e *Embeddings) Project(w []float32, n int) *Projection {
	p := &Projection{n: n, rows: make([]float32, e.Len()*n)}
	for r := range e.Len() {
		v := e.vec[r*EmbedDim : r*EmbedDim+EmbedDim]
		out := p.rows[r*n : r*n+n]
		for d, x := range v {
			if x == 0 {
				continue
			}
			xs := float32(x) * e.scale
			for k, wk := range w[d*n : d*n+n] {
				out[k] += xs * wk
			}
		}
	}
	return p
}

// EmbedRows appends to dst the word-vector rows of the words [a, b) that
// Embed averages (for Projection.AddLogits) and returns the extended slice.
func (d *Doc) EmbedRows(e *Embeddings, a, b int, dst []int32) []int32 {
	return d.EmbedRowsNeg(e, a, b, dst, false)
}

// EmbedRowsNeg is EmbedRows for the words EmbedNeg averages.
func (d *Doc) EmbedRowsNeg(e *Embeddings, a, b int, dst []int32, skipNegators bool) []int32 {
	skip := FlagNeg
	if skipNegators {
		skip |= FlagNegator
	}
	for i := a; i < b; i++ {
		t := &d.Tokens[i]
		if t.Flags&(FlagWord|skip) != FlagWord {
			continue
		}
		if r := e.row(t.Hash); r >= 0 {
			dst = append(dst, int32(r))
		}
	}
	return dst
}

// AddLogits adds to out (length n of Project) what the mean word vector of
// the words with rows (from EmbedRows; as Embed computes it) contributes
// to the logits of the model p was projected through. It does not
// allocate.
func (p *Projection) AddLogits(rows []int32, out []float32) {
	if len(rows) == 0 {
		return
	}
	n := p.n
	out = out[:n]
	inv := 1 / float32(len(rows))
	var acc [64]float32
	if n > len(acc) {
		panic("textfeat: projection wider than 64 outputs")
	}
	for _, r := range rows {
		for k, v := range p.rows[int(r)*n : int(r)*n+n] {
			acc[k] += v
		}
	}
	for k := range out {
		out[k] += acc[k] * inv
	}
}
