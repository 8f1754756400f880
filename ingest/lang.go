package ingest

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/abadojack/whatlanggo"
)

// maxDetectBytes bounds the text handed to n-gram detection.
const maxDetectBytes = 400

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
	"a": true, "an": true, "up": true, "got": true, "get": true, "did": true, "had": true, "we": true,
	"our": true, "he": true, "she": true, "them": true, "there": true, "here": true, "one": true,
	"all": true, "out": true, "no": true, "yes": true, "like": true, "who": true, "which": true,
	"mine": true, "off": true, "over": true, "into": true, "by": true, "were": true, "am": true,
	"im": true, "dont": true, "cant": true, "isn't": true, "i've": true, "i'd": true, "i'll": true,
	"thanks": true, "please": true, "help": true, "today": true, "week": true,
	"lol": true, "tbh": true, "ngl": true, "omg": true, "smh": true, "good": true, "bad": true,
	"great": true, "better": true, "best": true, "worst": true, "much": true, "more": true,
	"some": true, "every": true, "only": true, "even": true, "why's": true, "what's": true,
}

// foreignFunctionWords are frequent function words of the other common
// Latin-script languages; they veto the English shortcut.
var foreignFunctionWords = map[string]bool{
	"el": true, "los": true, "las": true, "del": true, "que": true, "es": true, "muy": true, "mi": true,
	"por": true, "para": true, "con": true, "una": true, "se": true, "lo": true, "y": true, "pero": true,
	"der": true, "die": true, "das": true, "und": true, "ich": true, "ist": true, "nicht": true, "mein": true,
	"meinem": true, "mit": true, "sehr": true, "von": true, "wird": true, "habe": true, "ein": true, "eine": true,
	"le": true, "les": true, "des": true, "est": true, "et": true, "une": true, "je": true, "mon": true,
	"pas": true, "ne": true, "du": true, "au": true, "il": true, "elle": true, "c'est": true, "j'ai": true,
	"o": true, "os": true, "meu": true, "minha": true, "com": true, "muito": true, "não": true, "da": true,
	"di": true, "della": true, "mio": true, "non": true, "per": true, "che": true, "sono": true, "ho": true,
	"de": true, "la": true, "het": true, "een": true, "en": true, "ik": true, "niet": true, "van": true,
}

// DetectLang returns the ISO 639-1 code of text's language ("en", "de",
// ...), or "und" when it cannot tell. English, the bulk of the traffic, is
// recognised from function words without n-gram work; other texts go to
// whatlanggo restricted to about 30 common languages. It is safe for
// concurrent use.
func DetectLang(text string) string {
	words, en, other, foreign, letters := 0, 0, 0, 0, 0
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
		} else if len(w) <= 7 {
			var lb [7]byte // lowercased on the stack: map lookups with string(lb[:n]) do not allocate
			for k := 0; k < len(w); k++ {
				c := w[k]
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				}
				lb[k] = c
			}
			lw := lb[:len(w)]
			if englishFunctionWords[string(lw)] {
				en++
			} else if foreignFunctionWords[string(lw)] {
				other++
			}
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
	// English when English function words are frequent enough and clearly
	// outnumber other languages' function words and accented words.
	if words >= 3 && en*6 >= words && en > 2*(other+foreign) {
		return "en"
	}
	if letters == 0 && !nonASCII {
		return LangUndetermined
	}
	sample := text
	if len(sample) > maxDetectBytes { // n-gram detection cost grows with length
		cut := maxDetectBytes
		for cut > 0 && !utf8.RuneStart(sample[cut]) {
			cut--
		}
		sample = sample[:cut]
	}
	info := whatlanggo.DetectWithOptions(sample, detectOptions)
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
