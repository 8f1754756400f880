package entity_test

import (
	"testing"

	"github.com/undertone/undertone/enrich"
	"github.com/undertone/undertone/enrich/enrichtest"
	"github.com/undertone/undertone/enrich/entity"
)

func TestConformance(t *testing.T) {
	entries := enrichtest.EntityEntries(enrichtest.Taxonomy(t))
	for name, ner := range map[string]bool{"ner": true, "gazetteer only": false} {
		t.Run(name, func(t *testing.T) {
			enrichtest.Run(t, func(t testing.TB) enrich.Enricher {
				cfg := entity.DefaultConfig()
				cfg.NER = ner
				e, err := entity.New(*cfg, entries)
				if err != nil {
					t.Fatal(err)
				}
				return e
			})
		})
	}
}
