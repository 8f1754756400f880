package textfeat

import (
	_ "embed" // lexicon file
	"math"
	"strconv"
	"strings"
)

// LexiconVersion changes whenever the lexicon tables below or the embedded
// lexicon file change; model versions include it.
const LexiconVersion = "lex1"

//go:embed vader_lexicon.tsv
var vaderTSV string

type kind uint8

const (
	kindValence kind = 1 << iota
	kindNegator
	kindBoundary // clause-starting conjunction (but, however ...)
	kindBooster
	kindDiminisher
	kindContrast // "but"-like: later clause weighs more
)

type entry struct {
	key     uint64
	valence float32
	kind    kind
}

// table is an open-addressing hash table keyed by token hash; lookups do not
// allocate and are cheaper than a Go map in the tokenizer's hot loop.
type table struct {
	slots []entry
	mask  uint64
}

func newTable(n int) *table {
	size := 1
	for size < n*2 {
		size <<= 1
	}
	return &table{slots: make([]entry, size), mask: uint64(size - 1)}
}

func (t *table) put(key uint64, f func(*entry)) {
	i := (key ^ key>>29) & t.mask
	for {
		s := &t.slots[i]
		if s.key == key || s.key == 0 {
			s.key = key
			f(s)
			return
		}
		i = (i + 1) & t.mask
	}
}

func (t *table) lookup(key uint64) (entry, bool) {
	i := (key ^ key>>29) & t.mask
	for {
		s := t.slots[i]
		if s.key == key {
			return s, true
		}
		if s.key == 0 {
			return entry{}, false
		}
		i = (i + 1) & t.mask
	}
}

var negators = []string{
	"not", "no", "never", "cannot", "cant", "dont", "wont", "isnt", "arent", "wasnt",
	"werent", "doesnt", "didnt", "havent", "hasnt", "hadnt", "shouldnt", "wouldnt",
	"couldnt", "aint", "nothing", "nobody", "none", "neither", "nor", "nowhere",
	"without", "nope", "rarely", "seldom", "idk",
}

var boundaries = []string{"but", "however", "although", "though", "while", "whereas", "except", "nevertheless", "nonetheless"}

var contrasts = []string{"but", "however", "although", "though", "nevertheless", "nonetheless", "except"}

var boosters = []string{
	"absolutely", "amazingly", "awfully", "completely", "considerably", "deeply",
	"enormously", "entirely", "especially", "exceptionally", "extremely", "fully",
	"greatly", "hella", "highly", "hugely", "incredibly", "intensely", "majorly",
	"most", "particularly", "purely", "quite", "really", "remarkably", "so", "soo",
	"substantially", "thoroughly", "totally", "tremendously", "truly", "unbelievably",
	"utterly", "very", "super", "damn", "freaking", "fucking", "effing", "frickin",
	"friggin", "insanely", "seriously", "crazy", "mad", "too", "such",
}

var diminishers = []string{
	"almost", "barely", "hardly", "kinda", "kindof", "sorta", "sortof", "less",
	"marginally", "occasionally", "partly", "scarcely", "slightly", "somewhat", "little",
	"bit", "mildly",
}

// extraValence adds emoji and slang missing from the base lexicon (values on
// the same -4..4 scale, set by us).
var extraValence = map[string]float32{
	"😂": 1.5, "🤣": 2, "😭": -1, "❤": 3, "♥": 2.5, "😍": 3, "🥰": 3, "😊": 2.5,
	"☺": 2, "🙂": 1.5, "😀": 2, "😁": 2, "😃": 2, "😄": 2, "😆": 2, "😉": 1.5,
	"😘": 2.5, "👍": 2, "👏": 2, "🎉": 2.5, "🔥": 1.5, "💯": 2, "🙏": 1.5, "✨": 1,
	"💕": 3, "💖": 3, "💙": 2.5, "💜": 2.5, "💚": 2.5, "💛": 2.5, "😎": 1.5, "😜": 1.2,
	"😅": 0.5, "💔": -2.5, "😢": -2, "😞": -2, "😔": -2, "😩": -2, "😫": -2,
	"😠": -2.5, "😡": -3, "🤬": -3, "😤": -1.5, "😒": -1.5, "🙄": -1.5, "😱": -2,
	"😨": -2, "😰": -2, "😟": -1.5, "😕": -1, "😐": -0.3, "👎": -2, "🤮": -2.5,
	"🤢": -2, "💩": -1.5, "😬": -0.8, "😳": -0.5, "😥": -1.5, "😓": -1.5, "😿": -2,
	"smh": -1.2, "fml": -2.5, "meh": -0.5, "ugh": -1.8, "ughh": -1.8, "yay": 2.4,
	"yaay": 2.4, "woohoo": 2.4, "lit": 1.2, "dope": 1.5, "sucks": -1.8, "suck": -1.5,
	"crap": -1.6, "shit": -1.5, "wtf": -2.5, "lmao": 1.8, "lmfao": 1.8, "rofl": 1.8,
	"awesome": 3.1, "thx": 1.5, "tysm": 2.5, "ty": 1.2, "bae": 1.5, "goat": 1,
	"scam": -2.5, "broken": -1.8, "refund": -0.8, "overpriced": -1.8, "laggy": -1.5,
	"buggy": -1.8, "glitchy": -1.5, "sick": -0.5,
}

// lex is the read-only lexicon shared by every Doc.
var lex = buildLexicon()

func buildLexicon() *table {
	t := newTable(9000)
	for _, line := range strings.Split(vaderTSV, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		tok, val, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil || math.IsNaN(v) {
			continue
		}
		t.put(Hash(tok), func(e *entry) { e.valence, e.kind = float32(v), e.kind|kindValence })
	}
	for tok, v := range extraValence {
		t.put(Hash(tok), func(e *entry) { e.valence, e.kind = v, e.kind|kindValence })
	}
	set := func(words []string, k kind) {
		for _, w := range words {
			t.put(Hash(w), func(e *entry) { e.kind |= k })
		}
	}
	set(negators, kindNegator)
	set(boundaries, kindBoundary)
	set(contrasts, kindContrast)
	set(boosters, kindBooster)
	set(diminishers, kindDiminisher)
	// Negators and boosters carry no valence of their own.
	for _, w := range append(append([]string{}, negators...), boosters...) {
		t.put(Hash(w), func(e *entry) { e.valence = 0; e.kind &^= kindValence })
	}
	return t
}

// Valence returns the lexicon valence (-4..4) of a normalized token, and
// whether it has one.
func Valence(norm string) (float32, bool) {
	e, ok := lex.lookup(Hash(norm))
	if !ok || e.kind&kindValence == 0 {
		return 0, false
	}
	return e.valence, true
}
