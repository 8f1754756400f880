// Package entity is the entity enricher. It finds the configured brands,
// products and competitors with a gazetteer (one Aho-Corasick pass over the
// text), and other names (places, organisations; people are masked) with
// prose's named-entity recognizer, run only on the short windows around
// capitalized words the gazetteer did not explain. See docs/enrichers.md.
package entity

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/jdkato/prose/v2"

	"github.com/undertone/undertone/enrich"
	"github.com/undertone/undertone/enrich/internal/tokens"
	"github.com/undertone/undertone/post"
)

// Name is the enricher's name in config and metrics.
const Name = "entity"

// Version changes whenever matching behaviour changes.
const Version = "1"

// Entity types.
const (
	TypeBrand   = "BRAND"
	TypeProduct = "PRODUCT"
	TypeOrg     = "ORG"
	TypeGPE     = "GPE"
	TypePerson  = "PERSON"
)

// PersonMask replaces the text and canonical name of PERSON entities when
// Config.Person is "mask".
const PersonMask = "[PERSON]"

// Config is the entity enricher's configuration (enrich.enrichers.entity).
type Config struct {
	// NER turns prose's named-entity recognizer on (GPE, ORG, PERSON).
	// The gazetteer always runs.
	NER bool `mapstructure:"ner"`
	// NERWindow is how many words each side of an unexplained capitalized
	// word prose sees. prose costs ~0.1-0.3 ms per word, so the window, not
	// the post, bounds its cost.
	NERWindow int `mapstructure:"ner_window"`
	// NERCache is how many candidate spans (the capitalized words prose is
	// asked about) have their result memoized (0 = no cache).
	NERCache int `mapstructure:"ner_cache"`
	// Fuzzy matches capitalized one-typo misspellings of aliases of 4+
	// letters ("Acem", "OrbtiAir") as the alias's entity.
	Fuzzy bool `mapstructure:"fuzzy"`
	// Person is what happens to PERSON entities: "mask" records them with
	// text and canonical "[PERSON]" (the offsets remain), "drop" omits them.
	// Person names are never written out as entities.
	Person string `mapstructure:"person"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() *Config {
	return &Config{NER: true, NERWindow: 3, NERCache: 8192, Fuzzy: true, Person: "mask"}
}

// Validate implements enrich.Config.
func (c *Config) Validate() error {
	if c.NERWindow < 1 || c.NERWindow > 20 {
		return fmt.Errorf("ner_window: %d: must be 1..20", c.NERWindow)
	}
	if c.NERCache < 0 {
		return fmt.Errorf("ner_cache: %d: must be >= 0", c.NERCache)
	}
	if c.Person != "mask" && c.Person != "drop" {
		return fmt.Errorf("person: %q: allowed: mask, drop", c.Person)
	}
	return nil
}

// NewFactory returns the factory of entity enrichers over the gazetteer
// entries (built by cmd/ from config/topics.yaml).
func NewFactory(entries []Entry) enrich.Factory {
	return enrich.Factory{
		Name:          Name,
		DefaultConfig: func() enrich.Config { return DefaultConfig() },
		New: func(cfg enrich.Config, _ enrich.Settings) (enrich.Enricher, error) {
			c, ok := cfg.(*Config)
			if !ok {
				return nil, fmt.Errorf("entity: config is %T, want *entity.Config", cfg)
			}
			return New(*c, entries)
		},
	}
}

// Enricher finds entities. It is safe for concurrent use.
type Enricher struct {
	cfg   Config
	gaz   *gazetteer
	fz    *fuzzyIndex
	ents  []Entry
	model *prose.Model
	cache *nerCache
	pool  sync.Pool
}

// New builds the gazetteer and, when NER is on, loads prose's model (once
// per process, shared by all Enrichers: about 1 s and 100 MB).
func New(cfg Config, entries []Entry) (*Enricher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("entity: %w", err)
	}
	for i, e := range entries {
		if e.Canonical == "" || e.Type == "" {
			return nil, fmt.Errorf("entity: entry %d: canonical and type are required", i)
		}
	}
	e := &Enricher{cfg: cfg, gaz: newGazetteer(entries), ents: entries}
	if cfg.Fuzzy {
		e.fz = newFuzzyIndex(e.gaz)
	}
	if cfg.NER {
		e.model = sharedModel()
		if cfg.NERCache > 0 {
			e.cache = newNERCache(cfg.NERCache)
		}
	}
	e.pool.New = func() any { return &scratch{} }
	return e, nil
}

// Name implements enrich.Enricher.
func (e *Enricher) Name() string { return Name }

// Version implements enrich.Enricher.
func (e *Enricher) Version() string {
	if e.cfg.NER {
		return Version + "+ner"
	}
	return Version
}

type scratch struct {
	gm   []gmatch
	fm   []gmatch
	toks []tokens.Token // own buffer
	view []tokens.Token // this post's tokens (shared or toks); read only
}

// Enrich implements enrich.Enricher: it appends the post's entities, sorted
// by offset, non-overlapping, with rune offsets into Text.
func (e *Enricher) Enrich(ctx context.Context, batch []post.Enriched) error {
	s := e.pool.Get().(*scratch)
	defer e.pool.Put(s)
	for i := range batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := &batch[i]
		p.Entities = e.find(ctx, s, i, p.Text, p.Lang, p.Entities)
	}
	return nil
}

// find appends the entities of text to dst.
// i is the post's index in the batch (for the chain's shared tokens; -1:
// none).
func (e *Enricher) find(ctx context.Context, s *scratch, i int, text, lang string, dst []post.Entity) []post.Entity {
	s.gm = e.gaz.find(s.gm[:0], text)
	s.view = nil
	if e.fz != nil || e.model != nil {
		s.view = tokens.Of(ctx, i, text, &s.toks)
	}
	if e.fz != nil {
		s.fm = e.fuzzy(s.fm[:0], s.gm, text, s.view)
		if len(s.fm) > 0 {
			s.gm = mergeFuzzy(s.gm, s.fm)
		}
	}
	var ner []nerSpan
	if e.model != nil && english(lang) {
		ner = e.ner(ctx, s, text)
	}
	if len(s.gm) == 0 && len(ner) == 0 {
		return dst
	}
	conv := runeConv{text: text}
	gi, ni := 0, 0
	for gi < len(s.gm) || ni < len(ner) {
		if ni >= len(ner) || (gi < len(s.gm) && s.gm[gi].start <= ner[ni].start) {
			m := s.gm[gi]
			gi++
			ent := e.ents[m.entry]
			dst = append(dst, post.Entity{
				Text: text[m.start:m.end], Canonical: ent.Canonical, Type: ent.Type,
				Start: conv.at(m.start), End: conv.at(m.end),
			})
			continue
		}
		n := ner[ni]
		ni++
		ent := post.Entity{Text: text[n.start:n.end], Canonical: n.canonical, Type: n.label,
			Start: conv.at(n.start), End: conv.at(n.end)}
		if n.label == TypePerson {
			if e.cfg.Person == "drop" {
				continue
			}
			ent.Text, ent.Canonical = PersonMask, PersonMask
		}
		dst = append(dst, ent)
	}
	return dst
}

// english reports whether prose's English model applies: the post is in
// English or its language is unknown.
func english(lang string) bool {
	return lang == "" || lang == "und" || lang == "en" || strings.HasPrefix(lang, "en-")
}

// sharedModel is prose's English model, decoded once per process (about
// 1 s and 100 MB) and shared by every Enricher: it is read-only after
// loading, so sharing is safe, and a second chain (tests, a re-enrichment
// run) costs nothing.
var sharedModel = sync.OnceValue(func() *prose.Model { return prose.ModelFromData("en") })

// runeConv converts increasing byte offsets to rune offsets in one pass.
type runeConv struct {
	text        string
	byteAt, rAt int
}

func (c *runeConv) at(b int) int {
	if b < c.byteAt {
		c.byteAt, c.rAt = 0, 0
	}
	c.rAt += utf8.RuneCountInString(c.text[c.byteAt:b])
	c.byteAt = b
	return c.rAt
}

// canonicalSpace collapses runs of white space.
func canonicalSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// TypeOf maps a taxonomy kind (brand, product, competitor) to an entity
// type: BRAND, PRODUCT, and ORG for competitors.
func TypeOf(kind string) string {
	switch kind {
	case "brand":
		return TypeBrand
	case "product":
		return TypeProduct
	default:
		return TypeOrg
	}
}
