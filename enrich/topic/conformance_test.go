package topic_test

import (
	"testing"

	"github.com/undertone/undertone/enrich"
	"github.com/undertone/undertone/enrich/enrichtest"
	"github.com/undertone/undertone/enrich/topic"
)

func TestConformance(t *testing.T) {
	defs := enrichtest.TopicDefinitions(enrichtest.Taxonomy(t))
	enrichtest.Run(t, func(t testing.TB) enrich.Enricher {
		e, err := topic.New(topic.Config{}, defs)
		if err != nil {
			t.Fatal(err)
		}
		return e
	})
}
