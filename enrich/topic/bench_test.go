package topic_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/undertone/undertone/enrich/enrichtest"
	"github.com/undertone/undertone/enrich/topic"
	"github.com/undertone/undertone/post"
)

// syntheticTopics returns n topics shaped like config/topics.yaml's: the
// real ones first, then brand/product queries over invented names.
func syntheticTopics(tb testing.TB, n int) []topic.Definition {
	defs := enrichtest.TopicDefinitions(enrichtest.Taxonomy(tb))
	for i := 0; len(defs) < n; i++ {
		b := fmt.Sprintf("brand%d", i)
		defs = append(defs, topic.Definition{
			ID:    fmt.Sprintf("t%d", i),
			Query: fmt.Sprintf(`"%s phone" OR %sphone OR (%s NEAR/3 (battery OR screen* OR price)) NOT lang:de`, b, b, b),
		})
	}
	return defs[:n]
}

// BenchmarkTopics compares matching with 10 and 500 topics: the term index
// means only topics whose terms occur in a post are evaluated.
func BenchmarkTopics(b *testing.B) {
	texts := enrichtest.Fixtures
	for _, n := range []int{10, 500} {
		e, err := topic.New(topic.Config{}, syntheticTopics(b, n))
		if err != nil {
			b.Fatal(err)
		}
		for _, size := range []int{1, 100, 1000} {
			b.Run(fmt.Sprintf("topics=%d/batch=%d", n, size), func(b *testing.B) {
				batch := make([]post.Enriched, size)
				b.ReportAllocs()
				for b.Loop() {
					for i := range batch {
						batch[i] = post.NewEnriched(post.Clean{Text: texts[i%len(texts)], Lang: "en"})
					}
					if err := e.Enrich(context.Background(), batch); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(size)*float64(b.N)/b.Elapsed().Seconds(), "posts/s")
			})
		}
	}
}

func BenchmarkParse(b *testing.B) {
	q := `"acme phone" OR acmephone OR "acme fone" OR "acme p12" OR (acme NEAR/3 (phone OR battery OR screen)) NOT source:spam*`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := topic.Parse(q); err != nil {
			b.Fatal(err)
		}
	}
}
