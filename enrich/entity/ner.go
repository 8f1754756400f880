package entity

import (
	"context"
	"hash/maphash"
	"sort"
	"strings"
	"sync"

	"github.com/jdkato/prose/v2"

	"github.com/undertone/undertone/enrich/internal/tokens"
)

// nerSpan is an NER entity at byte offsets [start, end) of the post text.
type nerSpan struct {
	start, end int
	label      string
	canonical  string
}

// relSpan is an NER entity at byte offsets relative to its window.
type relSpan struct {
	start, end int
	label      string
}

// maxWindows bounds prose calls per post; the rest of a long post's
// capitalized words are left to the gazetteer.
const maxWindows = 8

// notNames are capitalized words that are not names on their own.
var notNames = map[string]bool{
	"i": true, "im": true, "ive": true, "ill": true, "id": true,
	"monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true,
	"saturday": true, "sunday": true, "january": true, "february": true, "march": true,
	"april": true, "may": true, "june": true, "july": true, "august": true,
	"september": true, "october": true, "november": true, "december": true,
	"god": true, "lord": true, "omg": true, "lol": true, "mr": true, "mrs": true, "ms": true,
	"dr": true, "ok": true, "okay": true, "tv": true, "app": true, "wifi": true,
	"christmas": true, "easter": true, "internet": true, "english": true,
}

func allUpper(s string) bool {
	n := 0
	for _, r := range s {
		if r >= 'a' && r <= 'z' {
			return false
		}
		n++
	}
	return n > 1
}

// ner runs prose on the windows around capitalized words that the gazetteer
// does not cover and that do not start a sentence (a sentence-initial word
// counts when the next word is capitalized too, as in "New York"). It
// returns entities overlapping those words, sorted, outside gazetteer hits.
func (e *Enricher) ner(ctx context.Context, s *scratch, text string) []nerSpan {
	toks := s.view
	covered := func(t tokens.Token) bool { return overlapsGaz(s.gm, t.ByteStart, t.ByteEnd) }
	sentenceStart := func(i int) bool {
		if i == 0 {
			return true
		}
		return strings.ContainsAny(text[toks[i-1].ByteEnd:toks[i].ByteStart], ".!?:;\n")
	}
	isCand := func(i int) bool {
		t := toks[i]
		if !t.Title || notNames[t.Text] || allUpper(text[t.ByteStart:t.ByteEnd]) || covered(t) || nearNotName(t.Text) {
			return false
		}
		if sentenceStart(i) {
			// "New York ..." but not "Flew Orbit Air ...": the next word must
			// be an unexplained capitalized word too.
			if i+1 >= len(toks) {
				return false
			}
			n := toks[i+1]
			return n.Title && !sentenceStart(i+1) && !notNames[n.Text] &&
				!allUpper(text[n.ByteStart:n.ByteEnd]) && !covered(n)
		}
		return true
	}
	var out []nerSpan
	windows := 0
	for i := 0; i < len(toks); i++ {
		if !isCand(i) {
			continue
		}
		if windows == maxWindows {
			break
		}
		windows++
		// Grow the window over following candidates within reach.
		j := i
		for k := i + 1; k < len(toks) && k <= j+e.cfg.NERWindow; k++ {
			if sentenceStart(k) {
				break
			}
			if isCand(k) {
				j = k
			}
		}
		lo := i
		for lo > 0 && i-lo < e.cfg.NERWindow && !sentenceStart(lo) {
			lo--
		}
		hi := j
		for hi+1 < len(toks) && hi-j < e.cfg.NERWindow && !sentenceStart(hi+1) {
			hi++
		}
		candLo, candHi := toks[i].ByteStart, toks[j].ByteEnd
		key := text[candLo:candHi]
		rel, ok := e.cache.get(key)
		if !ok {
			wStart, wEnd := toks[lo].ByteStart, toks[hi].ByteEnd
			if wEnd < len(text) && strings.IndexByte(".!?", text[wEnd]) >= 0 {
				wEnd++
			}
			rel = nil
			for _, r := range e.window(text[wStart:wEnd]) {
				st, en := wStart+r.start, wStart+r.end
				if en <= candLo || st >= candHi {
					continue // does not touch an unexplained capitalized word
				}
				// Clip to the candidate span so the result depends on it alone.
				st, en = max(st, candLo), min(en, candHi)
				rel = append(rel, relSpan{start: st - candLo, end: en - candLo, label: r.label})
			}
			e.cache.put(strings.Clone(key), rel)
		}
		for _, r := range rel {
			st, en := candLo+r.start, candLo+r.end
			if overlapsGaz(s.gm, st, en) {
				continue
			}
			if len(out) > 0 && st < out[len(out)-1].end {
				continue
			}
			out = append(out, nerSpan{start: st, end: en, label: r.label, canonical: canonicalSpace(text[st:en])})
		}
		i = j
		if ctx.Err() != nil {
			break
		}
	}
	return out
}

