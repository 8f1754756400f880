package enrichtest

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/undertone/undertone/enrich"
	"github.com/undertone/undertone/post"
)

// Run is the conformance suite every enricher runs from its own tests:
//
//	func TestConformance(t *testing.T) {
//		enrichtest.Run(t, func(t testing.TB) enrich.Enricher { ... })
//	}
//
// It checks the name and version, empty batches, determinism, concurrent
// use (run it with -race), prompt return on a cancelled context, a 1 MB
// post, odd input (empty, emoji-only, invalid UTF-8) and the output
// invariants of the enriched-post contract (offsets inside the text,
// labels from the fixed sets, no nil collections).
func Run(t *testing.T, newEnricher func(t testing.TB) enrich.Enricher) {
	t.Helper()
	e := newEnricher(t)
	t.Run("name and version", func(t *testing.T) {
		if e.Name() == "" || strings.ContainsAny(e.Name(), " .") {
			t.Errorf("Name() = %q: want a non-empty identifier without spaces or dots", e.Name())
		}
		if e.Version() == "" {
			t.Error("Version() is empty")
		}
	})
	t.Run("empty batch", func(t *testing.T) {
		if err := e.Enrich(t.Context(), nil); err != nil {
			t.Errorf("Enrich(nil) = %v", err)
		}
		if err := e.Enrich(t.Context(), []post.Enriched{}); err != nil {
			t.Errorf("Enrich(empty) = %v", err)
		}
	})
	t.Run("fixtures and invariants", func(t *testing.T) {
		b := Batch(len(Fixtures))
		if err := e.Enrich(t.Context(), b); err != nil {
			t.Fatalf("Enrich = %v", err)
		}
		for i := range b {
			CheckInvariants(t, &b[i])
		}
	})
	t.Run("deterministic", func(t *testing.T) {
		a, b := Batch(3*len(Fixtures)), Batch(3*len(Fixtures))
		if err := e.Enrich(t.Context(), a); err != nil {
			t.Fatal(err)
		}
		if err := newEnricher(t).Enrich(t.Context(), b); err != nil {
			t.Fatal(err)
		}
		if ja, jb := mustJSON(t, a), mustJSON(t, b); ja != jb {
			t.Errorf("two runs differ:\n%s\n%s", ja, jb)
		}
	})
	t.Run("concurrent use", func(t *testing.T) {
		want := Batch(4 * len(Fixtures))
		if err := e.Enrich(t.Context(), want); err != nil {
			t.Fatal(err)
		}
		wantJSON := mustJSON(t, want)
		var wg sync.WaitGroup
		got := make([]string, 4)
		for g := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b := Batch(4 * len(Fixtures))
				if err := e.Enrich(context.Background(), b); err != nil {
					t.Error(err)
					return
				}
				got[g] = mustJSON(t, b)
			}()
		}
		wg.Wait()
		for g, j := range got {
			if j != wantJSON {
				t.Errorf("goroutine %d: concurrent result differs from sequential", g)
			}
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		b := Batch(20000)
		err := e.Enrich(ctx, b)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Enrich(cancelled ctx, 20000 posts) = %v, want context.Canceled", err)
		}
	})
	t.Run("huge post", func(t *testing.T) {
		var sb strings.Builder
		for sb.Len() < 1<<20 {
			sb.WriteString("My Acme Phone is worse than Beta Mobile, I'm cancelling! Jane flew to Paris. 😡 ")
		}
		b := Batch(1)
		b[0].Text = sb.String()
		if err := e.Enrich(t.Context(), b); err != nil {
			t.Fatalf("Enrich(1 MB post) = %v", err)
		}
		CheckInvariants(t, &b[0])
	})
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// CheckInvariants reports violations of the enriched-post contract in p.
func CheckInvariants(t testing.TB, p *post.Enriched) {
	t.Helper()
	n := utf8.RuneCountInString(p.Text)
	runes := []rune(p.Text)
	if p.Emotions == nil || p.EmotionLabels == nil || p.Ekman == nil || p.Themes == nil ||
		p.Entities == nil || p.Topics == nil || p.Intents == nil || p.Enrichers == nil {
		t.Errorf("post %s: a collection is nil (the JSON contract never carries null)", p.ID)
	}
	if p.Sentiment.Score < -1 || p.Sentiment.Score > 1 {
		t.Errorf("post %s: sentiment score %v outside [-1, 1]", p.ID, p.Sentiment.Score)
	}
	switch p.Sentiment.Label {
	case post.LabelNegative, post.LabelNeutral, post.LabelPositive:
	default:
		t.Errorf("post %s: sentiment label %q", p.ID, p.Sentiment.Label)
	}
	for k, v := range p.Emotions {
		if post.EmotionIndex(k) < 0 || v < 0 || v > 1 {
			t.Errorf("post %s: emotion %q = %v", p.ID, k, v)
		}
	}
	for _, l := range p.EmotionLabels {
		if post.EmotionIndex(l) < 0 {
			t.Errorf("post %s: emotion label %q", p.ID, l)
		}
	}
	for _, th := range p.Themes {
		if !slices.Contains(post.Themes[:], th) {
			t.Errorf("post %s: theme %q", p.ID, th)
		}
	}
	for _, in := range p.Intents {
		if !slices.Contains(post.Intents[:], in) {
			t.Errorf("post %s: intent %q", p.ID, in)
		}
	}
	last := 0
	for _, en := range p.Entities {
		if en.Start < last || en.End <= en.Start || en.End > n {
			t.Errorf("post %s: entity %+v: offsets outside the text (%d runes) or overlapping", p.ID, en, n)
			continue
		}
		last = en.End
		if en.Type == "PERSON" {
			continue
		}
		if got := string(runes[en.Start:en.End]); got != en.Text && utf8.ValidString(p.Text) {
			t.Errorf("post %s: entity %+v: text at offsets is %q", p.ID, en, got)
		}
		if en.Canonical == "" || en.Type == "" {
			t.Errorf("post %s: entity %+v: canonical and type are required", p.ID, en)
		}
	}
	for _, th := range p.Topics {
		if th.ID == "" || th.Themes == nil || th.Sentiment < -1 || th.Sentiment > 1 {
			t.Errorf("post %s: topic %+v", p.ID, th)
		}
		for _, sp := range th.Spans {
			if sp.Start < 0 || sp.End <= sp.Start || sp.End > n {
				t.Errorf("post %s: topic %s span %+v outside the text (%d runes)", p.ID, th.ID, sp, n)
			}
		}
	}
}
