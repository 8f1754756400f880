package textfeat

import (
	"context"
	"slices"
	"unsafe"
)

// Shared holds one tokenized Doc per post of a batch, so enrichers that
// tokenize the same text (sentiment and emotion) do it once per post and
// also share the Doc's character n-gram cache. The enrichment chain puts a
// Shared in the context of each call (WithShared); an enricher asks for a
// post's Doc with DocOf. A Shared is not safe for concurrent use.
type Shared struct {
	docs  []Doc
	texts []string
	done  []bool
}

type sharedKey struct{}

// WithShared returns ctx carrying s, reset for a batch of n posts.
func WithShared(ctx context.Context, s *Shared, n int) context.Context {
	s.Reset(n)
	return context.WithValue(ctx, sharedKey{}, s)
}

// Reset empties s for a batch of n posts (keeping the Docs' buffers).
func (s *Shared) Reset(n int) {
	clear(s.texts)
	s.texts = slices.Grow(s.texts[:0], n)[:n]
	s.done = slices.Grow(s.done[:0], n)[:n]
	clear(s.done)
	if len(s.docs) < n {
		s.docs = append(s.docs, make([]Doc, n-len(s.docs))...)
	}
}

// DocOf returns text tokenized, where text is the text of post i of the
// batch the chain is running: the shared Doc from ctx (tokenized on first
// use), or own tokenized when ctx has none or post i is not this text (a
// one-post retry). Features taken from the returned Doc are valid until
// the next call on it, as usual; its tokens must not be modified.
func DocOf(ctx context.Context, i int, text string, own *Doc) *Doc {
	s, _ := ctx.Value(sharedKey{}).(*Shared)
	if s == nil || i < 0 || i >= len(s.done) || s.done[i] && !sameString(s.texts[i], text) {
		own.Tokenize(text)
		return own
	}
	d := &s.docs[i]
	if !s.done[i] {
		d.Tokenize(text)
		s.texts[i] = text
		s.done[i] = true
	}
	return d
}

// sameString reports whether a and b are the same string in memory.
func sameString(a, b string) bool {
	return len(a) == len(b) && (len(a) == 0 || unsafe.StringData(a) == unsafe.StringData(b))
}
