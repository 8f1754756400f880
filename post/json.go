package post

import (
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// AppendJSON appends the JSON encoding of e to b and returns the extended
// buffer. The bytes are exactly what encoding/json produces for e with
// Encoder.SetEscapeHTML(false), without the trailing newline, but several
// times faster (no reflection, no per-map key sorting allocations); the
// hot paths (`undertone enrich`, posts.enriched) use it. Non-finite floats,
// which encoding/json rejects, are written as 0; a time outside years
// 0-9999 is written as encoding/json would fail on it, so callers must
// check CreatedAt beforehand if they accept arbitrary input.
func (e *Enriched) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, e.ID)
	b = append(b, `,"post_id":`...)
	b = appendString(b, e.PostID)
	b = append(b, `,"source":`...)
	b = appendString(b, e.Source)
	b = append(b, `,"created_at":`...)
	b = appendTime(b, e.CreatedAt)
	if !e.IngestedAt.IsZero() {
		b = append(b, `,"ingested_at":`...)
		b = appendTime(b, e.IngestedAt)
	}
	b = append(b, `,"lang":`...)
	b = appendString(b, e.Lang)
	b = append(b, `,"author_pseudonym":`...)
	b = appendString(b, e.AuthorPseudonym)
	if e.AuthorKeyID != "" {
		b = append(b, `,"author_key_id":`...)
		b = appendString(b, e.AuthorKeyID)
	}
	b = append(b, `,"text":`...)
	b = appendString(b, e.Text)
	b = append(b, `,"sentiment":{"score":`...)
	b = appendFloat(b, e.Sentiment.Score)
	b = append(b, `,"label":`...)
	b = appendString(b, e.Sentiment.Label)
	b = append(b, `},"emotions":`...)
	b = appendFloatMap(b, e.Emotions)
	b = append(b, `,"emotion_labels":`...)
	b = appendStrings(b, e.EmotionLabels)
	b = append(b, `,"ekman":`...)
	b = appendFloatMap(b, e.Ekman)
	b = append(b, `,"themes":`...)
	b = appendStrings(b, e.Themes)
	b = append(b, `,"entities":`...)
	if e.Entities == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, en := range e.Entities {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"text":`...)
			b = appendString(b, en.Text)
			b = append(b, `,"canonical":`...)
			b = appendString(b, en.Canonical)
			b = append(b, `,"type":`...)
			b = appendString(b, en.Type)
			b = append(b, `,"start":`...)
			b = strconv.AppendInt(b, int64(en.Start), 10)
			b = append(b, `,"end":`...)
			b = strconv.AppendInt(b, int64(en.End), 10)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"topics":`...)
	if e.Topics == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, t := range e.Topics {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = appendString(b, t.ID)
			b = append(b, `,"sentiment":`...)
			b = appendFloat(b, t.Sentiment)
			b = append(b, `,"themes":`...)
			b = appendStrings(b, t.Themes)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"intents":`...)
	b = appendStrings(b, e.Intents)
	b = append(b, `,"enrichers":`...)
	if e.Enrichers == nil {
		b = append(b, "null"...)
	} else {
		var arr [16]string
		keys := arr[:0]
		if len(e.Enrichers) > len(arr) {
			keys = make([]string, 0, len(e.Enrichers))
		}
		for k := range e.Enrichers {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendString(b, e.Enrichers[k])
		}
		b = append(b, '}')
	}
	if len(e.Failures) > 0 {
		b = append(b, `,"failures":[`...)
		for i, f := range e.Failures {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"enricher":`...)
			b = appendString(b, f.Enricher)
			b = append(b, `,"reason":`...)
			b = appendString(b, f.Reason)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func sortedKeys[V any](m map[string]V) []string {
	var arr [32]string
	keys := arr[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// knownMaps are the label sets of the emotions and ekman maps in key
// order with their keys already quoted, so the common full maps need no
// sorting and no key escaping.
var knownMaps = []labelSet{newLabelSet(Emotions[:]), newLabelSet(Ekman[:])}

type labelSet struct {
	keys   []string // sorted
	quoted [][]byte // appendString(key) + ':'
}

func newLabelSet(l []string) labelSet {
	ls := labelSet{keys: slices.Clone(l)}
	slices.Sort(ls.keys)
	for _, k := range ls.keys {
		ls.quoted = append(ls.quoted, append(appendString(nil, k), ':'))
	}
	return ls
}

func appendFloatMap(b []byte, m map[string]float64) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	for _, ls := range knownMaps {
		if len(m) != len(ls.keys) {
			continue
		}
		// m holds exactly these labels iff every one is present.
		start := len(b)
		b = append(b, '{')
		all := true
		for i, k := range ls.keys {
			v, ok := m[k]
			if !ok {
				all = false
				break
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, ls.quoted[i]...)
			b = appendFloat(b, v)
		}
		if all {
			return append(b, '}')
		}
		b = b[:start]
	}
	b = append(b, '{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendFloat(b, m[k])
	}
	return append(b, '}')
}

func appendStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendFloat formats like encoding/json's float64 encoder.
func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		f = 0
	}
	if f == 0 && !math.Signbit(f) { // common for rounded scores
		return append(b, '0')
	}
	// Fast path for the common scores rounded to at most 4 decimals: the
	// double nearest to k/10^4 has k/10^4 (trailing zeros trimmed) as its
	// shortest round-tripping decimal, which is what strconv would print.
	if s := f * 1e4; s > -1e12 && s < 1e12 && f != 0 {
		if k := math.Round(s); k == s && k/1e4 == f {
			return appendDecimal4(b, int64(k))
		}
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendDecimal4 appends k/10^4 in plain decimal notation, without
// trailing zeros.
func appendDecimal4(b []byte, k int64) []byte {
	if k < 0 {
		b = append(b, '-')
		k = -k
	}
	if k < 100000 { // one integer digit, the usual score
		b = append(b, byte('0'+k/10000))
	} else {
		b = strconv.AppendInt(b, k/10000, 10)
	}
	frac := k % 10000
	if frac == 0 {
		return b
	}
	var d [5]byte
	d[0] = '.'
	for i := 4; i >= 1; i-- {
		d[i] = byte('0' + frac%10)
		frac /= 10
	}
	n := 5
	for d[n-1] == '0' {
		n--
	}
	return append(b, d[:n]...)
}

const hexDigits = "0123456789abcdef"

// appendString quotes s like encoding/json without HTML escaping: invalid
// UTF-8 becomes U+FFFD, U+2028 and U+2029 are escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
