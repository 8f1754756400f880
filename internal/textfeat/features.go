package textfeat

import (
	"math"

	"github.com/undertone/undertone/post"
)

// Rule is the rule-based (lexicon) polarity of a token range.
type Rule struct {
	// Compound is the normalized polarity in (-1, 1).
	Compound float32
	// Pos and Neg are the summed positive and negative valences (>= 0).
	Pos, Neg float32
}

var boosterScale = [3]float32{1, 0.95, 0.9}

func sign(v float32) float32 {
	if v < 0 {
		return -1
	}
	return 1
}

// Rule scores tokens [a, b) with lexicon valences adjusted for ALL CAPS,
// intensifiers and diminishers (up to three words before), negation scope,
// contrast ("but": the clause before counts half, the one after 1.5 times)
// and exclamation marks.
func (d *Doc) Rule(a, b int) Rule {
	contrastAt := -1
	for i := a; i < b; i++ {
		if d.Tokens[i].Flags&FlagContrast != 0 {
			contrastAt = i
		}
	}
	var sum, pos, neg float32
	ex := 0
	for i := a; i < b; i++ {
		t := &d.Tokens[i]
		if t.Flags&FlagPunct != 0 {
			if d.buf[t.off] == '!' || t.n == 2 && d.buf[t.off+1] == '!' {
				ex += int(t.Rep)
			}
			continue
		}
		v := t.Val
		if v == 0 {
			continue
		}
		s := sign(v)
		if t.Flags&FlagCaps != 0 && !d.AllCaps {
			v += s * 0.733
		}
		for k := 1; k <= 3 && i-k >= a; k++ {
			p := d.Tokens[i-k].Flags
			if p&FlagBooster != 0 {
				v += s * 0.293 * boosterScale[k-1]
			} else if p&FlagDiminisher != 0 {
				v -= s * 0.293 * boosterScale[k-1]
			}
		}
		if t.Flags&FlagNeg != 0 {
			v *= -0.74
		}
		if contrastAt >= 0 {
			if i < contrastAt {
				v *= 0.5
			} else {
				v *= 1.5
			}
		}
		sum += v
		if v > 0 {
			pos += v
		} else {
			neg -= v
		}
	}
	if sum != 0 && ex > 0 {
		sum += sign(sum) * float32(min(ex, 4)) * 0.292
	}
	return Rule{Compound: sum / float32(math.Sqrt(float64(sum*sum+15))), Pos: pos, Neg: neg}
}

// NumDense is the number of dense features Dense writes.
const NumDense = 9

// Dense writes the dense (rule and style) features of tokens [a, b) into
// out, which must have length NumDense. Values are in [-1, 1].
func (d *Doc) Dense(a, b int, out []float32) {
	r := d.Rule(a, b)
	var ex, q, caps, negs, emo int
	for i := a; i < b; i++ {
		t := &d.Tokens[i]
		switch {
		case t.Flags&FlagPunct != 0:
			switch d.buf[t.off] {
			case '!':
				ex += int(t.Rep)
			case '?':
				q += int(t.Rep)
			}
		case t.Flags&FlagEmoji != 0:
			emo++
		}
		if t.Flags&FlagCaps != 0 {
			caps++
		}
		if t.Flags&FlagNegator != 0 {
			negs++
		}
	}
	out[0] = r.Compound
	out[1] = r.Pos / (r.Pos + 4)
	out[2] = r.Neg / (r.Neg + 4)
	out[3] = float32(min(ex, 3)) / 3
	out[4] = float32(min(q, 3)) / 3
	if d.AllCaps {
		out[5], out[6] = 0, 1
	} else {
		out[5], out[6] = float32(min(caps, 3))/3, 0
	}
	out[7] = float32(min(negs, 2)) / 2
	out[8] = float32(min(emo, 3)) / 3
}

const (
	seedUni   = 0x9e3779b97f4a7c15
	seedNeg   = 0xc2b2ae3d27d4eb4f
	seedBi    = 0x165667b19e3779f9
	seedCaps  = 0x27d4eb2f165667c5
	seedTag   = 0x85ebca77c2b2ae63
	seedElong = 0xff51afd7ed558ccd
	seedStart = 0x4cf5ad432745937f
)

func mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// Features returns hashed feature ids in [0, 1<<bits) for tokens [a, b):
// unigrams (negated words get their own id), bigrams, ALL CAPS and hashtag
// variants and an elongation marker. The slice aliases the Doc's scratch
// space and is valid until the next call.
func (d *Doc) Features(a, b int, bits uint) []uint32 {
	return d.FeaturesChar(a, b, bits, 0, 0)
}

// FeaturesChar is Features plus character n-grams (minN..maxN bytes, with
// word-boundary markers) of each word when maxN >= 3; minN < 3 means 3.
func (d *Doc) FeaturesChar(a, b int, bits uint, minN, maxN int) []uint32 {
	return d.FeaturesCharNeg(a, b, bits, minN, maxN, false)
}

