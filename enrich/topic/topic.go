// Package topic is the topic enricher: it matches the configured topic
// queries (config/topics.yaml, see docs/topics.md) against each post and
// records the topics that match, with the spans of the terms that made them
// match so target-aware enrichers (sentiment, emotion) can score the clauses
// around them.
package topic

import (
	"context"
	"fmt"

	"github.com/undertone/undertone/enrich"
	"github.com/undertone/undertone/post"
)

// Name is the enricher's name in config and metrics.
const Name = "topic"

// Version changes whenever matching behaviour changes.
const Version = "1"

// Config is the topic enricher's configuration (enrich.enrichers.topic).
type Config struct {
	// MaxTopics caps the topics recorded per post (0 = no cap). Topics are
	// kept in taxonomy order.
	MaxTopics int `mapstructure:"max_topics"`
}

// Validate implements enrich.Config.
func (c *Config) Validate() error {
	if c.MaxTopics < 0 {
		return fmt.Errorf("max_topics: %d: must be >= 0 (0 means no cap)", c.MaxTopics)
	}
	return nil
}

// NewFactory returns the factory of topic enrichers over defs (the topics
// of config/topics.yaml, converted by cmd/).
func NewFactory(defs []Definition) enrich.Factory {
	return enrich.Factory{
		Name:          Name,
		DefaultConfig: func() enrich.Config { return &Config{} },
		New: func(cfg enrich.Config, _ enrich.Settings) (enrich.Enricher, error) {
			c, ok := cfg.(*Config)
			if !ok {
				return nil, fmt.Errorf("topic: config is %T, want *topic.Config", cfg)
			}
			return New(*c, defs)
		},
	}
}

// Enricher matches topics. It is safe for concurrent use.
type Enricher struct {
	cfg Config
	m   *Matcher
}

// New compiles defs. It fails with a *DefinitionError when a query does not
// parse.
func New(cfg Config, defs []Definition) (*Enricher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("topic: %w", err)
	}
	m, err := Compile(defs)
	if err != nil {
		return nil, fmt.Errorf("topic: %w", err)
	}
	return &Enricher{cfg: cfg, m: m}, nil
}

// Name implements enrich.Enricher.
func (e *Enricher) Name() string { return Name }

// Version implements enrich.Enricher.
func (e *Enricher) Version() string { return Version }

// Matcher returns the compiled matcher (used by `undertone topics test`).
func (e *Enricher) Matcher() *Matcher { return e.m }

// Enrich implements enrich.Enricher: it appends one post.TopicHit per
// matching topic, with Spans set and Themes empty (sentiment and emotion
// fill Sentiment and Themes).
func (e *Enricher) Enrich(ctx context.Context, batch []post.Enriched) error {
	for i := range batch {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		p := &batch[i]
		hits := e.m.MatchPost(ctx, i, p.Text, p.Source, p.Lang)
		if e.cfg.MaxTopics > 0 && len(hits) > e.cfg.MaxTopics {
			hits = hits[:e.cfg.MaxTopics]
		}
		for _, h := range hits {
			p.Topics = append(p.Topics, post.TopicHit{ID: h.ID, Themes: []string{}, Spans: h.Spans})
		}
	}
	return nil
}
