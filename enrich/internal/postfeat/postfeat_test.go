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

func TestShareThroughContext(t *testing.T) {
	set := Settings{Bits: 18, CharMin: 3, CharMax: 4, Embed: true}
	emb, err := textfeat.WordVectors()
	if err != nil {
		t.Fatal(err)
	}
	var sh Shared
	ctx := WithShared(t.Context(), &sh)
	batch := batchOf("I love my new phone!!", "worried that the price goes up", "")
	var doc textfeat.Doc

	// First model: computes every post.
	fb, from := Acquire(ctx, batch, set)
	if from {
		t.Fatal("first model got a shared batch")
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
	Release(ctx, batch, fb, from)

	// Second model: reuses them, except for a post whose text changed.
	batch[1].Text = strings.Clone(batch[1].Text) // equal, but another string: recomputed
	fb2, from2 := Acquire(ctx, batch, set)
	if !from2 || fb2 != fb {
		t.Fatal("second model did not get the first one's batch")
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
	Release(ctx, batch, fb2, from2)
	if sh.b != nil {
		t.Error("a consumed batch is still held")
	}

	// Other settings never share.
	other := set
	other.Bits = 16
	fb3, _ := Acquire(ctx, batch, set)
	Release(ctx, batch, fb3, false)
	if _, from := Acquire(ctx, batch, other); from {
		t.Error("a batch computed with other settings was shared")
	}

	// Another batch never gets this one's features.
	fb4, _ := Acquire(ctx, batch, set)
	Release(ctx, batch, fb4, false)
	if _, from := Acquire(ctx, batchOf("another batch"), set); from {
		t.Error("features of one batch were handed to another")
	}
}

func TestNoSharingWithoutContext(t *testing.T) {
	set := Settings{Bits: 12}
	batch := batchOf("hello")
	fb, from := Acquire(t.Context(), batch, set)
	Release(t.Context(), batch, fb, from)
	if _, from := Acquire(t.Context(), batch, set); from {
		t.Error("shared without a Shared in the context")
	}
}

func TestWithSharedResets(t *testing.T) {
	set := Settings{Bits: 12}
	var sh Shared
	batch := batchOf("hello")
	ctx := WithShared(t.Context(), &sh)
	fb, _ := Acquire(ctx, batch, set)
	Release(ctx, batch, fb, false)
	ctx = WithShared(t.Context(), &sh) // the next batch of the chain
	if sh.b != nil {
		t.Fatal("WithShared kept the previous batch's features")
	}
	if _, from := Acquire(ctx, batch, set); from {
		t.Error("shared across WithShared")
	}
}
