package tokens

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestSplit(t *testing.T) {
	got := Split("Acme's #AcmePhone, ÉTÉ café")
	var words []string
	for _, tk := range got {
		words = append(words, tk.Text)
	}
	if want := []string{"acme", "s", "acmephone", "été", "café"}; !slices.Equal(words, want) {
		t.Fatalf("Split = %q, want %q", words, want)
	}
}

func TestShared(t *testing.T) {
	texts := []string{"Hello World", "", "second post here", strings.Repeat("x ", 100)}
	var sh Shared
	ctx := WithShared(context.Background(), &sh, len(texts))
	var own []Token
	for round := range 2 {
		for i, text := range texts {
			got := Of(ctx, i, text, &own)
			if want := Split(text); !slices.Equal(got, want) {
				t.Fatalf("round %d post %d: %v, want %v", round, i, got, want)
			}
		}
	}
	if len(own) != 0 {
		t.Fatalf("the caller's buffer was used although the batch was shared: %v", own)
	}
	// Cached slices are capped so an append cannot overwrite a neighbour.
	first := Of(ctx, 0, texts[0], &own)
	_ = append(first, Token{Text: "x"})
	if got := Of(ctx, 2, texts[2], &own); got[0].Text != "second" {
		t.Fatalf("neighbour overwritten: %v", got)
	}
	// Another string at index 0 (a sub-batch retry): computed into own.
	other := strings.Clone("Other text")
	if got := Of(ctx, 0, other, &own); len(got) != 2 || got[0].Text != "other" || len(own) != 2 {
		t.Fatalf("fallback: %v (own %v)", got, own)
	}
	// An equal but distinct string is not trusted either.
	if got := Of(ctx, 0, strings.Clone(texts[0]), &own); len(got) != 2 || got[1].Text != "world" {
		t.Fatalf("clone: %v", got)
	}
	// Out of range or no Shared in ctx: computed into own.
	if got := Of(ctx, 99, "a b", &own); len(got) != 2 {
		t.Fatalf("out of range: %v", got)
	}
	if got := Of(context.Background(), 0, "a b c", &own); len(got) != 3 {
		t.Fatalf("no shared: %v", got)
	}
	sh.Reset(1)
	if len(sh.spans) != 1 || sh.spans[0][0] >= 0 || len(sh.buf) != 0 {
		t.Fatalf("Reset left %v %d", sh.spans, len(sh.buf))
	}
}

func TestAppendLowercases(t *testing.T) {
	pieces := []string{"Acme", "ACME", "acme", "Éclair", "ÉTÉ", "straße", "İstanbul", "K", "x9Y", "’", "'", " ", "#", "@b", "e\u0301", "日本", "1", ",", "\xff"}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 5000 {
		var sb strings.Builder
		for k := rng.IntN(12); k >= 0; k-- {
			sb.WriteString(pieces[rng.IntN(len(pieces))])
		}
		text := sb.String()
		prefix := []Token{{Text: "keep"}}
		got := Append(prefix, text)
		if got[0].Text != "keep" {
			t.Fatalf("%q: existing token changed", text)
		}
		for _, tk := range got[1:] {
			w := text[tk.ByteStart:tk.ByteEnd]
			r, _ := utf8.DecodeRuneInString(w)
			if tk.Text != strings.ToLower(w) || tk.Title != unicode.IsUpper(r) || tk.End-tk.Start != utf8.RuneCountInString(w) {
				t.Fatalf("%q: token %+v for %q", text, tk, w)
			}
		}
	}
}

func BenchmarkAppend(b *testing.B) {
	texts := []string{
		"Short review: Acme Fone nailed it with the camera, I'm so happy. Recommended.",
		"lol wait, why does the Beta Mobile battery behave differently after a restart? smh",
		"Ngl the Zenith cold brew is sooo good 😍 but the line at the downtown store was insane!!!",
	}
	var buf []Token
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		buf = Append(buf[:0], texts[i%len(texts)])
		i++
	}
}
