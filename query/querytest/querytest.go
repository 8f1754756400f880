// Package querytest generates deterministic enriched-post rows for the
// query package's integration tests and benchmark, and inserts them into the
// store's posts table (the materialized views fill mentions and the
// aggregates).
package querytest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Row is one post as the store's posts table holds it (the columns the
// queries read).
type Row struct {
	PostID    string
	Source    string
	CreatedAt time.Time
	Lang      string
	Author    string
	Text      string
	Sentiment float32
	Themes    []string
	Topics    []Hit
	Entities  []string // canonical names; all entities of the post
}

// Hit is one topic of a post with its sentiment and themes.
type Hit struct {
	Topic     string
	Sentiment float32
	Themes    []string
}

// Quantize rounds a score to a multiple of 2^-16, as the store does, so
// sums are exact whatever the order of addition.
func Quantize(x float64) float32 {
	return float32(math.Round(x*65536) / 65536)
}

// Insert writes rows into db.posts in one batch, filling the grain arrays
// (m_*, e_*) the way the store's writer does: a ("", "") row per post, a
// ("", theme) row per post theme, a (topic, "") row per topic hit and a
// (topic, theme) row per topic theme; entities once for "" and once per
// topic hit.
func Insert(ctx context.Context, conn driver.Conn, db string, rows []Row) error {
	b, err := conn.PrepareBatch(ctx, "INSERT INTO "+db+".posts (post_id, id, source, created_at, ingested_at, lang, author_pseudonym, author_key_id, text, sentiment, sentiment_label,"+
		" themes, entity_text, entity_canonical, entity_type, topic_ids, topic_sentiments, topic_themes,"+
		" m_topic, m_theme, m_sentiment, e_topic, e_entity, e_type, e_sentiment, src_topic, src_partition, src_offset)")
	if err != nil {
		return fmt.Errorf("querytest: prepare: %w", err)
	}
	for i, r := range rows {
		label := "neutral"
		if r.Sentiment < -0.2 {
			label = "negative"
		} else if r.Sentiment > 0.2 {
			label = "positive"
		}
		var ids []string
		var sents []float32
		var themes [][]string
		mt, mh, ms := []string{""}, []string{""}, []float32{r.Sentiment}
		for _, th := range r.Themes {
			mt, mh, ms = append(mt, ""), append(mh, th), append(ms, r.Sentiment)
		}
		et, ee, ey, es := []string{}, []string{}, []string{}, []float32{}
		for _, e := range r.Entities {
			et, ee, ey, es = append(et, ""), append(ee, e), append(ey, "PRODUCT"), append(es, r.Sentiment)
		}
		for _, h := range r.Topics {
			ids, sents, themes = append(ids, h.Topic), append(sents, h.Sentiment), append(themes, h.Themes)
			mt, mh, ms = append(mt, h.Topic), append(mh, ""), append(ms, h.Sentiment)
			for _, th := range h.Themes {
				mt, mh, ms = append(mt, h.Topic), append(mh, th), append(ms, h.Sentiment)
			}
			for _, e := range r.Entities {
				et, ee, ey, es = append(et, h.Topic), append(ee, e), append(ey, "PRODUCT"), append(es, h.Sentiment)
			}
		}
		if err := b.Append(r.PostID, r.PostID, r.Source, r.CreatedAt, r.CreatedAt, r.Lang, r.Author, "k1", r.Text, r.Sentiment, label,
			r.Themes, r.Entities, r.Entities, slices.Repeat([]string{"PRODUCT"}, len(r.Entities)), ids, sents, themes,
			mt, mh, ms, et, ee, ey, es, "posts.clean", int32(0), int64(i)); err != nil {
			return fmt.Errorf("querytest: append: %w", err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("querytest: send: %w", err)
	}
	return nil
}

// Now is the clock of the generated data set: the last day is 2026-03-31.
var Now = time.Date(2026, 3, 31, 18, 0, 0, 0, time.UTC)

// Topic ids of the generated data set.
const (
	Acme = "acme-phone"
	Beta = "beta-mobile"
	// Tiny has only 3 distinct authors: k-anonymity must hide it everywhere.
	Tiny = "tiny-brand"
)

var (
	sources  = []string{"reddit", "forum", "appstore"}
	langs    = []string{"en", "en", "de"}
	entities = []string{"Battery", "Screen", "Camera", "Support", "Price"}
	phrases  = map[string][]string{
		"fears":           {"worried the battery will swell", "scared the update bricks my phone", "afraid the screen cracks again"},
		"joys":            {"love the camera so much", "really happy with the screen", "delighted by the price"},
		"frustrations":    {"support keeps ignoring me", "annoyed that charging stalls", "the update broke everything"},
		"disappointments": {"sadly the camera is worse", "regret buying this phone"},
		"desires":         {"wish it had a headphone jack", "hope they add dual sim"},
		"confusion":       {"confused about the warranty terms"},
	}
)

// Generate returns n posts over 60 days ending at Now. acme-phone has 40
// authors and its "fears" grow strongly in the last 30 days; beta-mobile has
// 30 authors, and its "confusion" posts come from 3 authors only; tiny-brand
// has 3 authors. Some texts repeat with different case and punctuation
// (near-duplicates).
func Generate(n int, seed uint64) []Row {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	start := Now.Truncate(24*time.Hour).AddDate(0, 0, -59)
	rows := make([]Row, 0, n)
	for i := range n {
		created := start.Add(time.Duration(rng.Int64N(int64(60*24*time.Hour) - int64(time.Minute))))
		recent := created.After(Now.AddDate(0, 0, -30))
		r := Row{
			PostID:    fmt.Sprintf("p%07d", i),
			Source:    sources[rng.IntN(len(sources))],
			Lang:      langs[rng.IntN(len(langs))],
			CreatedAt: created,
		}
		var topic string
		var author string
		switch x := rng.IntN(100); {
		case x < 55:
			topic, author = Acme, fmt.Sprintf("a%02d", rng.IntN(40))
		case x < 95:
			topic, author = Beta, fmt.Sprintf("b%02d", rng.IntN(30))
		default:
			topic, author = Tiny, fmt.Sprintf("t%d", rng.IntN(3))
		}
		r.Author = author
		h := Hit{Topic: topic}
		// Themes.
		pFears := 0.15
		if topic == Acme && recent {
			pFears = 0.45
		}
		if rng.Float64() < pFears {
			h.Themes = append(h.Themes, "fears")
		}
		for _, th := range []string{"joys", "frustrations", "disappointments", "desires"} {
			if rng.Float64() < 0.18 {
				h.Themes = append(h.Themes, th)
			}
		}
		if topic == Beta && rng.Float64() < 0.1 {
			h.Themes = append(h.Themes, "confusion")
			r.Author = fmt.Sprintf("c%d", rng.IntN(3))
		}
		base := rng.Float64()*1.6 - 0.8
		if slices.Contains(h.Themes, "fears") || slices.Contains(h.Themes, "frustrations") {
			base -= 0.3
		}
		if slices.Contains(h.Themes, "joys") {
			base += 0.4
		}
		h.Sentiment = Quantize(max(-1, min(1, base)))
		r.Sentiment = h.Sentiment
		r.Topics = []Hit{h}
		// A third of acme posts also mention beta, with the opposite mood.
		if topic == Acme && rng.IntN(3) == 0 {
			r.Topics = append(r.Topics, Hit{Topic: Beta, Sentiment: Quantize(-float64(h.Sentiment) / 2)})
		}
		r.Themes = slices.Clone(h.Themes)
		// Entities: fears posts mention the battery far more often.
		for _, e := range entities {
			p := 0.15
			if e == "Battery" && slices.Contains(h.Themes, "fears") {
				p = 0.8
			}
			if rng.Float64() < p {
				r.Entities = append(r.Entities, e)
			}
		}
		// Text.
		text := "just got the phone"
		for _, th := range h.Themes {
			ps := phrases[th]
			text += ", " + ps[rng.IntN(len(ps))]
		}
		if rng.IntN(4) == 0 {
			text = "Just GOT the phone!!! " + text[len("just got the phone"):] + "..."
		}
		if slices.Contains(r.Entities, "Battery") {
			text += " and the battery drains"
		}
		r.Text = text
		rows = append(rows, r)
	}
	return rows
}
