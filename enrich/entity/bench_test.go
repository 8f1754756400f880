package entity_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jdkato/prose/v2"

	"github.com/undertone/undertone/enrich/enrichtest"
	"github.com/undertone/undertone/enrich/entity"
	"github.com/undertone/undertone/post"
)

var benchTexts = []string{
	"I love my Acme Phone but I'm scared of the Beta phone battery",
	"Flew Orbit Air from London to Paris and they lost my luggage",
	"honestly the acme fone camera is unreal, no complaints",
	"How do I cancel my Nimbus Bank account? Their app keeps crashing",
	"Zenith Coffee in Berlin was closed again, thanks Obama",
	"just a quiet sunday with coffee",
}

// BenchmarkEntity compares the gazetteer alone, the gated NER the enricher
// uses, and prose run on every post (what the gating avoids).
func BenchmarkEntity(b *testing.B) {
	entries := enrichtest.EntityEntries(enrichtest.Taxonomy(b))
	for _, mode := range []string{"gazetteer", "gated-ner"} {
		cfg := entity.DefaultConfig()
		cfg.NER = mode == "gated-ner"
		e, err := entity.New(*cfg, entries)
		if err != nil {
			b.Fatal(err)
		}
		for _, size := range []int{1, 100, 1000} {
			b.Run(fmt.Sprintf("%s/batch=%d", mode, size), func(b *testing.B) {
				batch := make([]post.Enriched, size)
				b.ReportAllocs()
				for b.Loop() {
					for i := range batch {
						batch[i] = post.NewEnriched(post.Clean{Text: benchTexts[i%len(benchTexts)]})
					}
					if err := e.Enrich(context.Background(), batch); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(size)*float64(b.N)/b.Elapsed().Seconds(), "posts/s")
			})
		}
	}
	model := prose.ModelFromData("en")
	b.Run("prose-every-post/batch=1", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := prose.NewDocument(benchTexts[i%len(benchTexts)], prose.UsingModel(model), prose.WithSegmentation(false)); err != nil {
				b.Fatal(err)
			}
			i++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
	})
}
