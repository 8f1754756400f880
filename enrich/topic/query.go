package topic

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/undertone/undertone/enrich/internal/tokens"
)

// SyntaxError is a topic query that does not parse. Line and Column are
// 1-based and count runes, within the query text.
type SyntaxError struct {
	Line, Column int
	Msg          string
}

// Error implements error.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// Query is a parsed topic query. It is immutable and safe for concurrent
// use.
type Query struct {
	src  string
	root node
}

// String returns the query source.
func (q *Query) String() string { return q.src }

// node is a query AST node.
type node interface{ isNode() }

type (
	orNode   struct{ kids []node }
	andNode  struct{ kids []node }
	notNode  struct{ kid node }
	nearNode struct {
		left, right node
		n           int
	}
	// termNode is one word (len(words)==1) or a quoted phrase.
	termNode struct {
		words []pattern
		src   string
	}
	fieldNode struct {
		field string // "source" or "lang"
		value pattern
	}
)

func (orNode) isNode()    {}
func (andNode) isNode()   {}
func (notNode) isNode()   {}
func (nearNode) isNode()  {}
func (termNode) isNode()  {}
func (fieldNode) isNode() {}

// pattern is one lowercased word, optionally a trailing-* prefix.
type pattern struct {
	text   string
	prefix bool
}

func (p pattern) match(w string) bool {
	if p.prefix {
		return strings.HasPrefix(w, p.text)
	}
	return w == p.text
}

type lexKind int

const (
	lexEOF lexKind = iota
	lexLParen
	lexRParen
	lexWord
	lexPhrase
	lexField
	lexAnd
	lexOr
	lexNot
	lexNear
)

type lexeme struct {
	kind  lexKind
	text  string // word, phrase content, field value
	field string // for lexField
	n     int    // for lexNear
	pos   int    // byte offset in the source
}

func describe(l lexeme) string {
	switch l.kind {
	case lexEOF:
		return "end of query"
	case lexLParen:
		return `"("`
	case lexRParen:
		return `")"`
	case lexPhrase:
		return fmt.Sprintf("phrase %q", l.text)
	case lexField:
		return fmt.Sprintf("field %s:%s", l.field, l.text)
	case lexAnd:
		return "AND"
	case lexOr:
		return "OR"
	case lexNot:
		return "NOT"
	case lexNear:
		return fmt.Sprintf("NEAR/%d", l.n)
	default:
		return fmt.Sprintf("%q", l.text)
	}
}

type parser struct {
	src string
	lex []lexeme
	i   int
}

func (p *parser) errAt(pos int, format string, args ...any) *SyntaxError {
	line, col := 1, 1
	for _, r := range p.src[:min(pos, len(p.src))] {
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return &SyntaxError{Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
}

func isTermRune(r rune) bool {
	return !unicode.IsSpace(r) && r != '(' && r != ')' && r != '"' && r != ':'
}

func (p *parser) lexAll() error {
	s := p.src
	i := 0
	for i < len(s) {
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsSpace(r):
			i += w
		case r == '(':
			p.lex = append(p.lex, lexeme{kind: lexLParen, pos: i})
			i++
		case r == ')':
			p.lex = append(p.lex, lexeme{kind: lexRParen, pos: i})
			i++
		case r == '"':
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				return p.errAt(i, "unterminated phrase: expected a closing \"")
			}
			p.lex = append(p.lex, lexeme{kind: lexPhrase, text: s[i+1 : i+1+end], pos: i})
			i += end + 2
		case r == ':':
			return p.errAt(i, `unexpected ":": expected a field name before it (source: or lang:)`)
		default:
			start := i
			for i < len(s) {
				r, w := utf8.DecodeRuneInString(s[i:])
				if !isTermRune(r) {
					break
				}
				i += w
			}
			word := s[start:i]
			if i < len(s) && s[i] == ':' {
				field := strings.ToLower(word)
				if field != "source" && field != "lang" {
					return p.errAt(start, "unknown field %q: expected source: or lang:", word)
				}
				i++
				vstart := i
				var val string
				if i < len(s) && s[i] == '"' {
					end := strings.IndexByte(s[i+1:], '"')
					if end < 0 {
						return p.errAt(i, "unterminated phrase: expected a closing \"")
					}
					val = s[i+1 : i+1+end]
					i += end + 2
				} else {
					for i < len(s) {
						r, w := utf8.DecodeRuneInString(s[i:])
						if !isTermRune(r) {
							break
						}
						i += w
					}
					val = s[vstart:i]
				}
				if strings.TrimSpace(val) == "" {
					return p.errAt(vstart, "expected a value after %s:", field)
				}
				p.lex = append(p.lex, lexeme{kind: lexField, field: field, text: val, pos: start})
				continue
			}
			switch {
			case word == "AND":
				p.lex = append(p.lex, lexeme{kind: lexAnd, pos: start})
			case word == "OR":
				p.lex = append(p.lex, lexeme{kind: lexOr, pos: start})
			case word == "NOT":
				p.lex = append(p.lex, lexeme{kind: lexNot, pos: start})
			case word == "NEAR":
				return p.errAt(start, "NEAR needs a distance: expected NEAR/n, e.g. NEAR/3")
			case strings.HasPrefix(word, "NEAR/"):
				n, err := strconv.Atoi(word[len("NEAR/"):])
				if err != nil || n < 0 || n > 100 {
					return p.errAt(start+len("NEAR/"), "expected a distance from 0 to 100 after NEAR/, found %q", word[len("NEAR/"):])
				}
				p.lex = append(p.lex, lexeme{kind: lexNear, n: n, pos: start})
			default:
				p.lex = append(p.lex, lexeme{kind: lexWord, text: word, pos: start})
			}
		}
	}
	p.lex = append(p.lex, lexeme{kind: lexEOF, pos: len(s)})
	return nil
}

