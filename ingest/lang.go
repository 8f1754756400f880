package ingest

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/abadojack/whatlanggo"
)

// LangUndetermined is the BCP 47 code for "language not determined".
const LangUndetermined = "und"

// detectWhitelist restricts whatlanggo to widely used languages: on short
// social posts an open set confuses English with Scots or Latin with
// Tagalog far more often than it finds a rarer language.
var detectOptions = whatlanggo.Options{Whitelist: map[whatlanggo.Lang]bool{
	whatlanggo.Eng: true, whatlanggo.Spa: true, whatlanggo.Por: true, whatlanggo.Fra: true,
	whatlanggo.Deu: true, whatlanggo.Ita: true, whatlanggo.Nld: true, whatlanggo.Pol: true,
	whatlanggo.Swe: true, whatlanggo.Dan: true, whatlanggo.Nob: true, whatlanggo.Fin: true,
	whatlanggo.Tur: true, whatlanggo.Ces: true, whatlanggo.Ron: true, whatlanggo.Hun: true,
	whatlanggo.Ind: true, whatlanggo.Rus: true, whatlanggo.Ukr: true, whatlanggo.Arb: true,
	whatlanggo.Hin: true, whatlanggo.Jpn: true, whatlanggo.Cmn: true, whatlanggo.Kor: true,
	whatlanggo.Heb: true, whatlanggo.Ell: true, whatlanggo.Vie: true, whatlanggo.Tha: true,
}}

// englishFunctionWords are frequent English words that are rare as words
// in the other whitelisted Latin-script languages.
var englishFunctionWords = map[string]bool{
	"the": true, "and": true, "is": true, "it": true, "my": true, "i": true, "to": true, "of": true,
	"this": true, "that": true, "with": true, "for": true, "was": true, "you": true, "but": true,
	"not": true, "have": true, "has": true, "just": true, "so": true, "are": true, "be": true,
	"what": true, "why": true, "how": true, "when": true, "does": true, "do": true, "can": true,
	"will": true, "would": true, "should": true, "anyone": true, "me": true, "its": true, "it's": true,
	"i'm": true, "don't": true, "really": true, "love": true, "about": true, "after": true,
	"again": true, "than": true, "they": true, "their": true, "from": true, "at": true, "on": true,
	"or": true, "if": true, "your": true, "too": true, "been": true, "never": true, "still": true,
	"wish": true, "hate": true, "scared": true, "worried": true, "any": true, "new": true,
}

// DetectLang returns the ISO 639-1 code of text's language ("en", "de",
// ...), or "und" when it cannot tell. English, the bulk of the traffic, is
// recognised from function words without n-gram work; other texts go to
// whatlanggo restricted to about 30 common languages. It is safe for
// concurrent use.
func DetectLang(text string) string {
	words, en, foreign, letters := 0, 0, 0, 0
	nonASCII := false
	start := -1
	wordForeign := false
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := text[start:end]
		start = -1
		words++
		if wordForeign {
			foreign++
		} else if len(w) <= 6 && englishFunctionWords[asciiLower(w)] {
			en++
		}
		wordForeign = false
	}
	for i := 0; i < len(text); {
		c := text[i]
		if c >= utf8.RuneSelf {
			nonASCII = true
			r, n := utf8.DecodeRuneInString(text[i:])
			if unicode.IsLetter(r) || unicode.IsMark(r) {
				letters++
				wordForeign = true
				if start < 0 {
					start = i
				}
			} else {
				flush(i)
			}
			i += n
			continue
		}
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '\'' {
			letters++
			if start < 0 {
				start = i
			}
		} else {
			flush(i)
		}
		i++
	}
	flush(len(text))
	if words >= 3 && en*4 >= words && foreign*4 < words {
		return "en"
	}
	if letters == 0 && !nonASCII {
		return LangUndetermined
	}
	info := whatlanggo.DetectWithOptions(text, detectOptions)
	if info.Lang < 0 || info.Script == nil {
		return LangUndetermined
	}
	if info.Confidence < 0.2 && words < 4 {
		return LangUndetermined
	}
	if code := info.Lang.Iso6391(); code != "" {
		return code
	}
	return info.Lang.Iso6393()
}

func asciiLower(w string) string {
	for i := 0; i < len(w); i++ {
		if c := w[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(w)
		}
	}
	return w
}

// primaryTag returns the lowercased primary language subtag of a BCP 47
// tag ("en-GB" -> "en"), or "" when tag is not well formed.
func primaryTag(tag string) string {
	if tag == "" || len(tag) > 35 {
		return ""
	}
	primary := tag
	rest := ""
	if k := strings.IndexAny(tag, "-_"); k >= 0 {
		primary, rest = tag[:k], tag[k+1:]
	}
	if len(primary) < 2 || len(primary) > 3 || !isLetters(primary) {
		return ""
	}
	for sub := range strings.SplitSeq(rest, "-") {
		if rest == "" {
			break
		}
		if len(sub) < 1 || len(sub) > 8 || !isAlnumASCII(sub) {
			return ""
		}
	}
	return strings.ToLower(primary)
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func isAlnumASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
