// Package intent is the intent enricher: purchase, churn, complaint,
// question, recommendation and comparison (post.Intents), found with word
// patterns over the tokenized text, guarded against negation ("not
// cancelling" is not churn). Precision and recall on a hand-labeled set are
// in docs/enrichers.md; the set is testdata/labeled.jsonl.
package intent

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/undertone/undertone/enrich"
	"github.com/undertone/undertone/enrich/internal/tokens"
	"github.com/undertone/undertone/post"
)

// Name is the enricher's name in config and metrics.
const Name = "intent"

// Version changes whenever the rules change.
const Version = "4"

// Config is the intent enricher's configuration (enrich.enrichers.intent).
type Config struct {
	// Disabled lists intents not to emit (e.g. ["comparison"]).
	Disabled []string `mapstructure:"disabled"`
}

// Validate implements enrich.Config.
func (c *Config) Validate() error {
	for _, d := range c.Disabled {
		ok := false
		for _, i := range post.Intents {
			ok = ok || i == d
		}
		if !ok {
			return fmt.Errorf("disabled: %q: not an intent, allowed: %s", d, strings.Join(post.Intents[:], ", "))
		}
	}
	return nil
}

// NewFactory returns the factory of intent enrichers.
func NewFactory() enrich.Factory {
	return enrich.Factory{
		Name:          Name,
		DefaultConfig: func() enrich.Config { return &Config{} },
		New: func(cfg enrich.Config, _ enrich.Settings) (enrich.Enricher, error) {
			c, ok := cfg.(*Config)
			if !ok {
				return nil, fmt.Errorf("intent: config is %T, want *intent.Config", cfg)
			}
			return New(*c)
		},
	}
}

type word struct {
	text   string
	prefix bool
	suffix bool
	any    bool
}

func (w word) match(s string) bool {
	switch {
	case w.any:
		return true
	case w.prefix:
		return strings.HasPrefix(s, w.text)
	case w.suffix:
		return strings.HasSuffix(s, w.text) && len(s) > len(w.text)+1
	}
	return s == w.text
}

type compiledRule struct {
	intent    int
	words     []word
	guard     bool
	notBefore map[string]bool
	notAfter  map[string]bool
	notNear   map[string]bool
	noQ       bool
}

// Enricher tags intents. It is immutable and safe for concurrent use.
type Enricher struct {
	exact    map[string][]int        // first word → rules
	prefixes map[string][]prefixRule // first 3 bytes of a first-word prefix → its rules
	short    []prefixRule            // first-word prefixes shorter than 3 bytes
	anyFirst []int                   // rules whose first word is _
	rules    []compiledRule
	enabled  [len(post.Intents)]bool
	negators map[string]bool
	pool     sync.Pool
}

// New compiles the rules.
func New(cfg Config) (*Enricher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("intent: %w", err)
	}
	e := &Enricher{exact: map[string][]int{}, prefixes: map[string][]prefixRule{}, negators: set(negators)}
	for i := range e.enabled {
		e.enabled[i] = true
		for _, d := range cfg.Disabled {
			if d == post.Intents[i] {
				e.enabled[i] = false
			}
		}
	}
	for _, r := range rules {
		cr := compiledRule{intent: -1, guard: r.guard, notBefore: set(r.notBefore), notAfter: set(r.notAfter),
			notNear: set(r.notNear), noQ: r.noQ}
		for i, n := range post.Intents {
			if n == r.intent {
				cr.intent = i
			}
		}
		if cr.intent < 0 {
			return nil, fmt.Errorf("intent: rule %q: unknown intent %q", r.words, r.intent)
		}
		for _, f := range strings.Fields(r.words) {
			switch {
			case f == "_":
				cr.words = append(cr.words, word{any: true})
			case strings.HasSuffix(f, "*"):
				cr.words = append(cr.words, word{text: strings.TrimSuffix(f, "*"), prefix: true})
			case strings.HasPrefix(f, "*"):
				cr.words = append(cr.words, word{text: strings.TrimPrefix(f, "*"), suffix: true})
			default:
				cr.words = append(cr.words, word{text: f})
			}
		}
		idx := len(e.rules)
		e.rules = append(e.rules, cr)
		switch first := cr.words[0]; {
		case first.any || first.suffix:
			e.anyFirst = append(e.anyFirst, idx)
		case first.prefix:
			e.addPrefix(first.text, idx)
		default:
			e.exact[first.text] = append(e.exact[first.text], idx)
		}
	}
	e.pool.New = func() any { return &[]tokens.Token{} }
	return e, nil
}

// prefixRule is the rules whose first word has one prefix.
type prefixRule struct {
	prefix string
	rules  []int
}

// addPrefix indexes rule idx under its first word's prefix p.
func (e *Enricher) addPrefix(p string, idx int) {
	list, key := &e.short, ""
	if len(p) >= 3 {
		key = p[:3]
		l := e.prefixes[key]
		list = &l
	}
	found := false
	for i := range *list {
		if (*list)[i].prefix == p {
			(*list)[i].rules = append((*list)[i].rules, idx)
			found = true
		}
	}
	if !found {
		*list = append(*list, prefixRule{prefix: p, rules: []int{idx}})
	}
	if key != "" {
		e.prefixes[key] = *list
	}
}

