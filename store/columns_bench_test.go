package store

import (
	"fmt"
	"testing"

	"github.com/undertone/undertone/post"
	"github.com/undertone/undertone/store/storetest"
)

// BenchmarkEncode measures the Writer's encoding path: converting posts to
// the columnar batch (grain arrays included), per batch size.
func BenchmarkEncode(b *testing.B) {
	for _, n := range []int{1000, 20000} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			posts := storetest.Posts(n, 30, 4, 1)
			ptrs := make([]*post.Enriched, n)
			for i := range posts {
				ptrs[i] = &posts[i]
			}
			var c columns
			b.ReportAllocs()
			for b.Loop() {
				c.fill(ptrs, "posts.enriched")
				c.reset()
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

func TestFillGrain(t *testing.T) {
	p := post.NewEnriched(post.Clean{PostID: "x", Source: "s"})
	p.Sentiment.Score = 0.5
	p.Themes = []string{"fears", "fears", "", "joys"}
	p.Topics = []post.TopicHit{{ID: "a", Sentiment: -0.25, Themes: []string{"joys", ""}}, {ID: "a"}, {ID: ""}, {ID: "b", Sentiment: 1.5}}
	p.Entities = []post.Entity{{Text: "Acme", Canonical: "Acme", Type: "ORG"}, {Text: "acme", Canonical: "Acme", Type: "ORG"}, {Text: "Berlin", Type: "GPE"}}
	var c columns
	c.fill([]*post.Enriched{&p}, "t")
	got := fmt.Sprint(c.mTopic[0], c.mTheme[0], c.mSent[0])
	want := "[   a a b] [ fears joys  joys ] [0.5 0.5 0.5 -0.25 -0.25 1]"
	if got != want {
		t.Errorf("m_* = %s, want %s", got, want)
	}
	got = fmt.Sprint(c.eTopic[0], c.eEntity[0], c.eType[0], c.eSent[0])
	want = "[  a a b b] [Acme Berlin Acme Berlin Acme Berlin] [ORG GPE ORG GPE ORG GPE] [0.5 0.5 -0.25 -0.25 1 1]"
	if got != want {
		t.Errorf("e_* = %s, want %s", got, want)
	}
	if fmt.Sprint(c.topicIDs[0]) != "[a b]" {
		t.Errorf("topic_ids = %v, want [a b] (repeats and empty ids dropped)", c.topicIDs[0])
	}
}