func (p *parser) peek() lexeme { return p.lex[p.i] }
func (p *parser) next() lexeme {
	l := p.lex[p.i]
	if l.kind != lexEOF {
		p.i++
	}
	return l
}

// Parse parses a topic query. Grammar, loosest binding first:
//
//	query  = and { "OR" and }
//	and    = unary { ["AND"] unary }      adjacent terms are ANDed
//	unary  = "NOT" unary | near
//	near   = atom { "NEAR/n" atom }
//	atom   = "(" query ")" | "phrase" | word[*] | source:value | lang:value
//
// Operators are upper case; matching is case-insensitive.
func Parse(src string) (*Query, error) {
	p := &parser{src: src}
	if err := p.lexAll(); err != nil {
		return nil, err
	}
	if p.peek().kind == lexEOF {
		return nil, p.errAt(0, "empty query: expected a term, a \"phrase\" or (")
	}
	root, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if l := p.peek(); l.kind != lexEOF {
		if l.kind == lexRParen {
			return nil, p.errAt(l.pos, `unexpected ")": no "(" to close`)
		}
		return nil, p.errAt(l.pos, "expected an operator or end of query, found %s", describe(l))
	}
	q := &Query{src: src, root: root}
	if !needsTerm(root) {
		return nil, p.errAt(0, "query can match posts that contain none of its terms: add a positive term (a query of only NOT or field filters would match almost everything)")
	}
	return q, nil
}

