package ingest

import (
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/undertone/undertone/post"
)

// A hand-written decoder for the flat schema v1 object. Compared with
// encoding/json it is about five times faster, matches field names exactly
// (case-sensitive) and reports precise rejection reasons. Syntax errors win
// over type errors, and the first type or field error wins among those, as
// with encoding/json. FuzzDecode checks it against encoding/json.

const maxDepth = 512

type decoder struct {
	s   []byte
	src string // s as one string: unescaped values are substrings of it (one allocation per record, not per field)
	i   int
	err *RejectError // first non-syntax problem
}

type syntaxError struct{ detail string }

func (d *decoder) fail(detail string) *syntaxError { return &syntaxError{detail: detail} }

func (d *decoder) note(r Reason, field, detail string) {
	if d.err == nil {
		d.err = reject(r, field, detail)
	}
}

func (d *decoder) ws() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// decodeObject parses s (valid UTF-8, trimmed, starting with '{') into p.
func decodeObject(s []byte) (post.Post, *RejectError) {
	var p post.Post
	d := &decoder{s: s, src: string(s)}
	if serr := d.object(&p); serr != nil {
		return post.Post{}, reject(ReasonMalformedJSON, "", serr.detail)
	}
	d.ws()
	if d.i != len(d.s) {
		return post.Post{}, reject(ReasonMalformedJSON, "", "data after the JSON object")
	}
	if d.err != nil {
		return post.Post{}, d.err
	}
	return p, nil
}

func (d *decoder) object(p *post.Post) *syntaxError {
	d.ws()
	if d.i >= len(d.s) || d.s[d.i] != '{' {
		return d.fail("want a JSON object")
	}
	d.i++
	d.ws()
	if d.i < len(d.s) && d.s[d.i] == '}' {
		d.i++
		return nil
	}
	for {
		d.ws()
		key, serr := d.str()
		if serr != nil {
			return serr
		}
		d.ws()
		if d.i >= len(d.s) || d.s[d.i] != ':' {
			return d.fail("want ':' after an object key")
		}
		d.i++
		d.ws()
		if serr := d.field(p, key); serr != nil {
			return serr
		}
		d.ws()
		if d.i >= len(d.s) {
			return d.fail("truncated JSON")
		}
		switch d.s[d.i] {
		case ',':
			d.i++
		case '}':
			d.i++
			return nil
		default:
			return d.fail("want ',' or '}' in object")
		}
	}
}

// field decodes the value of one top-level key.
func (d *decoder) field(p *post.Post, key string) *syntaxError {
	var dst *string
	switch key {
	case "id":
		dst = &p.ID
	case "source":
		dst = &p.Source
	case "text":
		dst = &p.Text
	case "lang":
		dst = &p.Lang
	case "author":
		dst = &p.Author
	case "url":
		dst = &p.URL
	case "created_at":
		return d.createdAt(p)
	case "schema_version":
		return d.schemaVersion(p)
	case "meta":
		return d.meta(p)
	default:
		d.note(ReasonUnknownField, key, "schema v1 fields are: "+knownFieldList)
		return d.skip(0)
	}
	if d.i >= len(d.s) {
		return d.fail("truncated JSON")
	}
	switch d.s[d.i] {
	case '"':
		v, serr := d.str()
		if serr != nil {
			return serr
		}
		*dst = v
		return nil
	case 'n':
		return d.lit("null")
	}
	kind := d.kind()
	if serr := d.skip(0); serr != nil {
		return serr
	}
	d.note(ReasonWrongType, key, "got JSON "+kind+", want a string")
	return nil
}

