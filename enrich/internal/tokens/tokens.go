// Package tokens splits post text into lowercased word tokens with rune and
// byte offsets. The topic and intent enrichers share it so they agree on
// what a word is.
package tokens

import (
	"strings"
	"unicode"
	"unicode/utf8"
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
	runeIdx := 0
	inWord := false
	var cur Token
	needLower := false
	for bi, r := range text {
		if isWord(r) {
			if !inWord {
				inWord = true
				cur = Token{Start: runeIdx, ByteStart: bi}
				cur.Title = unicode.IsUpper(r)
				needLower = false
			}
			if r >= utf8.RuneSelf || (r >= 'A' && r <= 'Z') {
				needLower = true
			}
		} else if inWord {
			inWord = false
			dst = append(dst, finish(text, cur, bi, runeIdx, needLower))
		}
		runeIdx++
	}
	if inWord {
		dst = append(dst, finish(text, cur, len(text), runeIdx, needLower))
	}
	return dst
}

func finish(text string, t Token, byteEnd, runeEnd int, needLower bool) Token {
	t.ByteEnd = byteEnd
	t.End = runeEnd
	w := text[t.ByteStart:byteEnd]
	if needLower {
		w = strings.ToLower(w)
	}
	t.Text = w
	return t
}

// Split tokenizes text into a new slice.
func Split(text string) []Token { return Append(nil, text) }