// FeaturesCharNeg is FeaturesChar; with negChar set, the character n-grams
// of a word in a negation scope get their own ids, as its unigram does (so
// the n-grams of "hate" in "don't hate" do not carry the weights learned
// for "hate").
func (d *Doc) FeaturesCharNeg(a, b int, bits uint, minN, maxN int, negChar bool) []uint32 {
	f := d.feats[:0]
	shift := 64 - bits
	prev := uint64(seedStart)
	for i := a; i < b; i++ {
		t := &d.Tokens[i]
		h := t.Hash
		if t.Flags&FlagNeg != 0 {
			f = append(f, uint32(mix(h^seedNeg)>>shift))
		} else {
			f = append(f, uint32(mix(h^seedUni)>>shift))
		}
		f = append(f, uint32(mix(prev*31^h^seedBi)>>shift))
		prev = h
		if t.Flags&FlagCaps != 0 && !d.AllCaps {
			f = append(f, uint32(mix(h^seedCaps)>>shift))
		}
		if t.Flags&FlagHashtag != 0 {
			f = append(f, uint32(mix(h^seedTag)>>shift))
		}
		if t.Flags&FlagElong != 0 {
			f = append(f, uint32(mix(seedElong)>>shift))
		}
		if maxN >= 3 && t.Flags&FlagWord != 0 && t.n >= 3 {
			n0 := len(f)
			f = d.charGrams(f, i, max(minN, 3), maxN, shift)
			if negChar && t.Flags&FlagNeg != 0 {
				for j, v := range d.gvals[d.gref[i].off : d.gref[i].off+d.gref[i].n] {
					f[n0+j] = uint32(mix(v^seedNeg) >> shift)
				}
			}
		}
	}
	if b > a {
		f = append(f, uint32(mix(prev*31^seedStart^seedBi)>>shift))
	}
	d.feats = f
	return f
}

const seedChar = 0x2545f4914f6cdd1d

// charGrams appends hashed byte n-grams (minN..maxN) of "<word>" for token
// ti. The mixed 64-bit values are cached per token until the next Tokenize
// (or a call with other n-gram bounds), because the sentiment and emotion
// enrichers score a post and then its clauses, which are the same tokens.
func (d *Doc) charGrams(f []uint32, ti int, minN, maxN int, shift uint) []uint32 {
	if len(d.gref) != len(d.Tokens) || d.gcfg != [2]int{minN, maxN} {
		d.gcfg = [2]int{minN, maxN}
		d.gvals = d.gvals[:0]
		d.gref = d.gref[:0]
		for range d.Tokens {
			d.gref = append(d.gref, gramRef{n: -1})
		}
	}
	ref := &d.gref[ti]
	if ref.n < 0 {
		t := &d.Tokens[ti]
		g := append(d.gram[:0], '<')
		g = append(g, d.buf[t.off:t.off+t.n]...)
		g = append(g, '>')
		d.gram = g
		m := len(g)
		ref.off = int32(len(d.gvals))
		for n := minN; n <= maxN; n++ {
			for i := 0; i+n <= m; i++ {
				h := uint64(fnvOffset) ^ uint64(n)
				for _, c := range g[i : i+n] {
					h ^= uint64(c)
					h *= fnvPrime
				}
				d.gvals = append(d.gvals, mix(h^seedChar))
			}
		}
		ref.n = int32(len(d.gvals)) - ref.off
	}
	for _, v := range d.gvals[ref.off : ref.off+ref.n] {
		f = append(f, uint32(v>>shift))
	}
	return f
}

// gramRef locates a token's cached character n-gram values in Doc.gvals;
// n < 0: not computed yet.
type gramRef struct{ off, n int32 }

var (
	hWish      = Hash("wish")
	hWished    = Hash("wished")
	hWishing   = Hash("wishing")
	hHope      = Hash("hope")
	hHoping    = Hash("hoping")
	hHopefully = Hash("hopefully")
	hIf        = Hash("if")
	hOnly      = Hash("only")
	hWould     = Hash("would")
	hId        = Hash("i'd")
	hLove      = Hash("love")
	hWait      = Hash("wait")
	hWorried   = Hash("worried")
	hAfraid    = Hash("afraid")
	hScared    = Hash("scared")
	hTerrified = Hash("terrified")
	hNervous   = Hash("nervous")
	hAnxious   = Hash("anxious")
	hConcerned = Hash("concerned")
	hThat      = Hash("that")
	hOf        = Hash("of")
	hAbout     = Hash("about")
	hWhat      = Hash("what")
	hFear      = Hash("fear")
	hDread     = Hash("dread")
)

