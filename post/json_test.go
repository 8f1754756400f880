package post_test

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/post"
)

func stdJSON(t testing.TB, e *post.Enriched) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// TestAppendJSONMatchesEncodingJSON checks AppendJSON byte for byte against
// encoding/json over hand-picked edge cases and random posts.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	base := post.NewEnriched(post.Clean{
		ID: "1", PostID: "abc", Source: "s", Lang: "en", Text: "hi",
		CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC),
	})
	cases := map[string]func(e *post.Enriched){
		"new":        func(*post.Enriched) {},
		"zero value": func(e *post.Enriched) { *e = post.Enriched{} },
		"escapes": func(e *post.Enriched) {
			e.Text = "q\"b\\s/ <a>&\n\r\t\b\f\x01\x1f \u2028\u2029 é 😀 \xff\xfe bad"
		},
		"ingested and key": func(e *post.Enriched) {
			e.IngestedAt = time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
			e.AuthorKeyID = "k1"
			e.AuthorPseudonym = "p"
		},
		"floats": func(e *post.Enriched) {
			e.Sentiment = post.Sentiment{Score: -0.000000123, Label: "negative"}
			e.Emotions = map[string]float64{"fear": 1e21, "joy": 0.1, "neutral": 0, "anger": 1e-7, "love": 123456789.125, "grief": -0, "remorse": math.Copysign(0, -1)}
			e.Ekman = map[string]float64{"fear": 0.5}
		},
		"full maps and a near miss": func(e *post.Enriched) {
			e.Emotions = map[string]float64{}
			for i, l := range post.Emotions {
				e.Emotions[l] = float64(i) / 7
			}
			e.Ekman = map[string]float64{}
			for i, l := range post.Ekman {
				e.Ekman[l] = float64(i) / 10
			}
			delete(e.Ekman, post.Ekman[len(post.Ekman)-1]) // same size, one unknown key: the sorted path
			e.Ekman["zzz"] = 1
		},
		"collections": func(e *post.Enriched) {
			e.Entities = []post.Entity{{Text: "Acme", Canonical: "Acme", Type: "BRAND", Start: 1, End: 5}, {Text: "x"}}
			e.Topics = []post.TopicHit{{ID: "a", Sentiment: 0.7, Themes: []string{"joys"}, Spans: []post.Span{{Start: 1, End: 2}}}, {ID: "b"}}
			e.Intents = []string{"churn", "question"}
			e.EmotionLabels = []string{"fear"}
			e.Themes = nil
			e.Enrichers = map[string]string{"topic": "1", "entity": "1+ner", "a\"": "x"}
			e.Failures = []post.Failure{{Enricher: "x", Reason: "boom"}}
		},
	}
	for name, mod := range cases {
		t.Run(name, func(t *testing.T) {
			e := base
			e.Emotions = map[string]float64{}
			mod(&e)
			if got, want := string(e.AppendJSON(nil)), stdJSON(t, &e); got != want {
				t.Errorf("AppendJSON\n got %s\nwant %s", got, want)
			}
		})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("abc XYZ\"\\\n\t<>&é😀\u2028\x00\x7f")
	str := func() string {
		var sb strings.Builder
		for range rng.IntN(12) {
			sb.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		return sb.String()
	}
	for i := range 5000 {
		e := base
		e.Text = str()
		e.ID = str()
		e.Sentiment.Score = rng.NormFloat64()
		e.Emotions = map[string]float64{}
		for _, l := range post.Emotions {
			e.Emotions[l] = float64(rng.IntN(10000)) / 10000
		}
		e.Ekman = map[string]float64{"fear": rng.Float64() * 1e-8, "joy": rng.Float64() * 1e22,
			"anger": float64(rng.IntN(2e9)-1e9) / 1e4, "sadness": math.Round(rng.NormFloat64()*1e7) / 1e4,
			"neutral": float64(rng.IntN(1000)) / 1000, "surprise": math.Round(rng.Float64()*1e3) / 1e3}
		e.Topics = []post.TopicHit{{ID: str(), Sentiment: rng.Float64()*2 - 1, Themes: []string{str()}}}
		e.CreatedAt = time.Unix(rng.Int64N(1<<34), rng.Int64N(1e9)).UTC()
		if got, want := string(e.AppendJSON(nil)), stdJSON(t, &e); got != want {
			t.Fatalf("random post %d: AppendJSON\n got %s\nwant %s", i, got, want)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	e := post.NewEnriched(post.Clean{ID: "1", PostID: "abc", Source: "s", Lang: "en",
		Text: "I love my Acme Phone but I'm scared of Beta's battery", CreatedAt: time.Now()})
	for _, l := range post.Emotions {
		e.Emotions[l] = 0.0123
	}
	for _, l := range post.Ekman {
		e.Ekman[l] = 0.25
	}
	e.Enrichers = map[string]string{"entity": "1", "topic": "1", "sentiment": "1", "emotion": "1", "intent": "1"}
	b.Run("AppendJSON", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf = e.AppendJSON(buf[:0])
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		for b.Loop() {
			buf.Reset()
			_ = enc.Encode(&e)
		}
	})
}
