// Package tokens splits post text into lowercased word tokens with rune and
// byte offsets. The topic and intent enrichers share it so they agree on
// what a word is.
package tokens

import (
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// Token is one word: a maximal run of letters, digits and combining marks.
// Apostrophes, hyphens, '#', '@' and everything else separate words, so
// "Acme's" is "acme" + "s" and "#AcmePhone" is "acmephone".
type Token struct {
	// Text is the word lowercased (a substring of the input when the word
	// was already lowercase, so usually no allocation).
	Text string
	// Start and End are rune offsets [Start, End) into the text.
	Start, End int
	// ByteStart and ByteEnd are byte offsets [ByteStart, ByteEnd).
	ByteStart, ByteEnd int
	// Title reports whether the word's first rune is upper case.
	Title bool
}

func isWord(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// Append tokenizes text and appends its tokens to dst, returning the
// extended slice (pass dst[:0] to reuse a buffer).
func Append(dst []Token, text string) []Token {
	first := len(dst)
	runeIdx := 0
	inWord := false
	needLower := false
	asciiUpper := 0 // bytes of ASCII words that need lowercasing
	// A word's token is appended when it starts and completed in place
	// when it ends (copying Tokens around was most of the cost).
	end := func(byteEnd, runeEnd int) {
		t := &dst[len(dst)-1]
		t.ByteEnd = byteEnd
		t.End = runeEnd
		w := text[t.ByteStart:byteEnd]
		switch {
		case !needLower:
			t.Text = w
		case runeEnd-t.Start == len(w): // ASCII: lowercased below, all words at once
			asciiUpper += len(w)
		default:
			t.Text = strings.ToLower(w)
		}
	}
	for bi, r := range text {
		if isWord(r) {
			if !inWord {
				inWord = true
				title := false
				if r < utf8.RuneSelf {
					title = r >= 'A' && r <= 'Z'
				} else {
					title = unicode.IsUpper(r)
				}
				dst = append(dst, Token{Start: runeIdx, ByteStart: bi, Title: title})
				needLower = false
			}
			if r >= utf8.RuneSelf || (r >= 'A' && r <= 'Z') {
				needLower = true
			}
		} else if inWord {
			inWord = false
			end(bi, runeIdx)
		}
		runeIdx++
	}
	if inWord {
		end(len(text), runeIdx)
	}
	if asciiUpper > 0 {
		// Lowercase the ASCII words with capitals into one string (one
		// allocation per text, not one per word).
		buf := make([]byte, 0, asciiUpper)
		for i := first; i < len(dst); i++ {
			if t := &dst[i]; t.Text == "" {
				for _, c := range []byte(text[t.ByteStart:t.ByteEnd]) {
					if c >= 'A' && c <= 'Z' {
						c += 'a' - 'A'
					}
					buf = append(buf, c)
				}
			}
		}
		all := string(buf)
		off := 0
		for i := first; i < len(dst); i++ {
			if t := &dst[i]; t.Text == "" {
				n := t.ByteEnd - t.ByteStart
				t.Text = all[off : off+n]
				off += n
			}
		}
	}
	return dst
}

// Split tokenizes text into a new slice.
func Split(text string) []Token { return Append(nil, text) }

// Shared is the tokens of the posts of one chain call, computed at most
// once per post and shared by the enrichers that tokenize the same text
// (entity, topic and intent): the chain puts a Shared in the context it
// passes to every enricher (WithShared), and an enricher asks it with
// Of. It is not safe for concurrent use: an enricher that spreads a batch
// over goroutines must not share one Shared between them.
type Shared struct {
	texts []string
	spans [][2]int32 // [start, end) in buf; start < 0: not computed
	buf   []Token
}

type sharedKey struct{}

// WithShared returns ctx carrying s, reset for a batch of n posts.
func WithShared(ctx context.Context, s *Shared, n int) context.Context {
	s.Reset(n)
	return context.WithValue(ctx, sharedKey{}, s)
}

// Reset empties s for a batch of n posts.
func (s *Shared) Reset(n int) {
	clear(s.texts)
	s.texts = slices.Grow(s.texts[:0], n)[:n]
	s.spans = slices.Grow(s.spans[:0], n)[:n]
	for i := range s.spans {
		s.spans[i] = [2]int32{-1, -1}
	}
	if cap(s.buf) > 1<<20 {
		s.buf = nil // do not keep a huge post's tokens forever
	}
	s.buf = s.buf[:0]
}

// Of returns the tokens of text, the text of post i of the batch the chain
// is running: from the Shared in ctx when it has (or can compute and keep)
// them, else appended to (*dst)[:0] (and *dst is set to the result, so the
// caller's buffer grows once). The returned slice must not be modified;
// it is valid until the chain call returns. Post i is identified by its
// text, so a sub-batch (a chain retrying one post) falls back to dst.
func Of(ctx context.Context, i int, text string, dst *[]Token) []Token {
	s, _ := ctx.Value(sharedKey{}).(*Shared)
	if s == nil || i < 0 || i >= len(s.spans) || s.spans[i][0] >= 0 && !sameString(s.texts[i], text) {
		*dst = Append((*dst)[:0], text)
		return *dst
	}
	if sp := s.spans[i]; sp[0] >= 0 {
		return s.buf[sp[0]:sp[1]:sp[1]]
	}
	start := len(s.buf)
	s.buf = Append(s.buf, text)
	s.texts[i] = text
	s.spans[i] = [2]int32{int32(start), int32(len(s.buf))}
	return s.buf[start:len(s.buf):len(s.buf)]
}

// sameString reports whether a and b are the same string value in memory
// (the same post's text), not merely equal.
func sameString(a, b string) bool {
	return len(a) == len(b) && (len(a) == 0 || unsafe.StringData(a) == unsafe.StringData(b))
}
