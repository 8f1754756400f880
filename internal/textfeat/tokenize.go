// Package textfeat turns social-media text into tokens and hashed features
// for Undertone's linear sentiment and emotion models.
//
// One Doc is tokenized once; features can then be taken over the whole post
// or over a token range (a clause). A Doc reuses its buffers, so a worker
// that keeps one Doc (or takes one from a sync.Pool) tokenizes without
// allocating. A Doc is not safe for concurrent use.
package textfeat

import (
	"unicode"
	"unicode/utf8"
)

// Flag describes a token.
type Flag uint16

// Token flags.
const (
	FlagWord       Flag = 1 << iota // letters/digits
	FlagCaps                        // an ALL CAPS word of at least two letters
	FlagNeg                         // inside a negation scope
	FlagElong                       // elongated ("soooo"), squashed to two letters
	FlagHashtag                     // came from a #hashtag
	FlagEmoji                       // an emoji or emoticon
	FlagPunct                       // punctuation (! ? . , ; :)
	FlagBoundary                    // ends a clause (. ! ? ;) or starts one (but, however ...)
	FlagNegator                     // a negation word (not, never, n't ...)
	FlagMention                     // @user
	FlagURL                         // a link
	FlagBooster                     // an intensifier (very, so, really ...)
	FlagDiminisher                  // a diminisher (slightly, kinda ...)
	FlagContrast                    // but, however, although ...
)

// Token is one normalized token. Start and End are rune offsets into the
// tokenized text, End exclusive.
type Token struct {
	Hash  uint64 // FNV-1a of the normalized form
	Start int32
	End   int32
	off   int32 // normalized bytes in Doc.buf
	n     int32
	Val   float32 // lexicon valence (-4..4), 0 when none
	Flags Flag
	Rep   uint8 // repeat count for punctuation runs (capped)
}

// Doc is a tokenized text plus scratch space for features. The zero value
// is ready to use.
type Doc struct {
	Tokens []Token
	buf    []byte
	// AllCaps reports that the whole text is upper case (shouting is then
	// not a per-word emphasis).
	AllCaps bool
	feats   []uint32
	gram    []byte // "<word>" scratch for charGrams
	// character n-gram cache of the current tokens (see charGrams)
	gref  []gramRef
	gvals []uint64
	gcfg  [2]int
}

