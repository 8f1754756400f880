package generate_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/ingest/generate"
	"github.com/undertone/undertone/post"
)

var testTopics = []generate.Topic{
	{ID: "acme", Name: "Acme", Kind: "brand", Aliases: []string{"ACME"}},
	{ID: "acme-phone", Name: "Acme Phone", Kind: "product", Aliases: []string{"AcmePhone", "Acme P12"}, Features: []string{"battery", "screen", "camera", "price"}},
	{ID: "beta-mobile", Name: "Beta Mobile", Kind: "competitor", Aliases: []string{"BetaMobile"}, Features: []string{"battery", "camera", "network"}},
	{ID: "zenith-coffee", Name: "Zenith Coffee", Kind: "brand", Features: []string{"taste", "price", "service"}},
}

var start = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func gen(tb testing.TB, cfg generate.Config) []byte {
	tb.Helper()
	if cfg.Topics == nil {
		cfg.Topics = testTopics
	}
	if cfg.Start.IsZero() {
		cfg.Start = start
	}
	g, err := generate.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := g.WriteTo(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestDeterministic(t *testing.T) {
	a := gen(t, generate.Config{Posts: 2000, Days: 10, Seed: 7})
	b := gen(t, generate.Config{Posts: 2000, Days: 10, Seed: 7})
	c := gen(t, generate.Config{Posts: 2000, Days: 10, Seed: 8})
	if !bytes.Equal(a, b) {
		t.Fatal("same seed must give the same bytes")
	}
	if bytes.Equal(a, c) {
		t.Fatal("different seeds must differ")
	}
}

func TestRealisticMix(t *testing.T) {
	const n, days = 20000, 30
	out := gen(t, generate.Config{Posts: n, Days: days, Seed: 1})
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	var (
		count      int
		sources    = map[string]int{}
		authors    = map[string]bool{}
		nonEnglish int
		pii        int
		perDay     = make([]int, days)
		eventByDay = make([]int, days)
		ids        = map[string]bool{}
		last       time.Time
	)
	for sc.Scan() {
		var p post.Post
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("line %d: %v: %s", count+1, err, sc.Bytes())
		}
		count++
		if p.ID == "" || p.Source == "" || p.Text == "" || p.CreatedAt.IsZero() {
			t.Fatalf("line %d: missing field: %s", count, sc.Bytes())
		}
		key := p.Source + "/" + p.ID
		if ids[key] {
			t.Fatalf("duplicate id %s", key)
		}
		ids[key] = true
		if p.CreatedAt.Before(last) {
			t.Fatalf("line %d: out of time order", count)
		}
		last = p.CreatedAt
		sources[p.Source]++
		authors[p.Author] = true
		if p.Lang != "" && p.Lang != "en" {
			nonEnglish++
		}
		if strings.Contains(p.Text, "@") || strings.Contains(p.Text, "+44") || strings.Contains(p.Text, "555") {
			pii++
		}
		d := int(p.CreatedAt.Sub(start) / (24 * time.Hour))
		if d < 0 || d >= days {
			t.Fatalf("line %d: %s outside the range", count, p.CreatedAt)
		}
		perDay[d]++
		low := strings.ToLower(p.Text)
		if strings.Contains(low, "swell") || strings.Contains(low, "swollen") || strings.Contains(low, "overheat") || strings.Contains(low, "bulging") {
			eventByDay[d]++
		}
	}
	if count != n {
		t.Fatalf("got %d posts, want %d", count, n)
	}
	if len(sources) != 4 {
		t.Fatalf("sources = %v", sources)
	}
	if a := len(authors); a < 500 || a > n/2 {
		t.Fatalf("distinct authors = %d, want a Zipf pool (500..%d)", a, n/2)
	}
	if share := float64(nonEnglish) / n; share < 0.03 || share > 0.08 {
		t.Fatalf("non-English share %.3f", share)
	}
	if pii < n/100 {
		t.Fatalf("only %d posts carry PII", pii)
	}
	// The event: nothing before the last five days, growing inside them.
	for d := 0; d < days-5; d++ {
		if eventByDay[d] > 0 {
			t.Fatalf("event posts on day %d before the event", d)
		}
	}
	if !(eventByDay[days-1] > eventByDay[days-3] && eventByDay[days-3] > eventByDay[days-5] && eventByDay[days-5] > 0) {
		t.Fatalf("event does not grow: %v", eventByDay[days-5:])
	}
	// Weekly seasonality: Saturdays busier than Tuesdays on average.
	var sat, tue, ns, nt int
	for d := range days - 5 {
		switch start.AddDate(0, 0, d).Weekday() {
		case time.Saturday:
			sat += perDay[d]
			ns++
		case time.Tuesday:
			tue += perDay[d]
			nt++
		}
	}
	if sat/ns <= tue/nt {
		t.Fatalf("no weekly seasonality: sat %d tue %d", sat/ns, tue/nt)
	}
}

func TestInvalidRate(t *testing.T) {
	out := gen(t, generate.Config{Posts: 4000, Days: 5, Seed: 3, InvalidRate: 0.05})
	bad := 0
	for line := range bytes.SplitSeq(bytes.TrimSpace(out), []byte("\n")) {
		var p post.Post
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if dec.Decode(&p) != nil || p.ID == "" || p.Text == "" || p.CreatedAt.IsZero() || p.SchemaVersion > 1 {
			bad++
		}
	}
	if bad < 100 || bad > 320 {
		t.Fatalf("%d invalid records, want about 200", bad)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []generate.Config{
		{Posts: 1, Days: 0, Topics: testTopics},
		{Posts: 1, Days: 1},
		{Posts: 1, Days: 1, Topics: testTopics, InvalidRate: 2},
		{Posts: 1, Days: 1, Topics: testTopics, EventTopic: "nope"},
	} {
		if _, err := generate.New(cfg); err == nil {
			t.Errorf("New(%+v) = nil error", cfg)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	g, err := generate.New(generate.Config{Posts: 100000, Days: 30, Seed: 1, Start: start, Topics: testTopics})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(100000*b.N)/b.Elapsed().Seconds(), "posts/s")
}
