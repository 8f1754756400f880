package entity

import (
	"slices"
	"sort"
	"strings"

	"github.com/undertone/undertone/enrich/internal/tokens"
)

// fuzzyKey is one alias squeezed (lowercase, no spaces or hyphens) for
// typo matching.
type fuzzyKey struct {
	key   string
	entry int
}

// fuzzyIndex finds capitalized misspellings of aliases ("Acem", "OrbtiAir",
// "Betamoible", "Zenith ltate") that the exact gazetteer misses: one edit
// (substitution, insertion, deletion or adjacent transposition) for aliases
// of 5+ letters, a transposition only for 4-letter ones, none for shorter,
// and never on the first letter. Immutable, safe for concurrent use.
type fuzzyIndex struct {
	byFirst map[byte][]fuzzyKey
}

func squeeze(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := lowerASCII(s[i])
		if c == ' ' || c == '-' || c == '\'' {
			continue
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

func newFuzzyIndex(g *gazetteer) *fuzzyIndex {
	f := &fuzzyIndex{byFirst: map[byte][]fuzzyKey{}}
	seen := map[string]bool{}
	for _, p := range g.patterns {
		if p.exact {
			continue
		}
		k := squeeze(p.text)
		if len(k) < 4 || seen[k] {
			continue
		}
		seen[k] = true
		f.byFirst[k[0]] = append(f.byFirst[k[0]], fuzzyKey{key: k, entry: p.entry})
	}
	return f
}

// match returns the entry whose alias w is one typo away from, or -1. w is
// lowercase.
func (f *fuzzyIndex) match(w string) int {
	if len(w) < 4 {
		return -1
	}
	for _, k := range f.byFirst[w[0]] {
		if k.key == w {
			return -1 // exact: the gazetteer's business (e.g. excluded by case)
		}
		if oneEdit(w, k.key) {
			return k.entry
		}
	}
	return -1
}

// oneEdit reports whether a and b are one edit apart (optimal string
// alignment distance 1), with the length rules of fuzzyIndex.
func oneEdit(a, b string) bool {
	la, lb := len(a), len(b)
	if la-lb > 1 || lb-la > 1 || a == b {
		return false
	}
	i := 0
	for i < la && i < lb && a[i] == b[i] {
		i++
	}
	if la == lb {
		// transposition
		if i+1 < la && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:] {
			return true
		}
		return len(b) >= 5 && a[i+1:] == b[i+1:] // substitution
	}
	if len(b) < 5 {
		return false
	}
	if la > lb {
		return a[i+1:] == b[i:] // deletion from a
	}
	return a[i:] == b[i+1:] // insertion into a
}

// fuzzy appends to dst typo matches of capitalized words not covered by
// exact matches: a word and the word after it squeezed together first
// ("Acem phone", "Zenith ltate"), then the word alone. A misspelled word
// right after an exact one-word match is tried with it too ("Acme Busd"
// is Acme Buds, not the brand Acme plus a stray name); such a match
// replaces the exact one, so callers must drop gm entries that a fuzzy
// match covers. Results are sorted.
func (e *Enricher) fuzzy(dst []gmatch, gm []gmatch, text string, toks []tokens.Token) []gmatch {
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if !t.Title || overlapsGaz(gm, t.ByteStart, t.ByteEnd) || allUpper(text[t.ByteStart:t.ByteEnd]) {
			continue
		}
		if i > 0 {
			p := toks[i-1]
			if text[p.ByteEnd:t.ByteStart] == " " && exactlyMatched(gm, p.ByteStart, p.ByteEnd) {
				if ent := e.fz.match(p.Text + t.Text); ent >= 0 {
					dst = append(dst, gmatch{start: p.ByteStart, end: t.ByteEnd, entry: int32(ent)})
					continue
				}
			}
		}
		if i+1 < len(toks) {
			n := toks[i+1]
			gap := text[t.ByteEnd:n.ByteStart]
			if (gap == " " || gap == "") && !overlapsGaz(gm, n.ByteStart, n.ByteEnd) {
				if ent := e.fz.match(t.Text + n.Text); ent >= 0 {
					dst = append(dst, gmatch{start: t.ByteStart, end: n.ByteEnd, entry: int32(ent)})
					i++
					continue
				}
			}
		}
		if ent := e.fz.match(t.Text); ent >= 0 {
			dst = append(dst, gmatch{start: t.ByteStart, end: t.ByteEnd, entry: int32(ent)})
		}
	}
	return dst
}

// exactlyMatched reports whether a gazetteer match spans exactly [st, en);
// gm is sorted and non-overlapping.
func exactlyMatched(gm []gmatch, st, en int) bool {
	i := sort.Search(len(gm), func(i int) bool { return gm[i].end > st })
	return i < len(gm) && gm[i].start == st && gm[i].end == en
}

// mergeFuzzy adds fuzzy matches to gm, dropping exact matches they cover,
// and sorts.
func mergeFuzzy(gm, fm []gmatch) []gmatch {
	out := gm[:0]
	for _, m := range gm {
		if !overlapsGaz(fm, m.start, m.end) { // fm is sorted, non-overlapping
			out = append(out, m)
		}
	}
	out = append(out, fm...)
	slices.SortFunc(out, func(a, b gmatch) int { return a.start - b.start })
	return out
}

// nearNotName reports whether w (lowercase) is one typo from a long
// capitalized non-name ("Frdiay", "Sunady").
func nearNotName(w string) bool {
	if len(w) < 6 {
		return false
	}
	for _, n := range longNotNames {
		if n[0] == w[0] && oneEdit(w, n) {
			return true
		}
	}
	return false
}

var longNotNames = func() []string {
	var out []string
	for n := range notNames {
		if len(n) >= 6 {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}()