// Norm returns the normalized bytes of token i. The slice aliases the Doc's
// buffer and is valid until the next Tokenize.
func (d *Doc) Norm(i int) []byte {
	t := &d.Tokens[i]
	return d.buf[t.off : t.off+t.n]
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// Hash returns the token hash of a normalized string (as Tokenize computes
// it for a token with that normalized form).
func Hash(s string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func hashBytes(b []byte) uint64 {
	h := uint64(fnvOffset)
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

// emoticons recognised at a punctuation or symbol position, longest first
// within each leading character; the value is the normalized form.
var emoticons = []struct{ s, norm string }{
	{":-)", ":)"}, {":)", ":)"}, {":]", ":)"}, {"=)", ":)"}, {":-))", ":)"}, {":))", ":)"},
	{":-(", ":("}, {":(", ":("}, {":[", ":("}, {"=(", ":("}, {":((", ":("},
	{":-D", ":d"}, {":D", ":d"}, {"=D", ":d"},
	{";-)", ";)"}, {";)", ";)"},
	{":-P", ":p"}, {":P", ":p"}, {":-p", ":p"}, {":p", ":p"}, {";P", ":p"}, {";p", ":p"},
	{":'(", ":'("}, {":,(", ":'("}, {":'-(", ":'("},
	{":')", ":')"},
	{":-/", ":/"}, {":/", ":/"}, {":\\", ":/"},
	{":-|", ":|"}, {":|", ":|"},
	{":-o", ":o"}, {":o", ":o"}, {":O", ":o"}, {":-O", ":o"},
	{":*", ":*"}, {":-*", ":*"},
	{"</3", "</3"}, {"<3", "<3"},
	{"^_^", "^^"}, {"^^", "^^"}, {"-_-", "-_-"}, {">:(", ">:("}, {"D:", "d:"},
}

func isEmoji(r rune) bool {
	switch {
	case r >= 0x1F300 && r <= 0x1FAFF:
		return r < 0x1F3FB || r > 0x1F3FF // not skin-tone modifiers
	case r >= 0x2600 && r <= 0x27BF:
		return true
	case r >= 0x1F000 && r <= 0x1F2FF:
		return true
	case r == 0x2B50 || r == 0x2B55 || r == 0x203C || r == 0x2049:
		return true
	}
	return false
}

// Tokenize replaces the Doc's tokens with those of text.
func (d *Doc) Tokenize(text string) {
	d.Tokens = d.Tokens[:0]
	d.buf = d.buf[:0]
	d.gref = d.gref[:0]
	letters, upper := 0, 0
	ri := int32(0) // rune index of byte position i
	i := 0
	for i < len(text) {
		c := text[i]
		// fast ASCII whitespace
		if c == ' ' || c == '\n' || c == '\t' || c == '\r' {
			i++
			ri++
			continue
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		switch {
		case isWordRune(r):
			ni, nri, l, u := d.word(text, i, ri, 0)
			letters += l
			upper += u
			i, ri = ni, nri
			continue
		case (c == '#' || c == '@') && i+1 < len(text) && isWordStart(text[i+1:]):
			var fl Flag = FlagHashtag
			if c == '@' {
				fl = FlagMention
			}
			ni, nri, _, _ := d.word(text, i+1, ri+1, fl)
			i, ri = ni, nri
			continue
		case c == '!' || c == '?':
			j, rep := i, 0
			ex, q := false, false
			for j < len(text) && (text[j] == '!' || text[j] == '?' || text[j] == '1' && ex) {
				if text[j] == '!' {
					ex = true
				} else if text[j] == '?' {
					q = true
				}
				j++
				rep++
			}
			var norm string
			switch {
			case ex && q:
				norm = "?!"
			case ex && rep > 1:
				norm = "!!"
			case ex:
				norm = "!"
			case rep > 1:
				norm = "??"
			default:
				norm = "?"
			}
			if rep > 255 {
				rep = 255
			}
			d.push(norm, ri, ri+int32(j-i), FlagPunct|FlagBoundary, uint8(rep))
			ri += int32(j - i)
			i = j
			continue
		case isEmoji(r):
			d.push(text[i:i+size], ri, ri+1, FlagEmoji, 1)
			i += size
			ri++
			continue
		}
		if c < utf8.RuneSelf {
			if e, n := matchEmoticon(text[i:]); n > 0 {
				d.push(e, ri, ri+int32(n), FlagEmoji, 1)
				i += n
				ri += int32(n)
				continue
			}
			if c == '&' {
				// HTML entities left in scraped text: &lt;3 is a heart,
				// the others are dropped.
				if n := entityLen(text[i:]); n > 0 {
					if text[i+1] == 'l' && i+n < len(text) && text[i+n] == '3' {
						d.push("<3", ri, ri+int32(n+1), FlagEmoji, 1)
						i += n + 1
						ri += int32(n + 1)
						continue
					}
					i += n
					ri += int32(n)
					continue
				}
			}
			switch c {
			case '.':
				j := i
				for j < len(text) && text[j] == '.' {
					j++
				}
				if j-i > 1 {
					d.push("..", ri, ri+int32(j-i), FlagPunct|FlagBoundary, 1)
				} else {
					d.push(".", ri, ri+1, FlagPunct|FlagBoundary, 1)
				}
				ri += int32(j - i)
				i = j
				continue
			case ';':
				d.push(";", ri, ri+1, FlagPunct|FlagBoundary, 1)
			case ',':
				d.push(",", ri, ri+1, FlagPunct, 1)
			case ':':
				d.push(":", ri, ri+1, FlagPunct, 1)
			}
		}
		i += size
		ri++
	}
	d.AllCaps = letters >= 4 && upper*10 >= letters*9
	d.markNegation()
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isWordStart(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return isWordRune(r) || r == '_'
}

// emoticonStart marks the bytes some emoticon starts with.
var emoticonStart = func() (t [256]bool) {
	for _, e := range emoticons {
		t[e.s[0]] = true
	}
	return t
}()

func matchEmoticon(s string) (string, int) {
	if !emoticonStart[s[0]] {
		return "", 0
	}
	for _, e := range emoticons {
		if len(s) >= len(e.s) && s[:len(e.s)] == e.s {
			// must end at a boundary
			if len(s) == len(e.s) || !isWordStart(s[len(e.s):]) || e.s[len(e.s)-1] == ')' || e.s[len(e.s)-1] == '(' {
				return e.norm, len(e.s)
			}
		}
	}
	return "", 0
}

// word scans a word starting at byte i (rune index ri) and pushes it. It
// returns the next byte and rune positions and the letters/upper counts.
func (d *Doc) word(text string, i int, ri int32, fl Flag) (int, int32, int, int) {
	start := len(d.buf)
	startRi := ri
	letters, upper, digits := 0, 0, 0
	var last rune = -1
	run := 0
	elong := false
	// camelCase split points for hashtags (byte offsets in buf)
	var splits [8]int32
	nsplit := 0
	prevLower := false
scan:
	for i < len(text) {
		c := text[i]
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		if r == '\'' || r == '’' {
			// apostrophe inside a word: keep if followed by a letter
			if i+size < len(text) && isWordRune(rune(text[i+size])) && last != -1 {
				d.buf = append(d.buf, '\'')
				last = '\''
				run = 1
				i += size
				ri++
				continue
			}
			break
		}
		var isUp, isLetter bool
		var lr rune
		if r < utf8.RuneSelf {
			// ASCII fast path: the same answers as the unicode calls below.
			switch {
			case r >= 'a' && r <= 'z':
				isLetter = true
				lr = r
			case r >= 'A' && r <= 'Z':
				isLetter, isUp = true, true
				lr = r + ('a' - 'A')
			case r >= '0' && r <= '9' || r == '_':
				lr = r
			default:
				break scan
			}
		} else {
			if !isWordRune(r) {
				break
			}
			isUp = unicode.IsUpper(r)
			isLetter = unicode.IsLetter(r)
			lr = unicode.ToLower(r)
		}
		if isLetter {
			letters++
			if isUp {
				upper++
			}
		} else if r >= '0' && r <= '9' {
			digits++
		}
		if fl&FlagHashtag != 0 && isUp && prevLower && nsplit < len(splits) {
			splits[nsplit] = int32(len(d.buf) - start)
			nsplit++
		}
		if r < utf8.RuneSelf {
			prevLower = r >= 'a' && r <= 'z'
		} else {
			prevLower = unicode.IsLower(r)
		}
		if lr == last {
			run++
		} else {
			run = 1
			last = lr
		}
		if run >= 3 && (r < utf8.RuneSelf && isLetter || r >= utf8.RuneSelf && unicode.IsLetter(lr)) {
			elong = true
		} else {
			if lr < utf8.RuneSelf {
				d.buf = append(d.buf, byte(lr))
			} else {
				d.buf = utf8.AppendRune(d.buf, lr)
			}
		}
		i += size
		ri++
	}
	flags := FlagWord | fl
	if elong {
		flags |= FlagElong
	}
	if letters >= 2 && upper == letters {
		flags |= FlagCaps
	}
	b := d.buf[start:]
	switch {
	case fl&FlagMention != 0:
		d.buf = d.buf[:start]
		d.push("<user>", startRi-1, ri, FlagMention, 1)
		return i, ri, 0, 0
	case (string(b) == "http" || string(b) == "https") && i+2 < len(text) && text[i] == ':' && text[i+1] == '/',
		string(b) == "www" && i < len(text) && text[i] == '.':
		for i < len(text) && text[i] != ' ' && text[i] != '\n' && text[i] != '\t' {
			_, size := utf8.DecodeRuneInString(text[i:])
			i += size
			ri++
		}
		d.buf = d.buf[:start]
		d.push("<url>", startRi, ri, FlagURL, 1)
		return i, ri, 0, 0
	case digits > 0 && letters == 0:
		d.buf = d.buf[:start]
		d.push("<num>", startRi, ri, FlagWord, 1)
		return i, ri, 0, 0
	}
	if fl&FlagHashtag != 0 && nsplit > 0 {
		// #NotHappy -> not, happy (each flagged hashtag)
		whole := append([]byte(nil), b...) // rare path
		d.buf = d.buf[:start]
		prev := int32(0)
		for k := 0; k <= nsplit; k++ {
			end := int32(len(whole))
			if k < nsplit {
				end = splits[k]
			}
			d.pushBytes(whole[prev:end], startRi-1, ri, flags&^FlagCaps)
			prev = end
		}
		return i, ri, letters, upper
	}
	n := int32(len(d.buf) - start)
	startRune := startRi
	if fl&FlagHashtag != 0 {
		startRune--
	}
	d.Tokens = append(d.Tokens, Token{
		Hash: hashBytes(d.buf[start:]), Start: startRune, End: ri,
		off: int32(start), n: n, Flags: flags, Rep: 1,
	})
	return i, ri, letters, upper
}

func (d *Doc) push(norm string, start, end int32, fl Flag, rep uint8) {
	off := len(d.buf)
	d.buf = append(d.buf, norm...)
	d.Tokens = append(d.Tokens, Token{
		Hash: Hash(norm), Start: start, End: end,
		off: int32(off), n: int32(len(norm)), Flags: fl, Rep: rep,
	})
}

func (d *Doc) pushBytes(norm []byte, start, end int32, fl Flag) {
	off := len(d.buf)
	d.buf = append(d.buf, norm...)
	d.Tokens = append(d.Tokens, Token{
		Hash: hashBytes(norm), Start: start, End: end,
		off: int32(off), n: int32(len(norm)), Flags: fl, Rep: 1,
	})
}

// markNegation flags negators, clause-starting conjunctions and the words in
// a negation scope: the (at most maxScope) words after a negator, up to
// punctuation or a clause boundary.
func (d *Doc) markNegation() {
	const maxScope = 4
	scope := 0
	for i := range d.Tokens {
		t := &d.Tokens[i]
		if t.Flags&FlagWord == 0 {
			if t.Flags&FlagPunct != 0 {
				scope = 0
			}
			if t.Flags&FlagEmoji != 0 {
				if v, ok := lex.lookup(t.Hash); ok && v.kind&kindValence != 0 {
					t.Val = v.valence
				}
			}
			continue
		}
		v, _ := lex.lookup(t.Hash)
		if v.kind&kindValence != 0 {
			t.Val = v.valence
		}
		if v.kind&kindBooster != 0 {
			t.Flags |= FlagBooster
		}
		if v.kind&kindDiminisher != 0 {
			t.Flags |= FlagDiminisher
		}
		if v.kind&kindContrast != 0 {
			t.Flags |= FlagContrast
		}
		if v.kind&kindBoundary != 0 {
			t.Flags |= FlagBoundary
			scope = 0
			continue
		}
		if v.kind&kindNegator != 0 || isNT(d.Norm(i)) {
			t.Flags |= FlagNegator
			scope = maxScope
			continue
		}
		if scope > 0 {
			t.Flags |= FlagNeg
			scope--
		}
	}
}

func isNT(b []byte) bool {
	n := len(b)
	return n > 3 && b[n-1] == 't' && b[n-2] == '\'' && b[n-3] == 'n'
}

// entityLen returns the length of an HTML entity at the start of s, or 0.
func entityLen(s string) int {
	for _, e := range [...]string{"&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&apos;", "&nbsp;"} {
		if len(s) >= len(e) && s[:len(e)] == e {
			return len(e)
		}
	}
	return 0
}
