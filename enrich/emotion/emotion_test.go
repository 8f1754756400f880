package emotion_test

import (
	"context"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/undertone/undertone/enrich"
	"github.com/undertone/undertone/enrich/emotion"
	"github.com/undertone/undertone/post"
)

func newEnricher(t testing.TB) *emotion.Enricher {
	t.Helper()
	e, err := emotion.New(*emotion.DefaultConfig(), enrich.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func run(t *testing.T, e *emotion.Enricher, text string, topics ...post.TopicHit) post.Enriched {
	t.Helper()
	p := post.NewEnriched(post.Clean{Text: text})
	p.Topics = topics
	b := []post.Enriched{p}
	if err := e.Enrich(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	return b[0]
}

func TestModelLoads(t *testing.T) {
	if _, err := emotion.Model(); err != nil {
		t.Fatal(err)
	}
	e := newEnricher(t)
	if e.Name() != "emotion" || e.Version() == "" {
		t.Fatalf("name %q version %q", e.Name(), e.Version())
	}
}

func TestConfig(t *testing.T) {
	f := emotion.NewFactory()
	if err := f.DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	if err := (&emotion.Config{ThresholdScale: 0}).Validate(); err == nil {
		t.Fatal("threshold_scale 0 accepted")
	}
	if _, err := f.New(f.DefaultConfig(), enrich.Settings{}); err != nil {
		t.Fatal(err)
	}
}

func TestContract(t *testing.T) {
	e := newEnricher(t)
	p := run(t, e, "Thank you so much, this made my day!")
	if len(p.Emotions) != len(post.Emotions) {
		t.Fatalf("%d emotions, want 28", len(p.Emotions))
	}
	for l, v := range p.Emotions {
		if v < 0 || v > 1 || post.EmotionIndex(l) < 0 {
			t.Errorf("emotion %q = %v", l, v)
		}
	}
	if len(p.Ekman) != len(post.Ekman) {
		t.Fatalf("%d ekman keys, want 7", len(p.Ekman))
	}
	if len(p.EmotionLabels) == 0 {
		t.Fatal("no emotion label")
	}
	if !slices.Contains(p.EmotionLabels, "gratitude") || !slices.Contains(p.Themes, post.ThemeJoys) {
		t.Errorf("labels %v themes %v: want gratitude, joys", p.EmotionLabels, p.Themes)
	}
	// The Ekman head puts this post in joy, and only there.
	for g, v := range p.Ekman {
		if g != "joy" && v >= p.Ekman["joy"] || p.Ekman["joy"] < 0.5 {
			t.Errorf("ekman %v: want joy first and >= 0.5", p.Ekman)
		}
	}
}

func TestDecideFollowsEkmanHead(t *testing.T) {
	thr := make([]float64, len(post.Emotions))
	for k := range thr {
		thr[k] = 0.5
	}
	thrE := []float64{0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5}
	p := make([]float64, len(post.Emotions))
	p[post.EmotionIndex("gratitude")] = 0.9 // joy group, passes
	p[post.EmotionIndex("anger")] = 0.8     // anger group, passes, but the head says no anger
	p[post.EmotionIndex("fear")] = 0.2      // fear group, below threshold, but the head says fear
	p[post.EmotionIndex("nervousness")] = 0.1
	pe := []float64{0.1, 0, 0.7, 0.9, 0, 0, 0} // anger disgust fear joy sadness surprise neutral
	set := emotion.Decide(p, thr, pe, thrE)
	var got []string
	for k, l := range post.Emotions {
		if set&(1<<k) != 0 {
			got = append(got, l)
		}
	}
	if want := []string{"fear", "gratitude"}; !slices.Equal(got, want) {
		t.Errorf("labels %v, want %v", got, want)
	}
	// No group passes: the group with the highest p/threshold, and its best label.
	pe = []float64{0.1, 0, 0.2, 0.3, 0, 0, 0}
	if set := emotion.Decide(p, thr, pe, thrE); set != 1<<post.EmotionIndex("gratitude") {
		t.Errorf("fallback labels %b", set)
	}
	// Without a head: labels passing their thresholds.
	if set := emotion.Decide(p, thr, nil, nil); set != 1<<post.EmotionIndex("gratitude")|1<<post.EmotionIndex("anger") {
		t.Errorf("no-head labels %b", set)
	}
}

func TestThemes(t *testing.T) {
	e := newEnricher(t)
	tests := []struct {
		text  string
		theme string
	}{
		{"I'm really scared the battery will explode", post.ThemeFears},
		{"worried that the price will go up again", post.ThemeFears},
		{"what if they cancel my order", post.ThemeFears},
		{"I wish it came in blue", post.ThemeDesires},
		{"would love a cheaper plan", post.ThemeDesires},
		{"if only the app was faster", post.ThemeDesires},
		{"This is so annoying, the app crashed again and again", post.ThemeFrustrations},
		{"So sad, I really miss the old design", post.ThemeDisappointments},
		{"I love it, best purchase ever", post.ThemeJoys},
		{"I don't understand how this setting works", post.ThemeConfusion},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			p := run(t, e, tc.text)
			if !slices.Contains(p.Themes, tc.theme) {
				t.Errorf("themes %v (labels %v), want %s", p.Themes, p.EmotionLabels, tc.theme)
			}
		})
	}
}

func TestTopicThemes(t *testing.T) {
	e := newEnricher(t)
	p := run(t, e, "I love my Acme but I'm scared of Beta's battery",
		post.TopicHit{ID: "acme", Spans: []post.Span{{Start: 10, End: 14}}},
		post.TopicHit{ID: "beta", Spans: []post.Span{{Start: 33, End: 37}}},
	)
	acme, beta := p.Topics[0].Themes, p.Topics[1].Themes
	if !slices.Contains(acme, post.ThemeJoys) || slices.Contains(acme, post.ThemeFears) {
		t.Errorf("acme themes %v, want joys and not fears", acme)
	}
	if !slices.Contains(beta, post.ThemeFears) || slices.Contains(beta, post.ThemeJoys) {
		t.Errorf("beta themes %v, want fears and not joys", beta)
	}
}

// A sentence that names no topic belongs to the topic mentioned before it:
// the fear in the follow-up sentence is a fear about the Acme Phone.
func TestTopicThemesFollowUpSentence(t *testing.T) {
	e := newEnricher(t)
	p := run(t, e, "My Acme Phone battery looks swollen. Honestly scared to even charge it now.",
		post.TopicHit{ID: "acme-phone", Spans: []post.Span{{Start: 3, End: 13}}},
	)
	if th := p.Topics[0].Themes; !slices.Contains(th, post.ThemeFears) {
		t.Errorf("acme-phone themes %v, want fears (from the follow-up sentence)", th)
	}
}

func TestCancelled(t *testing.T) {
	e := newEnricher(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := e.Enrich(ctx, make([]post.Enriched, 3)); err == nil {
		t.Fatal("want ctx error")
	}
}

func BenchmarkEnrich(b *testing.B) {
	e := newEnricher(b)
	texts := []string{
		"I love my Acme phone but I'm sooo scared of Beta's battery!!! #NotHappy 😡",
		"@user thanks for the quick reply, the new update works great :)",
		"Worst customer service ever. Been waiting 3 days for a refund https://x.co/a",
		"Not sure if I should upgrade to the new model or wait for the next one?",
	}
	batch := make([]post.Enriched, 256)
	for i := range batch {
		batch[i] = post.NewEnriched(post.Clean{Text: texts[i%len(texts)]})
	}
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		for i := range batch { // as for fresh posts: the maps start empty
			clear(batch[i].Emotions)
			clear(batch[i].Ekman)
		}
		if err := e.Enrich(b.Context(), batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/post")
	// CPU time per post is robust to other processes sharing the cores.
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N*len(batch)), "cpu-ns/post")
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestTopicConstructions(t *testing.T) {
	e := newEnricher(t)
	text := "I wish Acme had a bigger screen, but I'm worried about Beta's price"
	p := run(t, e, text,
		post.TopicHit{ID: "acme", Spans: []post.Span{{Start: 7, End: 11}}},
		post.TopicHit{ID: "beta", Spans: []post.Span{{Start: 55, End: 59}}},
	)
	if got := p.Topics[0].Themes; !slices.Contains(got, post.ThemeDesires) || slices.Contains(got, post.ThemeFears) {
		t.Errorf("acme themes %v, want desires and not fears", got)
	}
	if got := p.Topics[1].Themes; !slices.Contains(got, post.ThemeFears) || slices.Contains(got, post.ThemeDesires) {
		t.Errorf("beta themes %v, want fears and not desires", got)
	}
	for _, th := range []string{post.ThemeDesires, post.ThemeFears} {
		if !slices.Contains(p.Themes, th) {
			t.Errorf("post themes %v, want %s", p.Themes, th)
		}
	}
}
