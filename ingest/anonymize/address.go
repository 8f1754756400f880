package anonymize

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ---- IBAN ----

// matchIBAN matches an IBAN (country code, check digits, 11-30 more
// letters/digits, optionally in space-separated groups of four) whose
// ISO 7064 mod-97 check holds.
func matchIBAN(s string, i int) int {
	if i+4 > len(s) || !isLetter(s[i]) || !isLetter(s[i+1]) || !isDigit(s[i+2]) || !isDigit(s[i+3]) {
		return i
	}
	var buf [34]byte
	n := 0
	j := i
	lastGood := i
	for j < len(s) && n < 34 {
		c := s[j]
		if isAlnum(c) {
			buf[n] = c
			n++
			j++
			if n >= 15 && boundaryAfter(s, j) && mod97(buf[:n]) {
				lastGood = j
			}
			continue
		}
		// A single space between groups of four.
		if c == ' ' && n%4 == 0 && j+1 < len(s) && isAlnum(s[j+1]) {
			j++
			continue
		}
		break
	}
	return lastGood
}

// mod97 computes the IBAN check (rearranged, letters as 10..35) == 1.
func mod97(b []byte) bool {
	rem := 0
	add := func(c byte) bool {
		switch {
		case isDigit(c):
			rem = (rem*10 + int(c-'0')) % 97
		case isLetter(c):
			v := int(lower(c)-'a') + 10
			rem = (rem*100 + v) % 97
		default:
			return false
		}
		return true
	}
	for _, c := range b[4:] {
		if !add(c) {
			return false
		}
	}
	for _, c := range b[:4] {
		if !add(c) {
			return false
		}
	}
	return rem == 1
}

// ---- street addresses ----

// streetSuffixes are the street-type words that end an English address
// ("221B Baker Street", "1600 Pennsylvania Ave").
var streetSuffixes = map[string]bool{
	"street": true, "st": true, "avenue": true, "ave": true, "av": true, "road": true, "rd": true,
	"boulevard": true, "blvd": true, "lane": true, "ln": true, "drive": true, "dr": true,
	"court": true, "ct": true, "way": true, "place": true, "pl": true, "terrace": true,
	"close": true, "crescent": true, "square": true, "sq": true, "highway": true, "hwy": true,
	"parkway": true, "pkwy": true, "circle": true, "cir": true, "trail": true, "mews": true,
	"gardens": true, "grove": true,
}

// addressStop are words that never sit between a house number and a
// street type ("3 hours on the road", "2 of them").
var addressStop = map[string]bool{
	"the": true, "a": true, "an": true, "my": true, "of": true, "in": true, "on": true, "and": true,
	"to": true, "for": true, "with": true, "at": true, "by": true, "or": true, "from": true,
	"is": true, "was": true, "are": true, "it": true, "this": true, "that": true, "i": true,
	"you": true, "we": true, "they": true, "our": true, "your": true, "their": true, "his": true,
	"her": true, "its": true, "me": true, "days": true, "hours": true, "minutes": true, "weeks": true,
	"months": true, "years": true, "times": true, "miles": true, "km": true, "blocks": true,
	"stars": true, "people": true, "new": true, "more": true, "less": true, "than": true,
}

// matchStreet matches <number>[letter] <1-3 words> <street type>[.].
func matchStreet(s string, i int) int {
	j := i
	for j < len(s) && isDigit(s[j]) && j-i < 6 {
		j++
	}
	if j-i == 0 || j-i > 5 {
		return i
	}
	if j < len(s) && isLetter(s[j]) && (j+1 >= len(s) || !isAlnum(s[j+1])) {
		j++ // 221B
	}
	if j < len(s) && s[j] == ',' {
		j++
	}
	firstUpper := false
	for w := 0; w < 4; w++ {
		if j >= len(s) || s[j] != ' ' {
			return i
		}
		j++
		ws := j
		for j < len(s) && (isLetter(s[j]) || s[j] == '\'' || s[j] == '-' || s[j] >= utf8.RuneSelf) {
			if s[j] >= utf8.RuneSelf {
				r, n := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsLetter(r) {
					break
				}
				j += n
				continue
			}
			j++
		}
		word := s[ws:j]
		if word == "" {
			return i
		}
		var lb [16]byte
		lw := lowerInto(&lb, word)
		// Map lookups with string(lw) do not allocate.
		if w == 0 {
			firstUpper = startsUpper(word)
		}
		if w > 0 && streetSuffixes[string(lw)] && boundaryAfter(s, j) && (firstUpper || streetAbbrev[string(lw)]) {
			if j < len(s) && s[j] == '.' && streetAbbrev[string(lw)] && !sentenceEndsAt(s, j) {
				j++
			}
			return j
		}
		if addressStop[string(lw)] {
			return i
		}
	}
	return i
}

// streetAbbrev are street types that also end casually typed lowercase
// addresses ("12 elm st").
var streetAbbrev = map[string]bool{"st": true, "ave": true, "av": true, "rd": true, "blvd": true, "ln": true, "dr": true, "hwy": true, "ct": true, "pl": true, "sq": true, "pkwy": true, "cir": true}

// sentenceEndsAt reports whether the full stop at j ends a sentence rather
// than an abbreviation: it is last, or followed by a line break, or by a
// space and a capital letter.
func sentenceEndsAt(s string, j int) bool {
	if j+1 >= len(s) || s[j+1] == '\n' {
		return true
	}
	return s[j+1] == ' ' && j+2 < len(s) && isUpper(s[j+2])
}

// lowerInto lowercases an ASCII word into buf without allocating; longer
// words give nil (they match no table entry).
func lowerInto(buf *[16]byte, w string) []byte {
	if len(w) > len(buf) {
		return nil
	}
	for k := 0; k < len(w); k++ {
		buf[k] = lower(w[k])
	}
	return buf[:len(w)]
}

// matchPOBox matches "PO Box 123" and "P.O. Box 123".
func matchPOBox(s string, i int) int {
	var j int
	switch {
	case hasPrefixFold(s[i:], "po box "):
		j = i + 7
	case hasPrefixFold(s[i:], "p.o. box "):
		j = i + 9
	default:
		return i
	}
	k := j
	for k < len(s) && isDigit(s[k]) {
		k++
	}
	if k == j || !boundaryAfter(s, k) {
		return i
	}
	return k
}

var germanStreetEnds = []string{"straße", "strasse", "str.", "weg", "allee", "platz", "gasse", "damm", "ring"}

// matchGermanStreet matches "<Name>straße 12a" style addresses.
func matchGermanStreet(s string, i int) int {
	j := i
	for j < len(s) && j-i < 64 {
		if isLetter(s[j]) || s[j] == '-' {
			j++
			continue
		}
		if s[j] >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[j:])
			if unicode.IsLetter(r) {
				j += n
				continue
			}
		}
		break
	}
	if j < len(s) && s[j] == '.' {
		j++
	}
	word := s[i:j]
	ok := false
	for _, e := range germanStreetEnds {
		if len(word) > len(e)+2 && strings.EqualFold(word[len(word)-len(e):], e) {
			ok = true
			break
		}
	}
	if !ok || j >= len(s) || s[j] != ' ' {
		return i
	}
	k := j + 1
	ds := k
	for k < len(s) && isDigit(s[k]) && k-ds < 5 {
		k++
	}
	if k == ds {
		return i
	}
	if k < len(s) && isLetter(s[k]) && boundaryAfter(s, k+1) {
		k++
	}
	if !boundaryAfter(s, k) {
		return i
	}
	return k
}
