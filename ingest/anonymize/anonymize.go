// Package anonymize replaces personal data in free text with typed
// placeholders. It is pure (no I/O, no global state), allocation-light and
// safe for concurrent use.
//
// One left-to-right pass looks, at each word boundary, for: e-mail
// addresses (<EMAIL>), URLs (<URL:domain>, path and query dropped),
// @handles and u/handles (<HANDLE>), IPv4 and IPv6 addresses (<IP>),
// Luhn-valid payment card numbers (<CARD>), mod-97-valid IBANs (<IBAN>),
// phone numbers in international and common national formats (<PHONE>),
// street addresses of the forms "221B Baker Street", "Hauptstraße 5" and
// "PO Box 123" (<ADDRESS>), and caller-supplied names (<NAME>).
// docs/privacy.md lists exactly what is and is not recognised.
package anonymize

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is a category of personal data.
type Kind uint8

// Kinds of personal data, in placeholder order.
const (
	Email Kind = iota
	URL
	Handle
	IP
	Card
	IBAN
	Phone
	Address
	Name
	numKinds
)

var kindNames = [numKinds]string{"email", "url", "handle", "ip", "card", "iban", "phone", "address", "name"}

var placeholders = [numKinds]string{"<EMAIL>", "<URL>", "<HANDLE>", "<IP>", "<CARD>", "<IBAN>", "<PHONE>", "<ADDRESS>", "<NAME>"}

// String returns the lowercase name of k, suitable as a metric label.
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "unknown"
}

// Placeholder returns the placeholder that replaces data of kind k. URLs
// with a recognisable domain are replaced by "<URL:domain>" instead.
func (k Kind) Placeholder() string {
	if k < numKinds {
		return placeholders[k]
	}
	return "<PII>"
}

// Kinds lists every Kind.
func Kinds() []Kind {
	ks := make([]Kind, numKinds)
	for i := range ks {
		ks[i] = Kind(i)
	}
	return ks
}

// Counts holds how many spans of each Kind one call replaced.
type Counts [numKinds]int

// Total is the number of replaced spans.
func (c Counts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// Scrub returns text with every recognised piece of personal data replaced
// by its placeholder, and how many spans of each kind it replaced. names
// are extra personal names (for example from a post's meta fields): each is
// replaced case-insensitively as a whole, and each of its words of three or
// more letters is replaced where it appears capitalised as in the name.
// When nothing is found, Scrub returns text itself without allocating.
func Scrub(text string, names []string) (string, Counts) {
	var (
		out    []byte
		counts Counts
		last   int
	)
	s := text
	var nm *nameMatcher             // nil without names
	var foldBuf, exactBuf [4]string // the usual few names: no allocation
	var nmv nameMatcher
	if len(names) > 0 {
		nmv.fold, nmv.exact = nameLists(names, foldBuf[:0], exactBuf[:0])
		nm = &nmv
	}
	var tok token // the space-delimited token around i, scanned once
	tok.end = -1
	for i := 0; i < len(s); {
		c := s[i]
		if !startByte[c] || !boundaryBefore(s, i) {
			i++
			continue
		}
		if i >= tok.end {
			tok = scanToken(s, i)
		}
		end, kind, repl := match(s, i, nm, &tok)
		if end <= i {
			i++
			if isAlnum(c) {
				// No word boundary inside a run of ASCII letters and digits.
				for i < len(s) && isAlnum(s[i]) {
					i++
				}
			}
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(s))
		}
		out = append(out, s[last:i]...)
		if repl != "" {
			out = append(out, repl...)
		} else {
			out = append(out, placeholders[kind]...)
		}
		counts[kind]++
		last = end
		i = end
	}
	if out == nil {
		return text, counts
	}
	out = append(out, s[last:]...)
	return string(out), counts
}

// startByte marks the bytes at which some matcher may start.
var startByte = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	t['+'] = true
	t['('] = true
	t['@'] = true
	t['_'] = true
	t[':'] = true
	// Non-ASCII lead bytes: names may start with a non-ASCII letter.
	for c := 0xC2; c <= 0xF4; c++ {
		t[c] = true
	}
	return t
}()