func (p *parser) parseOr() (node, error) {
	first, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	kids := []node{first}
	for p.peek().kind == lexOr {
		p.next()
		k, err := p.parseAndAfter("OR")
		if err != nil {
			return nil, err
		}
		kids = append(kids, k)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return orNode{kids: kids}, nil
}

func (p *parser) parseAndAfter(op string) (node, error) {
	if l := p.peek(); !startsUnary(l.kind) {
		return nil, p.errAt(l.pos, "expected a term, a \"phrase\", ( or NOT after %s, found %s", op, describe(l))
	}
	return p.parseAnd()
}

func startsUnary(k lexKind) bool {
	switch k {
	case lexWord, lexPhrase, lexField, lexLParen, lexNot:
		return true
	}
	return false
}

func (p *parser) parseAnd() (node, error) {
	first, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	kids := []node{first}
	for {
		l := p.peek()
		if l.kind == lexAnd {
			p.next()
			if nl := p.peek(); !startsUnary(nl.kind) {
				return nil, p.errAt(nl.pos, "expected a term, a \"phrase\", ( or NOT after AND, found %s", describe(nl))
			}
		} else if !startsUnary(l.kind) {
			break
		}
		k, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		kids = append(kids, k)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return andNode{kids: kids}, nil
}

func (p *parser) parseUnary() (node, error) {
	if p.peek().kind == lexNot {
		p.next()
		if l := p.peek(); !startsUnary(l.kind) {
			return nil, p.errAt(l.pos, "expected a term, a \"phrase\", ( or NOT after NOT, found %s", describe(l))
		}
		k, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return notNode{kid: k}, nil
	}
	return p.parseNear()
}

func (p *parser) parseNear() (node, error) {
	left, err := p.parseAtom()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == lexNear {
		op := p.next()
		if err := positional(left); err != nil {
			return nil, p.errAt(op.pos, "left operand of NEAR/%d %s", op.n, err)
		}
		l := p.peek()
		right, err := p.parseAtom()
		if err != nil {
			return nil, err
		}
		if err := positional(right); err != nil {
			return nil, p.errAt(l.pos, "right operand of NEAR/%d %s", op.n, err)
		}
		left = nearNode{left: left, right: right, n: op.n}
	}
	return left, nil
}

// positional checks that a NEAR operand is made of terms and phrases only.
func positional(n node) error {
	switch n := n.(type) {
	case notNode:
		return fmt.Errorf("contains NOT: NEAR operands must be terms, phrases or groups of them")
	case fieldNode:
		return fmt.Errorf("contains field %s: NEAR operands must be terms, phrases or groups of them", n.field)
	case orNode:
		for _, k := range n.kids {
			if err := positional(k); err != nil {
				return err
			}
		}
	case andNode:
		for _, k := range n.kids {
			if err := positional(k); err != nil {
				return err
			}
		}
	case nearNode:
		if err := positional(n.left); err != nil {
			return err
		}
		return positional(n.right)
	}
	return nil
}

func (p *parser) parseAtom() (node, error) {
	l := p.next()
	switch l.kind {
	case lexLParen:
		if nl := p.peek(); nl.kind == lexRParen {
			return nil, p.errAt(nl.pos, "empty group: expected a term, a \"phrase\" or NOT inside ( )")
		}
		inner, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if r := p.next(); r.kind != lexRParen {
			return nil, p.errAt(r.pos, "expected \")\" to close the \"(\" at %s, found %s", p.where(l.pos), describe(r))
		}
		return inner, nil
	case lexWord, lexPhrase:
		return p.term(l)
	case lexField:
		return fieldNode{field: l.field, value: toPattern(strings.ToLower(strings.TrimSpace(l.text)))}, nil
	default:
		return nil, p.errAt(l.pos, "expected a term, a \"phrase\" or (, found %s", describe(l))
	}
}

func (p *parser) where(pos int) string {
	e := p.errAt(pos, "")
	return fmt.Sprintf("line %d, column %d", e.Line, e.Column)
}

func toPattern(s string) pattern {
	if strings.HasSuffix(s, "*") {
		return pattern{text: strings.TrimRight(s, "*"), prefix: true}
	}
	return pattern{text: s}
}

// term turns a word or phrase into words the tokenizer would produce. A
// word like "wi-fi" becomes the phrase "wi fi"; a trailing * makes the last
// word a prefix.
func (p *parser) term(l lexeme) (node, error) {
	src := l.text
	star := false
	body := src
	if strings.HasSuffix(body, "*") {
		star = true
		body = strings.TrimRight(body, "*")
	}
	if strings.Contains(body, "*") && l.kind == lexWord {
		return nil, p.errAt(l.pos, "wildcard * is only allowed at the end of a word, in %q", src)
	}
	var words []pattern
	if l.kind == lexPhrase {
		for _, f := range strings.Fields(src) {
			fs := strings.HasSuffix(f, "*")
			toks := tokens.Split(strings.TrimRight(f, "*"))
			for i, t := range toks {
				words = append(words, pattern{text: t.Text, prefix: fs && i == len(toks)-1})
			}
		}
	} else {
		toks := tokens.Split(body)
		for i, t := range toks {
			words = append(words, pattern{text: t.Text, prefix: star && i == len(toks)-1})
		}
	}
	if len(words) == 0 {
		return nil, p.errAt(l.pos, "%s has no letters or digits to match", describe(l))
	}
	return termNode{words: words, src: src}, nil
}

// needsTerm reports whether the query is false whenever none of its terms
// occurs, whatever the post's source and language.
func needsTerm(n node) bool {
	canTrue, _ := noTerms(n)
	return !canTrue
}

// noTerms reports whether n can be true, and whether it can be false, in a
// post where no term occurs (field filters may go either way).
func noTerms(n node) (canTrue, canFalse bool) {
	switch n := n.(type) {
	case termNode, nearNode:
		return false, true
	case fieldNode:
		return true, true
	case notNode:
		t, f := noTerms(n.kid)
		return f, t
	case andNode:
		canTrue = true
		for _, k := range n.kids {
			t, f := noTerms(k)
			canTrue = canTrue && t
			canFalse = canFalse || f
		}
		return canTrue, canFalse
	case orNode:
		canFalse = true
		for _, k := range n.kids {
			t, f := noTerms(k)
			canTrue = canTrue || t
			canFalse = canFalse && f
		}
		return canTrue, canFalse
	}
	return false, true
}
