package entity

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Entry is one gazetteer entry: a canonical name, its entity type and the
// surface forms (aliases, misspellings) that name it.
type Entry struct {
	// Canonical is the name recorded in Entity.Canonical.
	Canonical string
	// Type is the entity type recorded in Entity.Type (PRODUCT, BRAND, ORG).
	Type string
	// Aliases are matched as whole words, case-insensitively, except short
	// all-caps acronyms (up to 4 letters, e.g. "ACM"), which must match
	// exactly so that ordinary words do not trigger them. The canonical name
	// is always an alias too.
	Aliases []string
}

// gazetteer finds all entries in a text in one pass with an Aho-Corasick
// automaton over ASCII-lowercased bytes (non-ASCII bytes are compared as
// they are, so "É" and "é" differ). Immutable, safe for concurrent use.
type gazetteer struct {
	class    [256]uint8 // byte → alphabet class (0 = not in any pattern)
	nclass   int
	delta    []int32 // state*nclass + class → next state
	out      [][]int32
	patterns []gpattern
}

type gpattern struct {
	text  string // as written in the alias
	lower string
	entry int
	exact bool // case-sensitive
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func lowerASCIIString(s string) string {
	b := []byte(s)
	for i := range b {
		b[i] = lowerASCII(b[i])
	}
	return string(b)
}

func isAcronym(s string) bool {
	if len(s) > 4 || len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func newGazetteer(entries []Entry) *gazetteer {
	g := &gazetteer{}
	seen := map[string]bool{}
	for ei, e := range entries {
		for _, a := range append([]string{e.Canonical}, e.Aliases...) {
			a = strings.TrimSpace(a)
			if a == "" {
				continue
			}
			exact := isAcronym(a)
			key := lowerASCIIString(a)
			if exact {
				key = "=" + a
			}
			if seen[key] { // first entry wins an alias two entries share
				continue
			}
			seen[key] = true
			g.patterns = append(g.patterns, gpattern{text: a, lower: lowerASCIIString(a), entry: ei, exact: exact})
		}
	}
	// Alphabet classes.
	for _, p := range g.patterns {
		for i := 0; i < len(p.lower); i++ {
			c := p.lower[i]
			if g.class[c] == 0 {
				g.nclass++
				g.class[c] = uint8(g.nclass)
			}
		}
	}
	g.nclass++ // class 0 for every other byte
	for c := 'a'; c <= 'z'; c++ {
		g.class[c-'a'+'A'] = g.class[c]
	}
	// Trie.
	type trieNode struct {
		next map[uint8]int32
	}
	trie := []trieNode{{next: map[uint8]int32{}}}
	g.out = [][]int32{nil}
	for pi, p := range g.patterns {
		s := int32(0)
		for i := 0; i < len(p.lower); i++ {
			c := g.class[p.lower[i]]
			n, ok := trie[s].next[c]
			if !ok {
				n = int32(len(trie))
				trie = append(trie, trieNode{next: map[uint8]int32{}})
				g.out = append(g.out, nil)
				trie[s].next[c] = n
			}
			s = n
		}
		g.out[s] = append(g.out[s], int32(pi))
	}
	// BFS: failure links and the full transition table.
	n := len(trie)
	g.delta = make([]int32, n*g.nclass)
	fail := make([]int32, n)
	queue := make([]int32, 0, n)
	for c := 0; c < g.nclass; c++ {
		if nx, ok := trie[0].next[uint8(c)]; ok {
			g.delta[c] = nx
			queue = append(queue, nx)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		g.out[s] = append(g.out[s], g.out[fail[s]]...)
		for c := 0; c < g.nclass; c++ {
			if nx, ok := trie[s].next[uint8(c)]; ok {
				fail[nx] = g.delta[int(fail[s])*g.nclass+c]
				g.delta[int(s)*g.nclass+c] = nx
				queue = append(queue, nx)
			} else {
				g.delta[int(s)*g.nclass+c] = g.delta[int(fail[s])*g.nclass+c]
			}
		}
	}
	return g
}

// gmatch is a gazetteer hit: byte range [start, end) and entry.
type gmatch struct {
	start, end int
	entry      int32
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// find appends to dst the leftmost-longest, non-overlapping whole-word
// matches in text.
func (g *gazetteer) find(dst []gmatch, text string) []gmatch {
	if len(g.patterns) == 0 {
		return dst
	}
	base := len(dst)
	s := int32(0)
	for i := 0; i < len(text); i++ {
		s = g.delta[int(s)*g.nclass+int(g.class[text[i]])]
		for _, pi := range g.out[s] {
			p := &g.patterns[pi]
			start := i + 1 - len(p.lower)
			end := i + 1
			if p.exact && text[start:end] != p.text {
				continue
			}
			if start > 0 {
				if r, _ := utf8.DecodeLastRuneInString(text[:start]); isWordRune(r) {
					continue
				}
			}
			if end < len(text) {
				if r, _ := utf8.DecodeRuneInString(text[end:]); isWordRune(r) {
					continue
				}
			}
			dst = append(dst, gmatch{start: start, end: end, entry: int32(p.entry)})
		}
	}
	ms := dst[base:]
	if len(ms) <= 1 {
		return dst
	}
	sort.Slice(ms, func(a, b int) bool {
		if ms[a].start != ms[b].start {
			return ms[a].start < ms[b].start
		}
		return ms[a].end > ms[b].end
	})
	keep := base
	last := -1
	for _, m := range ms {
		if m.start < last {
			continue
		}
		dst[keep] = m
		keep++
		last = m.end
	}
	return dst[:keep]
}
