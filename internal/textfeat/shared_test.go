package textfeat_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/undertone/undertone/internal/textfeat"
)

func TestDocOf(t *testing.T) {
	texts := []string{"I love it :)", "", "NOT happy #FailWhale", strings.Repeat("so ", 50)}
	var sh textfeat.Shared
	ctx := textfeat.WithShared(context.Background(), &sh, len(texts))
	var own, ref textfeat.Doc
	for round := range 2 {
		for i, text := range texts {
			d := textfeat.DocOf(ctx, i, text, &own)
			if d == &own {
				t.Fatalf("round %d post %d: not shared", round, i)
			}
			ref.Tokenize(text)
			if !slices.Equal(d.Tokens, ref.Tokens) || !slices.Equal(d.FeaturesChar(0, len(d.Tokens), 18, 3, 4), ref.FeaturesChar(0, len(ref.Tokens), 18, 3, 4)) {
				t.Fatalf("round %d post %d: differs from Tokenize", round, i)
			}
		}
	}
	if d := textfeat.DocOf(ctx, 0, strings.Clone(texts[0]), &own); d != &own || len(own.Tokens) != 4 {
		t.Fatalf("another string at a used index must use own (%d tokens)", len(own.Tokens))
	}
	if d := textfeat.DocOf(ctx, 7, "a b", &own); d != &own || len(own.Tokens) != 2 {
		t.Fatal("out of range must use own")
	}
	if d := textfeat.DocOf(context.Background(), 0, "a", &own); d != &own || len(own.Tokens) != 1 {
		t.Fatal("no Shared must use own")
	}
	sh.Reset(2)
	if d := textfeat.DocOf(ctx, 1, "x y z", &own); d == &own || len(d.Tokens) != 3 {
		t.Fatal("after Reset the index is free again")
	}
}
