package enrichtest

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/undertone/undertone/config"
	"github.com/undertone/undertone/enrich/entity"
	"github.com/undertone/undertone/enrich/topic"
)

// TopicsFile is the path of the repository's config/topics.yaml.
func TopicsFile() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "config", "topics.yaml")
}

// Taxonomy loads the repository's config/topics.yaml.
func Taxonomy(t testing.TB) config.Taxonomy {
	t.Helper()
	tax, err := config.LoadTopics(TopicsFile())
	if err != nil {
		t.Fatal(err)
	}
	return tax
}

// TopicDefinitions converts a taxonomy the way cmd/ does.
func TopicDefinitions(tax config.Taxonomy) []topic.Definition {
	defs := make([]topic.Definition, 0, len(tax.Topics))
	for _, tp := range tax.Topics {
		defs = append(defs, topic.Definition{ID: tp.ID, Aliases: tp.Aliases, Query: tp.Query})
	}
	return defs
}

// EntityEntries converts a taxonomy the way cmd/ does.
func EntityEntries(tax config.Taxonomy) []entity.Entry {
	out := make([]entity.Entry, 0, len(tax.Topics))
	for _, tp := range tax.Topics {
		out = append(out, entity.Entry{Canonical: tp.Name, Type: entity.TypeOf(tp.Kind), Aliases: tp.Aliases})
	}
	return out
}