func (d *decoder) createdAt(p *post.Post) *syntaxError {
	if d.i < len(d.s) && d.s[d.i] == 'n' {
		return d.lit("null")
	}
	if d.i >= len(d.s) || d.s[d.i] != '"' {
		kind := d.kind()
		if serr := d.skip(0); serr != nil {
			return serr
		}
		d.note(ReasonWrongType, "created_at", "got JSON "+kind+", want an RFC 3339 string")
		return nil
	}
	v, serr := d.str()
	if serr != nil {
		return serr
	}
	var t time.Time
	if err := t.UnmarshalText([]byte(v)); err != nil {
		d.note(ReasonInvalidCreatedAt, "created_at", "want an RFC 3339 timestamp such as 2025-03-01T12:00:00Z")
		return nil
	}
	p.CreatedAt = t
	return nil
}

func (d *decoder) schemaVersion(p *post.Post) *syntaxError {
	if d.i >= len(d.s) {
		return d.fail("truncated JSON")
	}
	c := d.s[d.i]
	if c == 'n' {
		return d.lit("null")
	}
	if c != '-' && (c < '0' || c > '9') {
		kind := d.kind()
		if serr := d.skip(0); serr != nil {
			return serr
		}
		d.note(ReasonWrongType, "schema_version", "got JSON "+kind+", want the integer 1")
		return nil
	}
	start := d.i
	if serr := d.number(); serr != nil {
		return serr
	}
	n, err := strconv.Atoi(string(d.s[start:d.i]))
	if err != nil {
		d.note(ReasonUnsupportedSchemaVersion, "schema_version", "want the integer 1")
		return nil
	}
	p.SchemaVersion = n
	return nil
}

func (d *decoder) meta(p *post.Post) *syntaxError {
	if d.i >= len(d.s) {
		return d.fail("truncated JSON")
	}
	switch d.s[d.i] {
	case 'n':
		return d.lit("null")
	case '{':
	default:
		if serr := d.skip(0); serr != nil {
			return serr
		}
		d.note(ReasonWrongType, "meta", "want a flat object of strings")
		return nil
	}
	d.i++
	d.ws()
	if d.i < len(d.s) && d.s[d.i] == '}' {
		d.i++
		if p.Meta == nil {
			p.Meta = map[string]string{}
		}
		return nil
	}
	for {
		d.ws()
		k, serr := d.str()
		if serr != nil {
			return serr
		}
		d.ws()
		if d.i >= len(d.s) || d.s[d.i] != ':' {
			return d.fail("want ':' after an object key")
		}
		d.i++
		d.ws()
		if d.i < len(d.s) && d.s[d.i] == '"' {
			v, serr := d.str()
			if serr != nil {
				return serr
			}
			if p.Meta == nil {
				p.Meta = make(map[string]string, 4)
			}
			p.Meta[k] = v
		} else if d.i < len(d.s) && d.s[d.i] == 'n' {
			if serr := d.lit("null"); serr != nil {
				return serr
			}
			if p.Meta == nil {
				p.Meta = make(map[string]string, 4)
			}
			p.Meta[k] = "" // as encoding/json does
		} else {
			if serr := d.skip(0); serr != nil {
				return serr
			}
			d.note(ReasonWrongType, "meta", "want a flat object of strings")
		}
		d.ws()
		if d.i >= len(d.s) {
			return d.fail("truncated JSON")
		}
		switch d.s[d.i] {
		case ',':
			d.i++
		case '}':
			d.i++
			return nil
		default:
			return d.fail("want ',' or '}' in object")
		}
	}
}

// kind names the JSON type of the value at d.i.
func (d *decoder) kind() string {
	if d.i >= len(d.s) {
		return "nothing"
	}
	switch c := d.s[d.i]; {
	case c == '{':
		return "object"
	case c == '[':
		return "array"
	case c == '"':
		return "string"
	case c == 't' || c == 'f':
		return "bool"
	case c == 'n':
		return "null"
	}
	return "number"
}

func (d *decoder) lit(word string) *syntaxError {
	if len(d.s)-d.i < len(word) || string(d.s[d.i:d.i+len(word)]) != word {
		return d.fail("invalid literal")
	}
	d.i += len(word)
	return nil
}

