package ingest_test

import (
	"encoding/json"
	"testing"

	"github.com/undertone/undertone/ingest"
	"github.com/undertone/undertone/post"
)

// TestDetectLangOnGenerated measures detection against the language the
// generator wrote (only records that carry a lang field).
func TestDetectLangOnGenerated(t *testing.T) {
	total, right := map[string]int{}, map[string]int{}
	for _, l := range generatedLines(t, 20000) {
		var p post.Post
		if err := json.Unmarshal(l, &p); err != nil {
			t.Fatal(err)
		}
		if p.Lang == "" {
			continue
		}
		total[p.Lang]++
		if got := ingest.DetectLang(ingest.NormalizeText(p.Text)); got == p.Lang {
			right[p.Lang]++
		}
	}
	for lang, n := range total {
		acc := float64(right[lang]) / float64(n)
		t.Logf("%s: %d/%d detected (%.1f%%)", lang, right[lang], n, 100*acc)
		min := 0.8
		if lang == "en" {
			min = 0.97
		}
		if acc < min {
			t.Errorf("%s accuracy %.3f < %.2f", lang, acc, min)
		}
	}
}

func TestDetectLangShortAndEmpty(t *testing.T) {
	for in, want := range map[string]string{
		"":                              "und",
		"😀😀😀":                           "und",
		"12345 678":                     "und",
		"lol the Acme Phone is so good": "en",
	} {
		if got := ingest.DetectLang(in); got != want {
			t.Errorf("DetectLang(%q) = %q, want %q", in, got, want)
		}
	}
}