// boundaryBefore reports whether position i starts a word: the previous
// rune is not a letter, digit or one of the characters that glue a word
// together (so "abc@x.com" is matched from "a", never from "c").
func boundaryBefore(s string, i int) bool {
	if i == 0 {
		return true
	}
	p := s[i-1]
	if p < utf8.RuneSelf {
		return !isAlnum(p) && p != '_' && p != '.' && p != '-' && p != '+' && p != '%' && p != '@' && p != '\''
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
}

// boundaryAfter reports whether position j ends a word.
func boundaryAfter(s string, j int) bool {
	if j >= len(s) {
		return true
	}
	c := s[j]
	if c < utf8.RuneSelf {
		return !isAlnum(c) && c != '_'
	}
	r, _ := utf8.DecodeRuneInString(s[j:])
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
}

func isAlnum(c byte) bool { return isDigit(c) || isLetter(c) }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isLetter(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}
func lower(c byte) byte {
	if isUpper(c) {
		return c + 'a' - 'A'
	}
	return c
}

// match tries every matcher that can start at i and returns the end of the
// matched span (or i when none matched), its kind and an explicit
// replacement ("" for the kind's placeholder).
func match(s string, i int, nm *nameMatcher, tok *token) (int, Kind, string) {
	c := s[i]
	if c == '@' {
		if e := matchHandle(s, i); e > i {
			return e, Handle, ""
		}
		return i, 0, ""
	}
	if c == ':' {
		if e := matchIPv6(s, i); e > i {
			return e, IP, ""
		}
		return i, 0, ""
	}
	if tok.colon || tok.dot {
		if e, repl := matchURL(s, i); e > i {
			return e, URL, repl
		}
	}
	if tok.at && (isAlnum(c) || c == '_' || c == '\'') {
		if e := matchEmail(s, i); e > i {
			return e, Email, ""
		}
	}
	if e := nm.match(s, i); e > i {
		return e, Name, ""
	}
	switch {
	case isDigit(c) || c == '+' || c == '(':
		if isDigit(c) {
			if tok.dot {
				if e := matchIPv4(s, i); e > i {
					return e, IP, ""
				}
			}
			if tok.colon {
				if e := matchIPv6(s, i); e > i {
					return e, IP, ""
				}
			}
			if e := matchStreet(s, i); e > i {
				return e, Address, ""
			}
		}
		if e, k := matchNumber(s, i); e > i {
			return e, k, ""
		}
	case isLetter(c):
		if tok.digit {
			if e := matchIBAN(s, i); e > i {
				return e, IBAN, ""
			}
		}
		if tok.colon && isHex(c) {
			if e := matchIPv6(s, i); e > i {
				return e, IP, ""
			}
		}
		if tok.slash && (c == 'u' || c == 'U') && i+1 < len(s) && s[i+1] == '/' {
			if e := matchRedditUser(s, i); e > i {
				return e, Handle, ""
			}
		}
		if c == 'p' || c == 'P' {
			if e := matchPOBox(s, i); e > i {
				return e, Address, ""
			}
		}
		if isUpper(c) && tok.end+1 < len(s) && s[tok.end] == ' ' && isDigit(s[tok.end+1]) {
			if e := matchGermanStreet(s, i); e > i {
				return e, Address, ""
			}
		}
		if tok.dot && tok.slash {
			if e, repl := matchBareURL(s, i); e > i {
				return e, URL, repl
			}
		}
	}
	return i, 0, ""
}

// token summarises a run of non-space bytes, so matchers that need a
// character the token lacks are skipped. Scrub scans each token once and
// uses its flags for every boundary inside it (a superset of what the rest
// of the token holds, so no matcher is wrongly skipped).
type token struct {
	end                          int
	at, dot, colon, slash, digit bool
}

func scanToken(s string, i int) token {
	var t token
	j := i
	for ; j < len(s); j++ {
		switch c := s[j]; {
		case c == ' ' || c == '\n' || c == '\t' || c == '\r':
			t.end = j
			return t
		case isDigit(c):
			t.digit = true
		case c == '@':
			t.at = true
		case c == '.':
			t.dot = true
		case c == ':':
			t.colon = true
		case c == '/' || c == '?':
			t.slash = true
		}
	}
	t.end = j
	return t
}

// nameMatcher holds the name patterns of one Scrub call.
type nameMatcher struct {
	fold  []string // matched case-insensitively: multi-word names, handles
	exact []string // matched with their case: capitalised words of 3+ bytes
}

// nameLists appends names to the fold and exact lists of a nameMatcher
// (callers pass stack buffers so the usual few names do not allocate).
func nameLists(names, fold, exact []string) ([]string, []string) {
	for _, n := range names {
		n = strings.TrimSpace(n)
		if len(n) < 2 {
			continue
		}
		// A single capitalised word ("Mark") matches only with its case, so
		// the verb "mark" survives; longer names and handles match in any case.
		if strings.ContainsRune(n, ' ') || !startsUpper(n) {
			fold = append(fold, n)
		}
		for part := range strings.FieldsSeq(n) {
			part = strings.Trim(part, ".,")
			if len(part) >= 3 && startsUpper(part) {
				exact = append(exact, part)
			}
		}
	}
	return fold, exact
}

// match returns the end of the longest name starting at i, or i.
func (m *nameMatcher) match(s string, i int) int {
	best := i
	if m == nil {
		return best
	}
	for _, n := range m.fold {
		if len(s)-i >= len(n) && i+len(n) > best && strings.EqualFold(s[i:i+len(n)], n) && boundaryAfter(s, i+len(n)) {
			best = i + len(n)
		}
	}
	for _, n := range m.exact {
		if i+len(n) > best && strings.HasPrefix(s[i:], n) && boundaryAfter(s, i+len(n)) {
			best = i + len(n)
		}
	}
	return best
}

// ---- e-mail, handles ----

func isLocalChar(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c == '\''
}

// matchEmail matches local@domain.tld.
func matchEmail(s string, i int) int {
	j := i
	for j < len(s) && isLocalChar(s[j]) && j-i <= 64 {
		j++
	}
	if j == i || j-i > 64 || j >= len(s) || s[j] != '@' {
		return i
	}
	end := scanDomain(s, j+1)
	if end <= j+1 {
		return i
	}
	return end
}

// scanDomain matches label(.label)+ with an alphabetic TLD of two or more
// letters starting at i and returns its end, or i.
func scanDomain(s string, i int) int {
	j := i
	labels := 0
	lastLabelStart, lastEnd := i, i
	for {
		k := j
		for k < len(s) && (isAlnum(s[k]) || s[k] == '-') {
			k++
		}
		if k == j || k-j > 63 {
			break
		}
		labels++
		lastLabelStart, lastEnd = j, k
		if k+1 < len(s) && s[k] == '.' && (isAlnum(s[k+1])) {
			j = k + 1
			continue
		}
		break
	}
	if labels < 2 {
		return i
	}
	tld := s[lastLabelStart:lastEnd]
	if len(tld) < 2 {
		return i
	}
	for k := 0; k < len(tld); k++ {
		if !isLetter(tld[k]) {
			return i
		}
	}
	if !boundaryAfter(s, lastEnd) && s[lastEnd] != '_' {
		return i
	}
	return lastEnd
}

// matchHandle matches @name (1-30 of A-Z a-z 0-9 _ .), the "@" included.
func matchHandle(s string, i int) int {
	j := i + 1
	if j >= len(s) || !(isAlnum(s[j]) || s[j] == '_') {
		return i
	}
	for j < len(s) && j-i <= 31 && (isAlnum(s[j]) || s[j] == '_' || (s[j] == '.' && j+1 < len(s) && (isAlnum(s[j+1]) || s[j+1] == '_'))) {
		j++
	}
	if j-i-1 > 30 || !boundaryAfter(s, j) {
		return i
	}
	return j
}

// matchRedditUser matches u/name (3-20 of A-Z a-z 0-9 _ -).
func matchRedditUser(s string, i int) int {
	j := i + 2
	for j < len(s) && j-i <= 23 && (isAlnum(s[j]) || s[j] == '_' || s[j] == '-') {
		j++
	}
	if n := j - i - 2; n < 3 || n > 20 || !boundaryAfter(s, j) {
		return i
	}
	return j
}

// ---- names ----

func startsUpper(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r)
}

