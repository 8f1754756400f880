package sentiment_test

import (
	"testing"

	"github.com/undertone/undertone/post"
)

// TestNegationTable pins the sign of the classic negation cases, so a
// retrained model (or a feature change) that lets the word vectors or the
// n-gram weights of a negated word override the negation fails here rather
// than silently. want: "neg" = labelled negative with a score < 0; "pos" =
// labelled positive; "notneg" = not labelled negative (neutral or
// positive; since the score follows the label's band, sentiment.Band, this
// is also score >= -0.2). known marks cases the model still gets wrong
// (docs/models.md, known limits): they are logged, not asserted, so fixing
// them shows in -v output. "not bad at all" and "no problems so far" were
// labelled negative with a score near 0 before the score followed the
// label (2026-11-28); the class offsets tuned for macro recall favour the
// negative class on such near-zero posts.
func TestNegationTable(t *testing.T) {
	e := newEnricher(t)
	cases := []struct {
		text, want string
		known      bool
	}{
		{"not bad at all", "notneg", true},
		{"I don't hate it", "notneg", true},
		{"never disappointed", "pos", false},
		{"I can't complain", "notneg", false},
		{"no problems so far", "notneg", true},
		{"not terrible", "notneg", false},
		{"not worried at all", "notneg", false},
		{"Not bad at all, the Acme Buds are actually good", "pos", false},
		{"not great but ok", "notneg", true},
		{"not good", "neg", false},
		{"not happy", "neg", false},
		{"I don't like it", "neg", false},
		{"never again", "neg", false},
		{"this is not what I ordered", "neg", false},
		{"I hate it", "neg", false},
		{"I love it", "pos", false},
		// Sarcasm (enrichtest fixtures): not modelled, see docs/models.md.
		{"Oh great, my AcmePhone died again. Best phone ever. 🙄", "neg", true},
	}
	for _, c := range cases {
		s := score(t, e, c.text)
		ok := false
		switch c.want {
		case "neg":
			ok = s.Label == post.LabelNegative && s.Score < 0
		case "pos":
			ok = s.Label == post.LabelPositive && s.Score > 0
		case "notneg":
			ok = s.Label != post.LabelNegative
		}
		switch {
		case ok:
			t.Logf("ok    %-50q %+.3f %s", c.text, s.Score, s.Label)
		case c.known:
			t.Logf("known %-50q %+.3f %s (want %s)", c.text, s.Score, s.Label, c.want)
		default:
			t.Errorf("%q: score %+.3f label %s, want %s", c.text, s.Score, s.Label, c.want)
		}
	}
}