// overlapsGaz reports whether [st, en) overlaps a gazetteer match; gm is
// sorted and non-overlapping.
func overlapsGaz(gm []gmatch, st, en int) bool {
	// First match ending after st.
	i := sort.Search(len(gm), func(i int) bool { return gm[i].end > st })
	return i < len(gm) && gm[i].start < en
}

// window returns the entities prose finds in w.
func (e *Enricher) window(w string) []relSpan {
	doc, err := prose.NewDocument(w, prose.UsingModel(e.model), prose.WithSegmentation(false))
	var rel []relSpan
	if err == nil {
		cursor := 0
		for _, ent := range doc.Entities() {
			label := mapLabel(ent.Label)
			if label == "" {
				continue
			}
			st, en, ok := locate(w, ent.Text, cursor)
			if !ok {
				continue
			}
			cursor = en
			rel = append(rel, relSpan{start: st, end: en, label: label})
		}
	}
	return rel
}

func mapLabel(l string) string {
	switch l {
	case "PERSON":
		return TypePerson
	case "GPE":
		return TypeGPE
	case "ORGANIZATION", "ORG":
		return TypeOrg
	}
	return ""
}

// locate finds prose's space-joined entity tokens in w from cursor on.
func locate(w, ent string, cursor int) (int, int, bool) {
	parts := strings.Fields(ent)
	if len(parts) == 0 {
		return 0, 0, false
	}
	start, pos := -1, cursor
	for _, p := range parts {
		k := strings.Index(w[pos:], p)
		if k < 0 {
			return 0, 0, false
		}
		if start < 0 {
			start = pos + k
		}
		pos += k + len(p)
	}
	return start, pos, true
}

// nerCache memoizes candidate span → entities prose found on it (offsets
// relative to the span). Keying on the span, not the whole window, trades
// context sensitivity (the same words get the label prose gave them the
// first time) for a high hit rate: names recur. It is sharded; a full shard is
// cleared (cheap, and a hot window is back after one miss).
type nerCache struct {
	seed   maphash.Seed
	per    int
	shards [16]struct {
		sync.Mutex
		m map[string][]relSpan
	}
}

func newNERCache(size int) *nerCache {
	c := &nerCache{seed: maphash.MakeSeed(), per: max(1, size/16)}
	for i := range c.shards {
		c.shards[i].m = map[string][]relSpan{}
	}
	return c
}

func (c *nerCache) shard(k string) int { return int(maphash.String(c.seed, k) & 15) }

func (c *nerCache) get(k string) ([]relSpan, bool) {
	if c == nil {
		return nil, false
	}
	sh := &c.shards[c.shard(k)]
	sh.Lock()
	r, ok := sh.m[k]
	sh.Unlock()
	return r, ok
}

func (c *nerCache) put(k string, r []relSpan) {
	if c == nil {
		return
	}
	sh := &c.shards[c.shard(k)]
	sh.Lock()
	if len(sh.m) >= c.per {
		clear(sh.m)
	}
	sh.m[k] = r
	sh.Unlock()
}