// ---- URLs ----

func hasPrefixFold(s, p string) bool {
	return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p)
}

func isURLStop(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '<' || c == '>' || c == '"' || c == '`' || c < 0x20 || c == 0x7f
}

// matchURL matches http://, https:// and www. URLs and returns the
// replacement <URL:host>.
func matchURL(s string, i int) (int, string) {
	var hostStart int
	switch {
	case hasPrefixFold(s[i:], "https://"):
		hostStart = i + 8
	case hasPrefixFold(s[i:], "http://"):
		hostStart = i + 7
	case hasPrefixFold(s[i:], "www.") && i+4 < len(s) && isAlnum(s[i+4]):
		hostStart = i
	default:
		return i, ""
	}
	end := urlEnd(s, hostStart)
	if end <= hostStart {
		return i, ""
	}
	return end, urlPlaceholder(s[hostStart:end])
}

// urlEnd scans a URL body from i to the first space or delimiter, then
// drops trailing punctuation (and an unbalanced closing parenthesis).
func urlEnd(s string, i int) int {
	j := i
	for j < len(s) && !isURLStop(s[j]) {
		if s[j] >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[j:])
			if unicode.IsSpace(r) || r == utf8.RuneError {
				break
			}
			j += n
			continue
		}
		j++
	}
	open, closed := strings.Count(s[i:j], "("), strings.Count(s[i:j], ")")
	for j > i {
		c := s[j-1]
		if c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '\'' || c == ']' || c == '*' {
			j--
			continue
		}
		if c == ')' && open < closed {
			j--
			closed--
			continue
		}
		break
	}
	return j
}

