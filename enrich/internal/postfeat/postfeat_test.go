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

// isolate empties the process-wide registry for one test and restores it
// afterwards: the external tests in this binary (chain_test.go) register
// the real sentiment and emotion enrichers, whose settings differ from the
// ones here, and with -shuffle they may run first.
func isolate(t *testing.T) {
	t.Helper()
	saved := map[any]any{}
	registered.Range(func(k, v any) bool {
		saved[k] = v
		registered.Delete(k)
		return true
	})
	was := sharing.Load()
	sharing.Store(false)
	t.Cleanup(func() {
		registered.Range(func(k, _ any) bool {
			registered.Delete(k)
			return true
		})
		for k, v := range saved {
			registered.Store(k, v)
		}
		sharing.Store(was)
	})
}

func TestShareBetweenTwoKinds(t *testing.T) {
	isolate(t)
	set := Settings{Bits: 18, CharMin: 3, CharMax: 4, Embed: true}
	emb, err := textfeat.WordVectors()
	if err != nil {
		t.Fatal(err)
	}
	Register("a", set)
	Register("b", set)
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
	isolate(t)
	set := Settings{Bits: 12}
	Register("x", set)
	Register("y", set)
	var doc textfeat.Doc
	for i := range 3 * maxPending {
		batch := batchOf("only one enricher runs over this batch")
		fb, from := Acquire(batch, set)
		fb.Post(0, batch[0].Text, &doc, nil)
		Release(batch, fb, from)
		if n := npending.Load(); n > maxPending {
			t.Fatalf("%d batches pending, want <= %d", n, maxPending)
		}
		if _, ok := pending.Load(&batch[0]); !ok {
			t.Fatalf("release %d: the batch just released was dropped with the stale ones", i)
		}
	}
}

func TestNoSharingWithOneKind(t *testing.T) {
	isolate(t)
	set := Settings{Bits: 12}
	Register("solo", set)
	batch := batchOf("hello")
	fb, from := Acquire(batch, set)
	Release(batch, fb, from)
	if _, from := Acquire(batch, set); from {
		t.Error("shared with a single kind registered")
	}
}
