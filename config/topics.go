package config

import (
	"fmt"
	"os"
	"regexp"

	"go.yaml.in/yaml/v3"
)

// Topic is one entry of the topic taxonomy (config/topics.yaml): a brand,
// product or competitor that analysts track.
type Topic struct {
	// ID is the stable slug used in storage, URLs and reports.
	ID string `yaml:"id"`
	// Name is the display and canonical entity name.
	Name string `yaml:"name"`
	// Kind is brand, product or competitor.
	Kind string `yaml:"kind"`
	// Brand is the ID of the brand a product belongs to (optional).
	Brand string `yaml:"brand,omitempty"`
	// Aliases are surface forms (including common misspellings) that the
	// entity gazetteer matches and that name this topic's canonical entity.
	Aliases []string `yaml:"aliases"`
	// Query is the boolean topic query (AND/OR/NOT, "phrases", NEAR/n,
	// wildcards*, source:, lang:). Empty means: any alias matches.
	Query string `yaml:"query,omitempty"`
	// Features are product aspects the synthetic generator and reports talk
	// about (battery, screen, price, ...).
	Features []string `yaml:"features,omitempty"`
}

// Taxonomy is the parsed topics file.
type Taxonomy struct {
	Topics []Topic `yaml:"topics"`
}

var topicID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// LoadTopics reads and checks a topics file. Errors name the file, the
// topic and the field.
func LoadTopics(path string) (Taxonomy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Taxonomy{}, fmt.Errorf("topics: %w", err)
	}
	var t Taxonomy
	dec := yaml.NewDecoder(bytesReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&t); err != nil {
		return Taxonomy{}, fmt.Errorf("topics %s: %w", path, err)
	}
	seen := map[string]bool{}
	for i, tp := range t.Topics {
		where := fmt.Sprintf("topics %s: topics[%d] (id %q)", path, i, tp.ID)
		if !topicID.MatchString(tp.ID) {
			return Taxonomy{}, fmt.Errorf("%s: id: want lowercase slug of a-z 0-9 -", where)
		}
		if seen[tp.ID] {
			return Taxonomy{}, fmt.Errorf("%s: id: duplicate", where)
		}
		seen[tp.ID] = true
		if tp.Name == "" {
			return Taxonomy{}, fmt.Errorf("%s: name: required", where)
		}
		switch tp.Kind {
		case "brand", "product", "competitor":
		default:
			return Taxonomy{}, fmt.Errorf("%s: kind: %q, allowed: brand, product, competitor", where, tp.Kind)
		}
		if len(tp.Aliases) == 0 && tp.Query == "" {
			return Taxonomy{}, fmt.Errorf("%s: needs aliases or a query", where)
		}
	}
	return t, nil
}
