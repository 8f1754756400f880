// Package example is a complete, small enricher to copy when writing a new
// one (docs/writing-an-enricher.md walks through it). It tags the marketer
// theme "desires" on posts with a wish or hope construction ("I wish the
// battery lasted longer", "hopefully they fix it"). It is registered in
// cmd/ but not in the default chain: add "wish" to enrich.chain to run it.
package example

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/undertone/undertone/enrich"
	"github.com/undertone/undertone/post"
)

// Name is the enricher's stable name: config key (enrich.enrichers.wish),
// metric label and key in Enriched.Enrichers.
const Name = "wish"

// Version is recorded in Enriched.Enrichers; bump it whenever the output
// for the same input changes, so re-enriched data can be told apart.
const Version = "1"

// Config is what users set under enrich.enrichers.wish. Keys are the
// mapstructure tags; an unknown key is rejected at startup.
type Config struct {
	// Phrases are matched case-insensitively as substrings.
	Phrases []string `mapstructure:"phrases"`
}

// DefaultConfig returns the defaults the registry decodes user settings
// onto.
func DefaultConfig() *Config {
	return &Config{Phrases: []string{"i wish", "i hope", "hopefully", "if only", "would love", "can't wait for"}}
}

// Validate implements enrich.Config: it names the key, the value and what is
// allowed.
func (c *Config) Validate() error {
	if len(c.Phrases) == 0 {
		return fmt.Errorf("phrases: empty: want at least one phrase")
	}
	for i, p := range c.Phrases {
		if strings.TrimSpace(p) == "" {
			return fmt.Errorf("phrases[%d]: blank phrase", i)
		}
	}
	return nil
}

// NewFactory returns the factory cmd/ passes to enrich.NewRegistry.
func NewFactory() enrich.Factory {
	return enrich.Factory{
		Name:          Name,
		DefaultConfig: func() enrich.Config { return DefaultConfig() },
		New: func(cfg enrich.Config, _ enrich.Settings) (enrich.Enricher, error) {
			c, ok := cfg.(*Config)
			if !ok {
				return nil, fmt.Errorf("%s: config is %T, want *example.Config", Name, cfg)
			}
			return New(*c)
		},
	}
}

// Enricher tags desires. It holds only immutable state, so it is safe for
// concurrent use.
type Enricher struct {
	phrases []string
}

// New checks cfg and does the one-time work (here: lowercasing phrases;
// a model-based enricher loads its model here, once).
func New(cfg Config) (*Enricher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	e := &Enricher{}
	for _, p := range cfg.Phrases {
		e.phrases = append(e.phrases, strings.ToLower(p))
	}
	return e, nil
}

// Name implements enrich.Enricher.
func (e *Enricher) Name() string { return Name }

// Version implements enrich.Enricher.
func (e *Enricher) Version() string { return Version }

// Enrich implements enrich.Enricher. It annotates posts in place, checks ctx
// so a cancelled batch stops promptly, and never fails the batch for one
// post (a post it could not handle would get batch[i].Fail(Name, err)).
func (e *Enricher) Enrich(ctx context.Context, batch []post.Enriched) error {
	for i := range batch {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		p := &batch[i]
		text := strings.ToLower(p.Text)
		for _, ph := range e.phrases {
			if strings.Contains(text, ph) {
				if !slices.Contains(p.Themes, post.ThemeDesires) {
					p.Themes = append(p.Themes, post.ThemeDesires)
				}
				break
			}
		}
	}
	return nil
}