func set(ws []string) map[string]bool {
	if len(ws) == 0 {
		return nil
	}
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// Name implements enrich.Enricher.
func (e *Enricher) Name() string { return Name }

// Version implements enrich.Enricher.
func (e *Enricher) Version() string { return Version }

// Enrich implements enrich.Enricher: it appends the post's intents in the
// order of post.Intents.
func (e *Enricher) Enrich(ctx context.Context, batch []post.Enriched) error {
	buf := e.pool.Get().(*[]tokens.Token)
	defer e.pool.Put(buf)
	for i := range batch {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		p := &batch[i]
		toks := tokens.Of(ctx, i, p.Text, buf)
		found := e.classify(p.Text, toks)
		for k, ok := range found {
			if ok && e.enabled[k] {
				p.Intents = append(p.Intents, post.Intents[k])
			}
		}
	}
	return nil
}

// Classify returns the intents of text, in the order of post.Intents.
func (e *Enricher) Classify(text string) []string {
	found := e.classify(text, tokens.Split(text))
	out := []string{}
	for k, ok := range found {
		if ok && e.enabled[k] {
			out = append(out, post.Intents[k])
		}
	}
	return out
}

func (e *Enricher) classify(text string, toks []tokens.Token) [len(post.Intents)]bool {
	var found [len(post.Intents)]bool
	if strings.ContainsAny(text, "?¿") {
		found[intentIndex(question)] = true
	}
	if len(toks) > 0 && questionStarts[toks[0].Text] && (len(toks) == 1 || !exclamative[toks[1].Text] && !notAfterStart[toks[1].Text]) {
		found[intentIndex(question)] = true
	}
	if len(toks) > 1 && imperativeStarts[toks[0].Text] && !notAfterStart[toks[1].Text] && !questionAt(text, toks[0].ByteEnd) {
		found[intentIndex(recommendation)] = true
		if w := toks[0].Text; w == "avoid" || w == "skip" {
			found[intentIndex(complaint)] = true
		}
	}
	if found[intentIndex(question)] && !found[intentIndex(comparison)] {
		// "Acme Laptop or a Beta tablet for a student?": a question
		// offering alternatives is a comparison.
		for k := 1; k+1 < len(toks); k++ {
			if toks[k].Text == "or" && questionAt(text, toks[k].ByteEnd) && !orNotAlternative[toks[k+1].Text] && toks[k-1].Text != "me" {
				found[intentIndex(comparison)] = true
				break
			}
		}
	}
	for pos := range toks {
		for _, ri := range e.exact[toks[pos].Text] {
			e.try(ri, text, toks, pos, &found)
		}
		w := toks[pos].Text
		if len(w) >= 3 {
			for _, pr := range e.prefixes[w[:3]] {
				if strings.HasPrefix(w, pr.prefix) {
					for _, ri := range pr.rules {
						e.try(ri, text, toks, pos, &found)
					}
				}
			}
		}
		for _, pr := range e.short {
			if strings.HasPrefix(w, pr.prefix) {
				for _, ri := range pr.rules {
					e.try(ri, text, toks, pos, &found)
				}
			}
		}
		for _, ri := range e.anyFirst {
			e.try(ri, text, toks, pos, &found)
		}
	}
	return found
}

func (e *Enricher) try(ri int, text string, toks []tokens.Token, pos int, found *[len(post.Intents)]bool) {
	r := &e.rules[ri]
	if found[r.intent] || pos+len(r.words) > len(toks) {
		return
	}
	for k, w := range r.words {
		if !w.match(toks[pos+k].Text) {
			return
		}
	}
	for b := max(0, pos-2); b < pos; b++ {
		t := toks[b].Text
		if r.guard && e.negators[t] || r.notBefore[t] {
			return
		}
	}
	after := pos + len(r.words)
	if after < len(toks) && r.notAfter[toks[after].Text] {
		return
	}
	for a := after; r.notNear != nil && a < min(after+2, len(toks)); a++ {
		if r.notNear[toks[a].Text] {
			return
		}
	}
	if r.noQ && questionAt(text, toks[after-1].ByteEnd) {
		return
	}
	found[r.intent] = true
}

// questionAt reports whether the sentence around byte i of text ends with
// a question mark: the first of . ! ? ¿ or a newline at or after i is ?.
func questionAt(text string, i int) bool {
	for ; i < len(text); i++ {
		switch text[i] {
		case '?':
			return true
		case '.', '!', '\n':
			return false
		}
	}
	return false
}

// orNotAlternative are words after "or" that do not offer an alternative
// ("a day or two?", "or something?", "or not?").
var orNotAlternative = map[string]bool{"not": true, "something": true, "anything": true, "so": true, "two": true,
	"three": true, "more": true, "less": true, "what": true, "is": true, "am": true, "are": true, "was": true, "just": true, "whatever": true,
	// "is it just me or does …": a second question, not an alternative
	"does": true, "do": true, "did": true, "has": true, "have": true, "should": true, "can": true, "will": true, "would": true, "could": true}

func intentIndex(name string) int {
	for i, n := range post.Intents {
		if n == name {
			return i
		}
	}
	return -1
}