// urlPlaceholder returns <URL:host> for the URL body u (scheme removed),
// or <URL> when the host is missing or is an IP address.
func urlPlaceholder(u string) string {
	h := u
	if k := strings.IndexAny(h, "/?#"); k >= 0 {
		h = h[:k]
	}
	if k := strings.LastIndexByte(h, '@'); k >= 0 { // user:password@
		h = h[k+1:]
	}
	if strings.HasPrefix(h, "[") { // [IPv6]
		return "<URL>"
	}
	if k := strings.LastIndexByte(h, ':'); k >= 0 {
		h = h[:k]
	}
	h = strings.TrimSuffix(h, ".")
	if h == "" || !validHost(h) || isIPv4Literal(h) {
		return "<URL>"
	}
	return "<URL:" + strings.ToLower(h) + ">"
}

func validHost(h string) bool {
	if len(h) > 253 {
		return false
	}
	for k := 0; k < len(h); k++ {
		c := h[k]
		if !isAlnum(c) && c != '-' && c != '.' {
			return false
		}
	}
	return strings.Contains(h, ".")
}

func isIPv4Literal(h string) bool {
	parts := 0
	for p := range strings.SplitSeq(h, ".") {
		parts++
		if p == "" || len(p) > 3 {
			return false
		}
		for k := 0; k < len(p); k++ {
			if !isDigit(p[k]) {
				return false
			}
		}
	}
	return parts == 4
}

// bareTLDs are the top-level domains for which a bare domain followed by a
// path ("acme.com/support?ticket=1") is treated as a URL.
var bareTLDs = map[string]bool{
	"com": true, "org": true, "net": true, "io": true, "co": true, "uk": true, "de": true, "fr": true,
	"es": true, "it": true, "nl": true, "eu": true, "us": true, "ca": true, "au": true, "app": true,
	"dev": true, "me": true, "ly": true, "info": true, "biz": true, "tv": true, "gg": true, "be": true,
	"ch": true, "at": true, "se": true, "no": true, "dk": true, "fi": true, "pl": true, "br": true,
	"in": true, "jp": true, "ru": true, "xyz": true, "site": true, "shop": true, "online": true,
}

// matchBareURL matches domain.tld/path or domain.tld?query (no scheme).
func matchBareURL(s string, i int) (int, string) {
	end := scanDomain(s, i)
	if end <= i || end >= len(s) || (s[end] != '/' && s[end] != '?') {
		return i, ""
	}
	d := s[i:end]
	tld := strings.ToLower(d[strings.LastIndexByte(d, '.')+1:])
	if !bareTLDs[tld] {
		return i, ""
	}
	e := urlEnd(s, i)
	if e <= end {
		return end, "<URL:" + strings.ToLower(d) + ">"
	}
	return e, "<URL:" + strings.ToLower(d) + ">"
}
