// Package post holds Undertone's domain types: the input Post (schema
// version 1), the Enriched post that flows from enrichment to the store, and
// the fixed label sets (GoEmotions, Ekman, marketer themes) the contract in
// DESIGN.md names. It imports nothing from this repository.
package post

import (
	"time"
)

// SchemaVersion is the only post schema version this build accepts.
const SchemaVersion = 1

// Post is one input record (schema version 1), as produced to posts.raw.
//
// Author is the raw source-native author id or handle. It never leaves the
// ingest stage: ingest replaces it with a pseudonym and drops it.
type Post struct {
	SchemaVersion int               `json:"schema_version,omitempty"`
	ID            string            `json:"id"`
	Source        string            `json:"source"`
	Text          string            `json:"text"`
	CreatedAt     time.Time         `json:"created_at"`
	Lang          string            `json:"lang,omitempty"`
	Author        string            `json:"author,omitempty"`
	URL           string            `json:"url,omitempty"`
	Meta          map[string]string `json:"meta,omitempty"`
}

// Clean is a validated, normalized and anonymized post, as produced to
// posts.clean by ingest. It carries no raw author and no raw PII.
type Clean struct {
	PostID          string            `json:"post_id"`
	ID              string            `json:"id"`
	Source          string            `json:"source"`
	CreatedAt       time.Time         `json:"created_at"`
	IngestedAt      time.Time         `json:"ingested_at"`
	Lang            string            `json:"lang"`
	AuthorPseudonym string            `json:"author_pseudonym,omitempty"`
	AuthorKeyID     string            `json:"author_key_id,omitempty"`
	Text            string            `json:"text"`
	URLDomain       string            `json:"url_domain,omitempty"`
	Meta            map[string]string `json:"meta,omitempty"`
}

// Sentiment is the polarity of a post or of one topic within it.
type Sentiment struct {
	// Score is in [-1, 1].
	Score float64 `json:"score"`
	// Label is one of LabelNegative, LabelNeutral, LabelPositive.
	Label string `json:"label"`
}

// Sentiment labels.
const (
	LabelNegative = "negative"
	LabelNeutral  = "neutral"
	LabelPositive = "positive"
)

// Entity is a named thing found in the anonymized text. Start and End are
// character (rune) offsets into Enriched.Text, End exclusive.
type Entity struct {
	Text      string `json:"text"`
	Canonical string `json:"canonical"`
	Type      string `json:"type"`
	Start     int    `json:"start"`
	End       int    `json:"end"`
}

// TopicHit is one configured topic that matched a post, with the sentiment
// and themes of the clauses that mention it.
type TopicHit struct {
	ID        string   `json:"id"`
	Sentiment float64  `json:"sentiment"`
	Themes    []string `json:"themes"`
	// Spans are the rune offsets [start, end) in Enriched.Text of the terms
	// that made the topic match. Target-aware enrichers score the clauses
	// around them. Not part of the JSON contract.
	Spans []Span `json:"-"`
}

// Span is a rune range [Start, End) in a text.
type Span struct {
	Start int
	End   int
}

// Failure records one enricher failing on one post. The post still flows;
// the failure is counted and visible downstream.
type Failure struct {
	Enricher string `json:"enricher"`
	Reason   string `json:"reason"`
}

// Enriched is the enriched-post contract of DESIGN.md: the output of the
// enrichment chain, the JSONL of `undertone enrich` and the message value of
// posts.enriched.
//
// Partition and Offset are the Kafka coordinates of the posts.clean message
// the post came from; they are not part of the JSON contract and are set only
// inside the pipeline.
type Enriched struct {
	ID              string             `json:"id"`
	PostID          string             `json:"post_id"`
	Source          string             `json:"source"`
	CreatedAt       time.Time          `json:"created_at"`
	IngestedAt      time.Time          `json:"ingested_at,omitzero"`
	Lang            string             `json:"lang"`
	AuthorPseudonym string             `json:"author_pseudonym"`
	AuthorKeyID     string             `json:"author_key_id,omitempty"`
	Text            string             `json:"text"`
	Sentiment       Sentiment          `json:"sentiment"`
	Emotions        map[string]float64 `json:"emotions"`
	EmotionLabels   []string           `json:"emotion_labels"`
	Ekman           map[string]float64 `json:"ekman"`
	Themes          []string           `json:"themes"`
	Entities        []Entity           `json:"entities"`
	Topics          []TopicHit         `json:"topics"`
	Intents         []string           `json:"intents"`
	Enrichers       map[string]string  `json:"enrichers"`
	Failures        []Failure          `json:"failures,omitempty"`

	Partition int   `json:"-"`
	Offset    int64 `json:"-"`
}

// NewEnriched starts an Enriched post from a clean one, with every
// collection non-nil so the JSON contract never carries null.
func NewEnriched(c Clean) Enriched {
	return Enriched{
		ID:              c.ID,
		PostID:          c.PostID,
		Source:          c.Source,
		CreatedAt:       c.CreatedAt,
		IngestedAt:      c.IngestedAt,
		Lang:            c.Lang,
		AuthorPseudonym: c.AuthorPseudonym,
		AuthorKeyID:     c.AuthorKeyID,
		Text:            c.Text,
		Sentiment:       Sentiment{Label: LabelNeutral},
		Emotions:        map[string]float64{},
		EmotionLabels:   []string{},
		Ekman:           map[string]float64{},
		Themes:          []string{},
		Entities:        []Entity{},
		Topics:          []TopicHit{},
		Intents:         []string{},
		Enrichers:       map[string]string{},
	}
}

// Fail records that enricher could not process this post. It does not stop
// the batch.
func (e *Enriched) Fail(enricher string, err error) {
	e.Failures = append(e.Failures, Failure{Enricher: enricher, Reason: err.Error()})
}
