package postfeat_test

import (
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/undertone/undertone/enrich"
	"github.com/undertone/undertone/enrich/emotion"
	"github.com/undertone/undertone/enrich/internal/postfeat"
	"github.com/undertone/undertone/enrich/sentiment"
	"github.com/undertone/undertone/post"
)

var texts = []string{
	"I love my Acme phone but I'm sooo scared of Beta's battery!!! #NotHappy 😡",
	"@user thanks for the quick reply, the new update works great :)",
	"Worst customer service ever. Been waiting 3 days for a refund https://x.co/a",
	"Not sure if I should upgrade to the new model or wait for the next one?",
	"",
	"I wish it came in blue",
}

func enrichers(t testing.TB) (*sentiment.Enricher, *emotion.Enricher) {
	t.Helper()
	s, err := sentiment.New(*sentiment.DefaultConfig(), enrich.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := emotion.New(*emotion.DefaultConfig(), enrich.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	return s, e
}

func batch(n int) []post.Enriched {
	b := make([]post.Enriched, n)
	for i := range b {
		// strings.Clone: every batch has its own text strings, as fresh posts do.
		b[i] = post.NewEnriched(post.Clean{Text: strings.Clone(texts[i%len(texts)])})
	}
	return b
}

// TestSharedEqualsAlone: sentiment then emotion over one batch with a
// Shared in the context (the second reuses the first one's features, as in
// the chain) gives exactly what each gives alone.
func TestSharedEqualsAlone(t *testing.T) {
	s, e := enrichers(t)
	var sh postfeat.Shared
	run := func(order ...enrich.Enricher) []post.Enriched {
		b := batch(len(texts))
		ctx := postfeat.WithShared(t.Context(), &sh)
		for _, x := range order {
			if err := x.Enrich(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		return b
	}
	both := run(s, e)
	onlyS, onlyE := batch(len(texts)), batch(len(texts))
	if err := s.Enrich(t.Context(), onlyS); err != nil {
		t.Fatal(err)
	}
	if err := e.Enrich(t.Context(), onlyE); err != nil {
		t.Fatal(err)
	}
	for i := range both {
		if both[i].Sentiment != onlyS[i].Sentiment {
			t.Errorf("post %d: sentiment %v shared, %v alone", i, both[i].Sentiment, onlyS[i].Sentiment)
		}
		if !reflect.DeepEqual(both[i].Emotions, onlyE[i].Emotions) || !reflect.DeepEqual(both[i].EmotionLabels, onlyE[i].EmotionLabels) ||
			!reflect.DeepEqual(both[i].Ekman, onlyE[i].Ekman) || !reflect.DeepEqual(both[i].Themes, onlyE[i].Themes) {
			t.Errorf("post %d: emotion outputs differ when shared", i)
		}
	}
	// The other order shares too.
	rev := run(e, s)
	for i := range rev {
		if rev[i].Sentiment != onlyS[i].Sentiment || !reflect.DeepEqual(rev[i].Emotions, onlyE[i].Emotions) {
			t.Errorf("post %d: emotion-then-sentiment outputs differ", i)
		}
	}
}

// BenchmarkSentimentEmotion runs both enrichers over 256-post batches of
// tweet-like posts, as the default chain does: the CPU cost per post of
// sentiment plus emotion together.
func BenchmarkSentimentEmotion(b *testing.B) {
	s, e := enrichers(b)
	bt := batch(256)
	var sh postfeat.Shared
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		for i := range bt { // as for fresh posts: the maps start empty
			clear(bt[i].Emotions)
			clear(bt[i].Ekman)
		}
		ctx := postfeat.WithShared(b.Context(), &sh) // as the chain does per batch
		if err := s.Enrich(ctx, bt); err != nil {
			b.Fatal(err)
		}
		if err := e.Enrich(ctx, bt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(bt)), "ns/post")
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N*len(bt)), "cpu-ns/post")
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
