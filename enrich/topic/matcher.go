package topic

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/undertone/undertone/enrich/internal/tokens"
	"github.com/undertone/undertone/post"
)

// Definition is one topic to match: an id and a query. When Query is empty
// the topic matches any of its Aliases (as phrases).
type Definition struct {
	ID      string
	Aliases []string
	Query   string
}

// DefinitionError is a topic whose query does not parse.
type DefinitionError struct {
	ID  string
	Err *SyntaxError
}

// Error implements error.
func (e *DefinitionError) Error() string { return fmt.Sprintf("topic %q: query: %v", e.ID, e.Err) }

// Unwrap returns the *SyntaxError.
func (e *DefinitionError) Unwrap() error { return e.Err }

// Hit is one topic that matched a text.
type Hit struct {
	// ID is the topic's id.
	ID string
	// Spans are the rune ranges of the terms that made it match, sorted and
	// without duplicates.
	Spans []post.Span
}

// Matcher evaluates many compiled topic queries against texts. Each text is
// tokenized once; a term dictionary maps its words to the topics that can
// match, so only those topics are evaluated. A Matcher is immutable and
// safe for concurrent use.
type Matcher struct {
	topics     []compiled
	exact      map[string]int32
	prefix     map[string]int32
	prefixLens []int
	termTopics [][]int32 // term id → topics that mention it
	always     []int32   // topics that can match without any term (never, by Parse's rule; kept for safety)
	pool       sync.Pool
}

type compiled struct {
	id   string
	root cnode
}

type cnode interface{}

type (
	cOr   struct{ kids []cnode }
	cAnd  struct{ kids []cnode }
	cNot  struct{ kid cnode }
	cNear struct {
		left, right cnode
		n           int
	}
	cTerm struct {
		first int32
		words []pattern
	}
	cField struct {
		lang bool
		val  pattern
	}
)

// Compile parses and compiles topic definitions. The first query that does
// not parse is returned as a *DefinitionError.
func Compile(defs []Definition) (*Matcher, error) {
	m := &Matcher{exact: map[string]int32{}, prefix: map[string]int32{}}
	lens := map[int]bool{}
	for i, d := range defs {
		src := d.Query
		if strings.TrimSpace(src) == "" {
			qs := make([]string, 0, len(d.Aliases))
			for _, a := range d.Aliases {
				qs = append(qs, `"`+strings.ReplaceAll(a, `"`, ``)+`"`)
			}
			src = strings.Join(qs, " OR ")
		}
		q, err := Parse(src)
		if err != nil {
			se, _ := err.(*SyntaxError)
			if se == nil {
				se = &SyntaxError{Line: 1, Column: 1, Msg: err.Error()}
			}
			return nil, &DefinitionError{ID: d.ID, Err: se}
		}
		terms := map[int32]bool{}
		root := m.compile(q.root, terms, lens)
		m.topics = append(m.topics, compiled{id: d.ID, root: root})
		trig := triggers(root)
		if trig == nil {
			m.always = append(m.always, int32(i))
		}
		for _, t := range trig {
			for int(t) >= len(m.termTopics) {
				m.termTopics = append(m.termTopics, nil)
			}
			if l := m.termTopics[t]; len(l) == 0 || l[len(l)-1] != int32(i) {
				m.termTopics[t] = append(m.termTopics[t], int32(i))
			}
		}
	}
	for n := len(m.exact) + len(m.prefix); len(m.termTopics) < n; {
		m.termTopics = append(m.termTopics, nil)
	}
	for l := range lens {
		m.prefixLens = append(m.prefixLens, l)
	}
	sort.Ints(m.prefixLens)
	nterms := len(m.termTopics)
	m.pool.New = func() any {
		s := &state{head: make([]int32, nterms), tail: make([]int32, nterms), seen: make([]uint32, len(m.topics))}
		for i := range s.head {
			s.head[i] = -1
		}
		return s
	}
	return m, nil
}

func (m *Matcher) termID(p pattern, lens map[int]bool) int32 {
	dict := m.exact
	if p.prefix {
		dict = m.prefix
		lens[len(p.text)] = true
	}
	if id, ok := dict[p.text]; ok {
		return id
	}
	id := int32(len(m.exact) + len(m.prefix))
	dict[p.text] = id
	return id
}

