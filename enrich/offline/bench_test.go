package offline_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/undertone/undertone/enrich"
	"github.com/undertone/undertone/enrich/emotion"
	"github.com/undertone/undertone/enrich/enrichtest"
	"github.com/undertone/undertone/enrich/entity"
	"github.com/undertone/undertone/enrich/intent"
	"github.com/undertone/undertone/enrich/offline"
	"github.com/undertone/undertone/enrich/sentiment"
	"github.com/undertone/undertone/enrich/topic"
	"github.com/undertone/undertone/ingest"
	"github.com/undertone/undertone/ingest/generate"
	"github.com/undertone/undertone/post"
)

// defaultEnrichers builds the default chain's enrichers (entity, topic,
// sentiment, emotion, intent) over the repository taxonomy, as cmd/ does.
func defaultEnrichers(tb testing.TB) []enrich.Enricher {
	tb.Helper()
	tax := enrichtest.Taxonomy(tb)
	var out []enrich.Enricher
	for _, f := range []enrich.Factory{
		entity.NewFactory(enrichtest.EntityEntries(tax)),
		topic.NewFactory(enrichtest.TopicDefinitions(tax)),
		sentiment.NewFactory(), emotion.NewFactory(), intent.NewFactory(),
	} {
		e, err := f.New(f.DefaultConfig(), enrich.Settings{})
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func defaultChain(tb testing.TB) *enrich.Chain {
	tb.Helper()
	c, err := enrich.NewChain(enrich.Settings{}, defaultEnrichers(tb)...)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func preparer(tb testing.TB) *ingest.Preparer {
	tb.Helper()
	p, err := ingest.NewPreparer(ingest.PreparerConfig{
		PseudonymKey: []byte("0123456789abcdef0123"), PseudonymKeyID: "k1",
		MaxTextBytes: 20000, Languages: []string{"en"},
		Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func generated(tb testing.TB, n int) []byte {
	tb.Helper()
	var topics []generate.Topic
	for _, tp := range enrichtest.Taxonomy(tb).Topics {
		topics = append(topics, generate.Topic{ID: tp.ID, Name: tp.Name, Kind: tp.Kind, Aliases: tp.Aliases, Features: tp.Features})
	}
	g, err := generate.New(generate.Config{Posts: n, Days: 30, Seed: 1, Topics: topics,
		Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := g.WriteTo(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkOffline measures `undertone enrich` end to end (decode,
// anonymize, default chain, encode, all cores) over generated posts.
func BenchmarkOffline(b *testing.B) {
	chain, prep := defaultChain(b), preparer(b)
	const n = 20000
	in := generated(b, n)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		st, err := offline.Run(context.Background(), offline.Config{}, prep, chain, bytes.NewReader(in), io.Discard, io.Discard)
		if err != nil || st.Posts == 0 {
			b.Fatal(err, st)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}

// BenchmarkPrepare is the anonymization share of the offline path.
func BenchmarkPrepare(b *testing.B) {
	prep := preparer(b)
	lines := bytes.Split(bytes.TrimSpace(generated(b, 4096)), []byte("\n"))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_, _ = prep.Prepare(lines[i%len(lines)])
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}

// BenchmarkEnrichers measures the default chain and each enricher alone on
// one goroutine, per batch size, on anonymized generated posts.
func BenchmarkEnrichers(b *testing.B) {
	prep := preparer(b)
	var clean []post.Clean
	for _, line := range bytes.Split(bytes.TrimSpace(generated(b, 4096)), []byte("\n")) {
		if c, err := prep.Prepare(line); err == nil {
			clean = append(clean, c)
		}
	}
	targets := map[string]interface {
		Enrich(context.Context, []post.Enriched) error
	}{"chain": defaultChain(b)}
	for _, e := range defaultEnrichers(b) {
		targets[e.Name()] = e
	}
	for _, name := range []string{"chain", "entity", "topic", "sentiment", "emotion", "intent"} {
		e := targets[name]
		for _, size := range []int{1, 100, 1000} {
			b.Run(fmt.Sprintf("%s/batch=%d", name, size), func(b *testing.B) {
				batch := make([]post.Enriched, size)
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					for k := range batch {
						batch[k] = post.NewEnriched(clean[(i+k)%len(clean)])
					}
					i += size
					if err := e.Enrich(context.Background(), batch); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(size)*float64(b.N)/b.Elapsed().Seconds(), "posts/s")
			})
		}
	}
}
