package textfeat_test

import (
	"slices"
	"testing"

	"github.com/undertone/undertone/internal/textfeat"
)

// TestFeaturesCharNeg: without negChar it is FeaturesChar; with it, only
// the character n-grams of negated words change ids.
func TestFeaturesCharNeg(t *testing.T) {
	var d textfeat.Doc
	for _, s := range []string{"I don't hate it, really", "not bad at all", "great phone"} {
		d.Tokenize(s)
		n := len(d.Tokens)
		plain := slices.Clone(d.FeaturesChar(0, n, 18, 3, 4))
		if got := d.FeaturesCharNeg(0, n, 18, 3, 4, false); !slices.Equal(got, plain) {
			t.Errorf("%q: FeaturesCharNeg(false) differs from FeaturesChar", s)
		}
		neg := slices.Clone(d.FeaturesCharNeg(0, n, 18, 3, 4, true))
		if len(neg) != len(plain) {
			t.Fatalf("%q: %d features, want %d", s, len(neg), len(plain))
		}
		negated := false
		for i := range d.Tokens {
			negated = negated || d.Tokens[i].Flags&textfeat.FlagNeg != 0
		}
		if slices.Equal(neg, plain) == negated {
			t.Errorf("%q: negated words %v, ids changed %v", s, negated, !slices.Equal(neg, plain))
		}
	}
	// The n-grams of "bad" in "not bad" are not those of "bad".
	d.Tokenize("bad")
	bad := slices.Clone(d.FeaturesCharNeg(0, 1, 18, 3, 4, true))
	d.Tokenize("not bad")
	notBad := d.FeaturesCharNeg(0, 2, 18, 3, 4, true)
	shared := 0
	for _, id := range bad {
		if slices.Contains(notBad, id) {
			shared++
		}
	}
	if shared > 1 { // at most a hash collision
		t.Errorf("\"not bad\" shares %d of the %d ids of \"bad\"", shared, len(bad))
	}
}

// TestEmbedNeg: with skipNegators the negator itself leaves the mean.
func TestEmbedNeg(t *testing.T) {
	e, err := textfeat.WordVectors()
	if err != nil {
		t.Fatal(err)
	}
	var d textfeat.Doc
	d.Tokenize("not bad at all")
	out := make([]float32, textfeat.EmbedDim)
	if n := d.EmbedNeg(e, 0, len(d.Tokens), out, false); n != d.Embed(e, 0, len(d.Tokens), out) || n == 0 {
		t.Fatalf("EmbedNeg(false) averages %d words", n)
	}
	if n := d.EmbedNeg(e, 0, len(d.Tokens), out, true); n != 0 {
		t.Errorf("EmbedNeg(true) of %q averages %d words, want 0", "not bad at all", n)
	}
	if r := d.EmbedRowsNeg(e, 0, len(d.Tokens), nil, true); len(r) != 0 {
		t.Errorf("EmbedRowsNeg(true): %d rows, want 0", len(r))
	}
	d.Tokenize("never liked the screen")
	if a, b := d.EmbedNeg(e, 0, len(d.Tokens), out, true), len(d.EmbedRowsNeg(e, 0, len(d.Tokens), nil, true)); a != b {
		t.Errorf("EmbedNeg averages %d words, EmbedRowsNeg gives %d rows", a, b)
	}
}
