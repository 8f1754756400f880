package postfeat

import (
	"slices"
	"strings"
	"testing"

	"github.com/undertone/undertone/internal/textfeat"
	"github.com/undertone/undertone/post"
)

func batchOf(texts ...string) []post.Enriched {
	b := make([]post.Enriched, len(texts))
	for i, s := range texts {
		b[i] = post.NewEnriched(post.Clean{Text: s})
	}
	return b
}

func TestShareBetweenTwoKinds(t *testing.T) {
	set := Settings{Bits: 18, CharMin: 3, CharMax: 4, Embed: true}
	emb, err := textfeat.WordVectors()
	if err != nil {
		t.Fatal(err)
	}
	Register("a", set)
	Register("b", set)
	t.Cleanup(func() { registered.Delete("a"); registered.Delete("b"); sharing.Store(false) })
	batch := batchOf("I love my new phone!!", "worried that the price goes up", "")
	var doc textfeat.Doc

	// First enricher: computes every post.
	fb, from := Acquire(batch, set)
	if from {
		t.Fatal("first enricher got a shared batch")
	}
	want := make([][]uint32, len(batch))
	for i := range batch {
		p, tok := fb.Post(i, batch[i].Text, &doc, emb)
		if !tok {
			t.Fatalf("post %d: not tokenized on first use", i)
		}
		want[i] = slices.Clone(p.Feats)
		if i == 1 && !p.Fear {
			t.Error("post 1: fear cue lost")
		}
		if i == 0 && len(p.Rows) == 0 {
			t.Error("post 0: no word-vector rows")
		}
	}
	Release(batch, fb, from)

	// Second enricher: reuses them, except for a post whose text changed.
	batch[1].Text = strings.Clone(batch[1].Text) // equal, but another string: recomputed
	fb2, from2 := Acquire(batch, set)
	if !from2 || fb2 != fb {
		t.Fatal("second enricher did not get the first one's batch")
	}
	for i := range batch {
		p, tok := fb2.Post(i, batch[i].Text, &doc, emb)
		if wantTok := i != 0; tok != wantTok {
			t.Errorf("post %d: tokenized %v, want %v", i, tok, wantTok)
		}
		if !slices.Equal(p.Feats, want[i]) {
			t.Errorf("post %d: features differ", i)
		}
	}
	Release(batch, fb2, from2)
	if _, ok := pending.Load(&batch[0]); ok {
		t.Error("a consumed batch is still pending")
	}

	// Other settings never share.
	other := set
	other.Bits = 16
	fb3, _ := Acquire(batch, set)
	Release(batch, fb3, false)
	if _, from := Acquire(batch, other); from {
		t.Error("a batch computed with other settings was shared")
	}
}

func TestPendingIsBounded(t *testing.T) {
	set := Settings{Bits: 12}
	Register("x", set)
	Register("y", set)
	t.Cleanup(func() { registered.Delete("x"); registered.Delete("y"); sharing.Store(false) })
	var doc textfeat.Doc
	for range 3 * maxPending {
		batch := batchOf("only one enricher runs over this batch")
		fb, from := Acquire(batch, set)
		fb.Post(0, batch[0].Text, &doc, nil)
		Release(batch, fb, from)
	}
	if n := npending.Load(); n > maxPending {
		t.Fatalf("%d batches pending, want <= %d", n, maxPending)
	}
}

func TestNoSharingWithOneKind(t *testing.T) {
	set := Settings{Bits: 12}
	Register("solo", set)
	t.Cleanup(func() { registered.Delete("solo"); sharing.Store(false) })
	batch := batchOf("hello")
	fb, from := Acquire(batch, set)
	Release(batch, fb, from)
	if _, from := Acquire(batch, set); from {
		t.Error("shared with a single kind registered")
	}
}