func (m *Matcher) compile(n node, terms map[int32]bool, lens map[int]bool) cnode {
	switch n := n.(type) {
	case orNode:
		c := cOr{}
		for _, k := range n.kids {
			c.kids = append(c.kids, m.compile(k, terms, lens))
		}
		return c
	case andNode:
		c := cAnd{}
		for _, k := range n.kids {
			c.kids = append(c.kids, m.compile(k, terms, lens))
		}
		return c
	case notNode:
		return cNot{kid: m.compile(n.kid, terms, lens)}
	case nearNode:
		return cNear{left: m.compile(n.left, terms, lens), right: m.compile(n.right, terms, lens), n: n.n}
	case termNode:
		id := m.termID(n.words[0], lens)
		terms[id] = true
		return cTerm{first: id, words: n.words}
	case fieldNode:
		return cField{lang: n.field == "lang", val: n.value}
	}
	panic(fmt.Sprintf("topic: unknown node %T", n))
}

// triggers returns terms of which at least one occurs in every text n
// matches, choosing the smallest set for AND and NEAR (so a topic like
// "brand NEAR/3 (battery OR screen)" is evaluated only for posts that
// mention the brand, not for every post about batteries), or nil when n can
// match without any term.
func triggers(n cnode) []int32 {
	switch n := n.(type) {
	case cTerm:
		return []int32{n.first}
	case cOr:
		var out []int32
		for _, k := range n.kids {
			t := triggers(k)
			if t == nil {
				return nil
			}
			out = append(out, t...)
		}
		return out
	case cAnd:
		var best []int32
		for _, k := range n.kids {
			if t := triggers(k); t != nil && (best == nil || len(t) < len(best)) {
				best = t
			}
		}
		return best
	case cNear:
		l, r := triggers(n.left), triggers(n.right)
		if l == nil || (r != nil && len(r) < len(l)) {
			return r
		}
		return l
	}
	return nil // NOT, fields
}

// Len returns the number of topics.
func (m *Matcher) Len() int { return len(m.topics) }

type tokSpan struct{ lo, hi int32 }

// state is the per-text scratch space, pooled.
type state struct {
	toks    []tokens.Token // own buffer
	view    []tokens.Token // this call's tokens (toks or shared); read only
	spans   []tokSpan      // eval scratch of match
	head    []int32        // term id → first occurrence index, -1 if none
	tail    []int32
	occPos  []int32 // occurrence → token position
	occNext []int32 // occurrence → next occurrence of the same term, -1
	touched []int32
	seen    []uint32 // topic → epoch it was queued in
	epoch   uint32
	cands   []int32
	source  string
	lang    string
}

func (s *state) add(term int32, pos int) {
	o := int32(len(s.occPos))
	s.occPos = append(s.occPos, int32(pos))
	s.occNext = append(s.occNext, -1)
	if s.head[term] < 0 {
		s.head[term] = o
		s.touched = append(s.touched, term)
	} else {
		s.occNext[s.tail[term]] = o
	}
	s.tail[term] = o
}

func (s *state) reset() {
	for _, t := range s.touched {
		s.head[t] = -1
	}
	s.touched = s.touched[:0]
	s.occPos = s.occPos[:0]
	s.occNext = s.occNext[:0]
	s.cands = s.cands[:0]
	s.toks = s.toks[:0]
	s.view = nil
}

// Match returns the topics whose query matches a post with this text,
// source and language, in definition order. It is safe for concurrent use.
func (m *Matcher) Match(text, source, lang string) []Hit {
	return m.match(context.Background(), -1, text, source, lang)
}

// MatchPost is Match for post i of the batch of a chain call: it uses the
// chain's shared tokens in ctx when there are some.
func (m *Matcher) MatchPost(ctx context.Context, i int, text, source, lang string) []Hit {
	return m.match(ctx, i, text, source, lang)
}