// skip validates and skips any value.
func (d *decoder) skip(depth int) *syntaxError {
	if depth > maxDepth {
		return d.fail("nesting too deep")
	}
	if d.i >= len(d.s) {
		return d.fail("truncated JSON")
	}
	switch c := d.s[d.i]; {
	case c == '"':
		_, serr := d.str()
		return serr
	case c == 't':
		return d.lit("true")
	case c == 'f':
		return d.lit("false")
	case c == 'n':
		return d.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	case c == '[':
		d.i++
		d.ws()
		if d.i < len(d.s) && d.s[d.i] == ']' {
			d.i++
			return nil
		}
		for {
			d.ws()
			if serr := d.skip(depth + 1); serr != nil {
				return serr
			}
			d.ws()
			if d.i >= len(d.s) {
				return d.fail("truncated JSON")
			}
			if d.s[d.i] == ',' {
				d.i++
				continue
			}
			if d.s[d.i] == ']' {
				d.i++
				return nil
			}
			return d.fail("want ',' or ']' in array")
		}
	case c == '{':
		d.i++
		d.ws()
		if d.i < len(d.s) && d.s[d.i] == '}' {
			d.i++
			return nil
		}
		for {
			d.ws()
			if _, serr := d.str(); serr != nil {
				return serr
			}
			d.ws()
			if d.i >= len(d.s) || d.s[d.i] != ':' {
				return d.fail("want ':' after an object key")
			}
			d.i++
			d.ws()
			if serr := d.skip(depth + 1); serr != nil {
				return serr
			}
			d.ws()
			if d.i >= len(d.s) {
				return d.fail("truncated JSON")
			}
			if d.s[d.i] == ',' {
				d.i++
				continue
			}
			if d.s[d.i] == '}' {
				d.i++
				return nil
			}
			return d.fail("want ',' or '}' in object")
		}
	}
	return d.fail("invalid character")
}

// number validates a JSON number at d.i.
func (d *decoder) number() *syntaxError {
	s, i := d.s, d.i
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return d.fail("invalid number")
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return d.fail("invalid number")
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return d.fail("invalid number")
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	d.i = i
	return nil
}

// str parses a JSON string at d.i (input is valid UTF-8).
func (d *decoder) str() (string, *syntaxError) {
	if d.i >= len(d.s) || d.s[d.i] != '"' {
		return "", d.fail("want a string")
	}
	start := d.i + 1
	i := start
	for i < len(d.s) {
		c := d.s[i]
		if c == '"' {
			d.i = i + 1
			if d.src != "" {
				return d.src[start:i], nil
			}
			return string(d.s[start:i]), nil
		}
		if c == '\\' {
			return d.strEscaped(start, i)
		}
		if c < 0x20 {
			return "", d.fail("control character in string")
		}
		i++
	}
	return "", d.fail("truncated JSON")
}

func (d *decoder) strEscaped(start, i int) (string, *syntaxError) {
	b := make([]byte, 0, i-start+16)
	b = append(b, d.s[start:i]...)
	for i < len(d.s) {
		c := d.s[i]
		switch {
		case c == '"':
			d.i = i + 1
			return string(b), nil
		case c < 0x20:
			return "", d.fail("control character in string")
		case c != '\\':
			b = append(b, c)
			i++
			continue
		}
		if i+1 >= len(d.s) {
			return "", d.fail("truncated JSON")
		}
		e := d.s[i+1]
		i += 2
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := hex4(d.s, i)
			if !ok {
				return "", d.fail("invalid \\u escape")
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2, ok2 := rune(-1), false
				if i+6 <= len(d.s) && d.s[i] == '\\' && d.s[i+1] == 'u' {
					r2, ok2 = hex4(d.s, i+2)
				}
				if ok2 {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						i += 6
						b = utf8.AppendRune(b, dec)
						continue
					}
				}
				r = utf8.RuneError
			}
			b = utf8.AppendRune(b, r)
		default:
			return "", d.fail("invalid escape in string")
		}
	}
	return "", d.fail("truncated JSON")
}

func hex4(s []byte, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range s[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	return r, true
}
