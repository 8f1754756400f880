package sentiment

import "github.com/undertone/undertone/internal/linear"

// SetScoreMix sets the model's share of the score (ScoreMix) of e; the human
// ratings test reports the fit over a grid of values.
func SetScoreMix(e *Enricher, mix float64) { e.mix = mix }

// ClassScore is the score before 2026-11-28: P(pos) - P(neg) of text after
// the offsets.
func ClassScore(e *Enricher, text string) float64 {
	s := new(scratch)
	s.doc.Tokenize(text)
	n := len(s.doc.Tokens)
	f := s.doc.FeaturesCharNeg(0, n, e.m.Bits, e.f.Set.CharMin, e.f.Set.CharMax, e.f.Set.Neg)
	s.doc.Dense(0, n, s.dense[:])
	if e.f.Emb != nil {
		s.rows = s.doc.EmbedRowsNeg(e.f.Emb, 0, n, s.rows, e.f.Set.Neg)
	}
	e.m.Logits(f, s.dense[:], s.z[:])
	if e.f.Proj != nil {
		e.f.Proj.AddLogits(s.rows, s.z[:])
	}
	s.z[0] += float32(e.biasNeg)
	s.z[2] += float32(e.biasPos)
	linear.Softmax(s.z[:])
	return float64(s.z[2] - s.z[0])
}
