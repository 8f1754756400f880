package ingest

import (
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// TestNormalizeFastPaths checks that the already-normal shortcuts of
// NormalizeText return exactly what the full pass returns.
func TestNormalizeFastPaths(t *testing.T) {
	pieces := []string{"a", "B", " ", "  ", "\t", "\n", "\r\n", "\r", "\u00a0", "\u3000", "\u200b", "\u200d", "\u00ad",
		"\u2028", "\u0085", "\x7f", "\x01", "é", "e\u0301", "😀", "👍🏽", "\ufffd", "日本", "x.y", "!", "\ufeff", "\u202e"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		var sb strings.Builder
		for k := rng.IntN(10); k >= 0; k-- {
			sb.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := sb.String()
		if got, want := NormalizeText(s), normalizeSlow(norm.NFC.String(s)); got != want {
			t.Fatalf("NormalizeText(%q) = %q, full pass %q", s, got, want)
		}
	}
}