// Cues reports wish/hope constructions (desire: "wish", "hope", "if only",
// "would love", "can't wait") and worry constructions (fear: "worried
// that/about", "afraid of/that", "scared of", "what if", "terrified") in
// tokens [a, b).
func (d *Doc) Cues(a, b int) (desire, fear bool) {
	for i := a; i < b; i++ {
		t := &d.Tokens[i]
		h := t.Hash
		var next uint64
		if i+1 < b {
			next = d.Tokens[i+1].Hash
		}
		switch h {
		case hWish, hWished, hWishing, hHope, hHoping, hHopefully:
			if t.Flags&FlagNeg == 0 {
				desire = true
			}
		case hIf:
			if next == hOnly {
				desire = true
			}
		case hWould, hId:
			if next == hLove {
				desire = true
			}
		case hWhat:
			if next == hIf {
				fear = true
			}
		case hWorried, hAfraid, hScared, hNervous, hAnxious, hConcerned:
			if t.Flags&FlagNeg == 0 && (next == hThat || next == hOf || next == hAbout) {
				fear = true
			}
		case hTerrified, hDread:
			if t.Flags&FlagNeg == 0 {
				fear = true
			}
		case hFear:
			if next == hThat {
				fear = true
			}
		}
		if t.Flags&FlagNegator != 0 && next == hWait {
			d0 := d.Norm(i)
			if len(d0) >= 3 && d0[0] == 'c' && d0[1] == 'a' && d0[2] == 'n' {
				desire = true
			}
		}
	}
	return desire, fear
}

// Clause is a token range [Start, End) of a Doc.
type Clause struct{ Start, End int }

// Clauses splits the Doc into clauses at sentence punctuation (. ! ? ;) and
// before clause-starting conjunctions (but, although, however, though,
// while, whereas, except). Punctuation belongs to the clause it ends; a
// conjunction starts the next clause. The result aliases dst's storage.
func (d *Doc) Clauses(dst []Clause) []Clause {
	dst = dst[:0]
	start := 0
	for i := range d.Tokens {
		t := &d.Tokens[i]
		if t.Flags&FlagBoundary == 0 {
			continue
		}
		if t.Flags&FlagWord != 0 { // conjunction: starts the next clause
			if i > start {
				dst = append(dst, Clause{start, i})
			}
			start = i
			continue
		}
		dst = append(dst, Clause{start, i + 1})
		start = i + 1
	}
	if start < len(d.Tokens) {
		dst = append(dst, Clause{start, len(d.Tokens)})
	}
	return dst
}

// ClauseAt returns the index of the clause containing rune offset r, or -1.
func (d *Doc) ClauseAt(cl []Clause, r int) int {
	for k, c := range cl {
		if c.End <= c.Start {
			continue
		}
		lo, hi := int(d.Tokens[c.Start].Start), int(d.Tokens[c.End-1].End)
		if k+1 < len(cl) {
			hi = int(d.Tokens[cl[k+1].Start].Start)
		}
		if k == 0 {
			lo = 0
		}
		if r >= lo && r < hi {
			return k
		}
	}
	if len(cl) > 0 {
		return len(cl) - 1
	}
	return -1
}

// SpanClauses appends to dst the indices of the clauses (from Clauses) that
// contain the start of any of spans (rune offsets), each once, in order.
func (d *Doc) SpanClauses(cl []Clause, spans []post.Span, dst []int) []int {
	dst = dst[:0]
	for _, s := range spans {
		k := d.ClauseAt(cl, s.Start)
		if k < 0 {
			continue
		}
		dup := false
		for _, j := range dst {
			dup = dup || j == k
		}
		if !dup {
			dst = append(dst, k)
		}
	}
	return dst
}

// TopicClauses returns the indices of the clauses about topics[t]: the
// clauses that mention it, plus every clause that mentions no topic at all,
// which belongs to the topic(s) mentioned last before it — or, before the
// first mention, to the topic(s) mentioned first. So in "My Acme Phone
// battery looks swollen. Scared to use it." the second sentence is about the
// Acme Phone, while "I love my Acme but I'm scared of Beta's battery" keeps
// each clause with its own topic. Only the first 64 topics can inherit
// clauses; later ones keep the clauses that mention them. The result
// aliases dst's storage.
func (d *Doc) TopicClauses(cl []Clause, topics []post.TopicHit, t int, dst []int) []int {
	if t >= 64 {
		return d.SpanClauses(cl, topics[t].Spans, dst)
	}
	// mentions[k]: bit u set when clause k mentions topic u.
	var stack [16]uint64
	var mentions []uint64
	if len(cl) <= len(stack) {
		mentions = stack[:len(cl)]
	} else {
		mentions = make([]uint64, len(cl))
	}
	for u := range topics {
		if u >= 64 {
			break
		}
		for _, s := range topics[u].Spans {
			if k := d.ClauseAt(cl, s.Start); k >= 0 {
				mentions[k] |= 1 << u
			}
		}
	}
	var owner uint64
	for _, m := range mentions { // before the first mention: the first topics mentioned
		if m != 0 {
			owner = m
			break
		}
	}
	dst = dst[:0]
	bit := uint64(1) << t
	for k, m := range mentions {
		if m != 0 {
			owner = m
		}
		if (m != 0 && m&bit != 0) || (m == 0 && owner&bit != 0) {
			dst = append(dst, k)
		}
	}
	return dst
}
