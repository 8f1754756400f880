// Package enrichtest holds fakes for code that uses enrichers and the
// conformance suite every enricher runs (Run).
package enrichtest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/undertone/undertone/post"
)

// Func is an enricher made of a function, for tests of the chain and the
// stages. It is as safe for concurrent use as fn.
type Func struct {
	N  string
	V  string
	Fn func(ctx context.Context, batch []post.Enriched) error
}

// Name implements enrich.Enricher.
func (f Func) Name() string { return f.N }

// Version implements enrich.Enricher.
func (f Func) Version() string {
	if f.V == "" {
		return "test"
	}
	return f.V
}

// Enrich implements enrich.Enricher.
func (f Func) Enrich(ctx context.Context, batch []post.Enriched) error {
	if f.Fn == nil {
		return ctx.Err()
	}
	return f.Fn(ctx, batch)
}

// FailWhen returns an enricher that records a failure on every post whose
// text contains substr and leaves the others alone.
func FailWhen(name, substr string) Func {
	return Func{N: name, Fn: func(ctx context.Context, batch []post.Enriched) error {
		for i := range batch {
			if strings.Contains(batch[i].Text, substr) {
				batch[i].Fail(name, fmt.Errorf("text contains %q", substr))
			}
		}
		return ctx.Err()
	}}
}

// PanicWhen returns an enricher that panics on posts whose text contains
// substr and appends intent "question" to the others.
func PanicWhen(name, substr string) Func {
	return Func{N: name, Fn: func(ctx context.Context, batch []post.Enriched) error {
		for i := range batch {
			if strings.Contains(batch[i].Text, substr) {
				panic("boom: " + substr)
			}
		}
		for i := range batch {
			batch[i].Intents = append(batch[i].Intents, "question")
		}
		return nil
	}}
}

// ErrDown is returned by Down enrichers.
var ErrDown = errors.New("dependency down")

// Down returns an enricher that fails whole batches with ErrDown.
func Down(name string) Func {
	return Func{N: name, Fn: func(context.Context, []post.Enriched) error { return ErrDown }}
}

// Sink is an in-memory sink of enriched posts, safe for concurrent use.
// Fail, when set, is returned by the next Write calls.
type Sink struct {
	mu    sync.Mutex
	posts []post.Enriched
	Fail  error
}

// Write records batch (copied) unless Fail is set.
func (s *Sink) Write(_ context.Context, batch []post.Enriched) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Fail != nil {
		return s.Fail
	}
	s.posts = append(s.posts, batch...)
	return nil
}

// Posts returns a copy of what was written.
func (s *Sink) Posts() []post.Enriched {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]post.Enriched(nil), s.posts...)
}

// Fixtures are short varied texts (negation, sarcasm, emoji, several
// brands, non-English, empty, invalid UTF-8) used by the conformance suite.
var Fixtures = []string{
	"I love my Acme Phone but I'm scared of Beta's battery",
	"Not bad at all, the Acme Buds are actually good",
	"Oh great, my AcmePhone died again. Best phone ever. 🙄",
	"😡😡😡",
	"",
	"Mi Acme Phone no funciona desde ayer",
	"How do I cancel my Nimbus Bank account?",
	"Orbit Air lost my luggage in London, never again",
	"Zenith Coffee is better than the place next door ☕",
	"[PERSON] told me the Acme phone 12 is worse than Beta Mobile",
	"bad utf8 \xff\xfe here acme",
	"ACME ACME ACME",
	"   \n\t  ",
}

// Batch returns n posts cycling through Fixtures, as NewEnriched builds
// them (ids p0, p1, ...).
func Batch(n int) []post.Enriched {
	out := make([]post.Enriched, n)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range out {
		out[i] = post.NewEnriched(post.Clean{
			PostID: fmt.Sprintf("pid%d", i), ID: fmt.Sprintf("p%d", i), Source: "test",
			CreatedAt: t0.Add(time.Duration(i) * time.Minute), Lang: "en",
			Text: Fixtures[i%len(Fixtures)],
		})
	}
	return out
}