func (m *Matcher) match(ctx context.Context, i int, text, source, lang string) []Hit {
	s := m.pool.Get().(*state)
	defer func() {
		s.reset()
		if cap(s.toks) > 1<<16 {
			s.toks = nil
		}
		m.pool.Put(s)
	}()
	s.view = tokens.Of(ctx, i, text, &s.toks)
	s.epoch++
	if s.epoch == 0 { // wrapped: clear
		clear(s.seen)
		s.epoch = 1
	}
	s.source, s.lang = strings.ToLower(source), strings.ToLower(lang)
	for pos, t := range s.view {
		if id, ok := m.exact[t.Text]; ok {
			s.add(id, pos)
			m.queue(s, id)
		}
		for _, l := range m.prefixLens {
			if l > len(t.Text) {
				break
			}
			if id, ok := m.prefix[t.Text[:l]]; ok {
				s.add(id, pos)
				m.queue(s, id)
			}
		}
	}
	for _, ti := range m.always {
		if s.seen[ti] != s.epoch {
			s.seen[ti] = s.epoch
			s.cands = append(s.cands, ti)
		}
	}
	if len(s.cands) == 0 {
		return nil
	}
	slices.Sort(s.cands)
	var hits []Hit
	spans := s.spans[:0] // reused between calls
	for _, ti := range s.cands {
		spans = spans[:0]
		if !m.eval(m.topics[ti].root, s, &spans) {
			continue
		}
		hits = append(hits, Hit{ID: m.topics[ti].id, Spans: toRunes(spans, s.view)})
	}
	if cap(spans) <= 1<<12 {
		s.spans = spans[:0]
	}
	return hits
}

func (m *Matcher) queue(s *state, term int32) {
	for _, ti := range m.termTopics[term] {
		if s.seen[ti] != s.epoch {
			s.seen[ti] = s.epoch
			s.cands = append(s.cands, ti)
		}
	}
}

func toRunes(spans []tokSpan, toks []tokens.Token) []post.Span {
	out := make([]post.Span, 0, len(spans))
	for _, sp := range spans {
		out = append(out, post.Span{Start: toks[sp.lo].Start, End: toks[sp.hi-1].End})
	}
	slices.SortFunc(out, func(a, b post.Span) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return a.End - b.End
	})
	j := 0
	for i, sp := range out {
		if i > 0 && sp == out[j-1] {
			continue
		}
		out[j] = sp
		j++
	}
	return out[:j]
}

// eval reports whether n matches and appends the spans of the terms that
// made it match to out (on false, out is left as it was).
func (m *Matcher) eval(n cnode, s *state, out *[]tokSpan) bool {
	switch n := n.(type) {
	case cTerm:
		before := len(*out)
		for o := s.head[n.first]; o >= 0; o = s.occNext[o] {
			p := int(s.occPos[o])
			if p+len(n.words) > len(s.view) {
				continue
			}
			ok := true
			for k := 1; k < len(n.words); k++ {
				if !n.words[k].match(s.view[p+k].Text) {
					ok = false
					break
				}
			}
			if ok {
				*out = append(*out, tokSpan{int32(p), int32(p + len(n.words))})
			}
		}
		return len(*out) > before
	case cOr:
		matched := false
		for _, k := range n.kids {
			if m.eval(k, s, out) {
				matched = true
			}
		}
		return matched
	case cAnd:
		before := len(*out)
		for _, k := range n.kids {
			if !m.eval(k, s, out) {
				*out = (*out)[:before]
				return false
			}
		}
		return true
	case cNot:
		var tmp []tokSpan
		return !m.eval(n.kid, s, &tmp)
	case cNear:
		var l, r []tokSpan
		if !m.eval(n.left, s, &l) || !m.eval(n.right, s, &r) {
			return false
		}
		byLo := func(a, b tokSpan) int { return int(a.lo - b.lo) }
		slices.SortFunc(l, byLo)
		slices.SortFunc(r, byLo)
		maxLen := int32(0)
		for _, b := range r {
			maxLen = max(maxLen, b.hi-b.lo)
		}
		before := len(*out)
		lo := 0
		for _, a := range l {
			// r[k] can be near a only if a.lo-n-maxLen <= r[k].lo <= a.hi+n.
			for lo < len(r) && r[lo].lo < a.lo-int32(n.n)-maxLen {
				lo++
			}
			for k := lo; k < len(r) && r[k].lo <= a.hi+int32(n.n); k++ {
				b := r[k]
				var gap int32
				switch {
				case b.lo >= a.hi:
					gap = b.lo - a.hi
				case a.lo >= b.hi:
					gap = a.lo - b.hi
				}
				if int(gap) <= n.n {
					*out = append(*out, a, b)
				}
			}
		}
		return len(*out) > before
	case cField:
		v := s.source
		if n.lang {
			v = s.lang
			if i := strings.IndexAny(v, "-_"); i >= 0 && !n.val.prefix && !strings.ContainsAny(n.val.text, "-_") {
				v = v[:i]
			}
		}
		return n.val.match(v)
	}
	return false
}
