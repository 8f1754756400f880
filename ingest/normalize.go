package ingest

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NormalizeText returns s in Unicode NFC with control and invisible
// formatting characters removed, every run of horizontal white space
// (including no-break and ideographic spaces) collapsed to one ASCII space,
// CR LF and CR turned into LF, at most one blank line in a row, spaces
// around line breaks trimmed and the ends trimmed. Tabs count as spaces.
// The zero-width joiner (U+200D) is kept: emoji sequences need it. s must
// be valid UTF-8. It does not allocate when s is already normal.
func NormalizeText(s string) string {
	if isNormalASCII(s) { // ASCII is already NFC
		return s
	}
	s = norm.NFC.String(s)
	if isNormalLine(s) {
		return s
	}
	return normalizeSlow(s)
}

// normalizeSlow is NormalizeText after NFC, without the fast paths.
func normalizeSlow(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	newlines := 0
	for _, r := range s {
		switch {
		case r == '\r' || r == '\n' || r == '\u2028' || r == '\u2029' || r == '\u0085':
			// CR LF counts once: a CR is a newline only if not followed by LF,
			// handled by treating "\r\n" as two and capping below; count LFs
			// and lone CRs alike, then cap blank lines at one.
			if r == '\r' {
				continue
			}
			if b.Len() > 0 {
				newlines++
			}
			pendingSpace = false
		case r == '\t' || unicode.IsSpace(r):
			if b.Len() > 0 && newlines == 0 {
				pendingSpace = true
			}
		case isDropped(r):
			// removed
		default:
			if newlines > 0 {
				if newlines > 2 {
					newlines = 2
				}
				for range newlines {
					b.WriteByte('\n')
				}
				newlines = 0
			} else if pendingSpace {
				b.WriteByte(' ')
			}
			pendingSpace = false
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isDropped reports control and invisible format characters that carry no
// text: C0/C1 controls, soft hyphen, zero-width space and non-joiner,
// direction marks and embeddings/isolates, word joiner, BOM, and the
// replacement character's cousins in the specials block except U+FFFD.
func isDropped(r rune) bool {
	switch {
	case r < 0x20 || (r >= 0x7F && r <= 0x9F):
		return true
	case r == 0x00AD, r == 0x200B, r == 0x200C, r == 0x200E, r == 0x200F, r == 0x2060, r == 0xFEFF:
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return true
	case r >= 0xFFF0 && r <= 0xFFFC:
		return true
	}
	return false
}

// isNormalASCII reports whether s is printable ASCII with single inner
// spaces and no leading or trailing space: already normal.
func isNormalASCII(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	prevSpace := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || c < 0x20 || c == 0x7F {
			return false
		}
		if c == ' ' {
			if prevSpace {
				return false
			}
			prevSpace = true
		} else {
			prevSpace = false
		}
	}
	return true
}

// isNormalLine reports whether s (in NFC) is one line that NormalizeText
// would return unchanged: no line breaks, no dropped characters, no white
// space but single inner ASCII spaces.
func isNormalLine(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' {
		return s == ""
	}
	prevSpace := false
	for _, r := range s {
		if r == ' ' {
			if prevSpace {
				return false
			}
			prevSpace = true
			continue
		}
		prevSpace = false
		if r < 0x20 || r == 0x7F || r >= utf8.RuneSelf && (r == utf8.RuneError || unicode.IsSpace(r) || isDropped(r) || r == '\u2028' || r == '\u2029' || r == '\u0085') {
			return false
		}
	}
	return true
}
