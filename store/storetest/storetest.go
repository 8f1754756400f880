// Package storetest generates synthetic enriched posts for the store's
// tests and benchmarks, and recomputes in Go the figures the ClickHouse
// aggregates must hold.
package storetest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/undertone/undertone/post"
)

// Base is the first day generated posts are created on.
var Base = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

var (
	sources  = []string{"reddit", "trustpilot", "forum", "confessions"}
	langs    = []string{"en", "en", "en", "de"}
	topicIDs = []string{"acme-phone", "beta-battery", "gamma-bank", "delta-air", "zeta-shoes"}
	entities = []post.Entity{
		{Text: "Acme Phone", Canonical: "Acme Phone", Type: "PRODUCT"},
		{Text: "acme", Canonical: "Acme", Type: "ORG"},
		{Text: "Beta", Canonical: "Beta", Type: "ORG"},
		{Text: "Gamma Bank", Canonical: "Gamma Bank", Type: "ORG"},
		{Text: "Berlin", Canonical: "", Type: "GPE"},
	}
)

// Posts returns n deterministic enriched posts from seed, created over days
// days from Base, with Kafka coordinates partition = i % partitions and
// increasing offsets per partition. About one author per 7 posts.
func Posts(n, days, partitions int, seed uint64) []post.Enriched {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]post.Enriched, n)
	offsets := make([]int64, partitions)
	for i := range out {
		c := post.Clean{
			PostID:          fmt.Sprintf("%016x%08x", seed, i),
			ID:              fmt.Sprintf("src-%d", i),
			Source:          sources[r.IntN(len(sources))],
			CreatedAt:       Base.Add(time.Duration(r.Int64N(int64(days) * int64(24*time.Hour)))).Truncate(time.Second),
			IngestedAt:      Base.Add(time.Duration(days) * 24 * time.Hour),
			Lang:            langs[r.IntN(len(langs))],
			AuthorPseudonym: fmt.Sprintf("a%05d", r.IntN(max(1, n/7))),
			AuthorKeyID:     "k1",
			Text:            fmt.Sprintf("synthetic post %d about things", i),
		}
		p := post.NewEnriched(c)
		p.Sentiment.Score = math.Round((r.Float64()*2-1)*1e4) / 1e4
		switch {
		case p.Sentiment.Score < -0.05:
			p.Sentiment.Label = post.LabelNegative
		case p.Sentiment.Score > 0.05:
			p.Sentiment.Label = post.LabelPositive
		}
		for _, e := range post.Emotions {
			p.Emotions[e] = r.Float64() / 4
		}
		for _, e := range post.Ekman {
			p.Ekman[e] = r.Float64() / 2
		}
		p.EmotionLabels = append(p.EmotionLabels, post.Emotions[r.IntN(len(post.Emotions))])
		for range r.IntN(3) {
			p.Themes = append(p.Themes, post.Themes[r.IntN(len(post.Themes))])
		}
		for range r.IntN(3) {
			e := entities[r.IntN(len(entities))]
			e.Start, e.End = 0, len(e.Text)
			p.Entities = append(p.Entities, e)
		}
		for range r.IntN(3) {
			t := post.TopicHit{ID: topicIDs[r.IntN(len(topicIDs))], Sentiment: r.Float64()*2 - 1}
			for range r.IntN(3) {
				t.Themes = append(t.Themes, post.Themes[r.IntN(len(post.Themes))])
			}
			p.Topics = append(p.Topics, t)
		}
		if r.IntN(5) == 0 {
			p.Intents = append(p.Intents, post.Intents[r.IntN(len(post.Intents))])
		}
		p.Enrichers["sentiment"] = "2"
		p.Enrichers["emotion"] = "3"
		p.Partition = i % partitions
		p.Offset = offsets[p.Partition]
		offsets[p.Partition]++
		out[i] = p
	}
	return out
}

// Key identifies one row of an aggregate.
type Key struct {
	Day        string
	Topic      string
	Theme      string
	Source     string
	Lang       string
	Entity     string
	EntityType string
}

// Figures are one aggregate row's values.
type Figures struct {
	Posts   uint64
	Authors uint64
	SentSum float64
	Buckets [5]uint64
}

// Expected holds the aggregates recomputed in Go from the posts.
type Expected struct {
	Posts           int
	TopicThemeDaily map[Key]Figures
	TopicDaily      map[Key]Figures
	EntityDaily     map[Key]Figures
}

// Quantize mirrors the store's score quantization (multiples of 2^-16).
func Quantize(x float64) float64 {
	x = max(-1, min(1, x))
	return float64(float32(math.Round(x*65536) / 65536))
}

// Bucket returns the sentiment bucket index (0..4) of the schema.
func Bucket(s float64) int {
	f := float32(s)
	switch {
	case f < -0.6:
		return 0
	case f < -0.2:
		return 1
	case f <= 0.2:
		return 2
	case f <= 0.6:
		return 3
	}
	return 4
}

// Expect recomputes the aggregates of the distinct posts (first occurrence
// of each post_id wins).
func Expect(posts []post.Enriched) Expected {
	ex := Expected{TopicThemeDaily: map[Key]Figures{}, TopicDaily: map[Key]Figures{}, EntityDaily: map[Key]Figures{}}
	authors := map[Key]map[string]bool{}
	type tkey struct {
		k   Key
		tbl int
	}
	auth := map[tkey]map[string]bool{}
	add := func(m map[Key]Figures, tbl int, k Key, s float64, author string) {
		f := m[k]
		f.Posts++
		f.SentSum += s
		f.Buckets[Bucket(s)]++
		tk := tkey{k, tbl}
		if auth[tk] == nil {
			auth[tk] = map[string]bool{}
		}
		auth[tk][author] = true
		f.Authors = uint64(len(auth[tk]))
		m[k] = f
	}
	_ = authors
	seen := map[string]bool{}
	for i := range posts {
		p := &posts[i]
		if seen[p.PostID] {
			continue
		}
		seen[p.PostID] = true
		ex.Posts++
		day := p.CreatedAt.UTC().Format(time.DateOnly)
		ps := Quantize(p.Sentiment.Score)
		type tt struct {
			topic string
			s     float64
			th    []string
		}
		groups := []tt{{"", ps, p.Themes}}
		seenT := map[string]bool{"": true}
		for _, t := range p.Topics {
			if seenT[t.ID] {
				continue
			}
			seenT[t.ID] = true
			groups = append(groups, tt{t.ID, Quantize(t.Sentiment), t.Themes})
		}
		for _, g := range groups {
			themes := []string{""}
			seenTh := map[string]bool{"": true}
			for _, th := range g.th {
				if !seenTh[th] {
					seenTh[th] = true
					themes = append(themes, th)
				}
			}
			for _, th := range themes {
				add(ex.TopicThemeDaily, 0, Key{Day: day, Topic: g.topic, Theme: th, Source: p.Source, Lang: p.Lang}, g.s, p.AuthorPseudonym)
			}
			add(ex.TopicDaily, 1, Key{Day: day, Topic: g.topic}, g.s, p.AuthorPseudonym)
			seenE := map[[2]string]bool{}
			for _, e := range p.Entities {
				name := e.Canonical
				if name == "" {
					name = e.Text
				}
				if name == "" || seenE[[2]string{name, e.Type}] {
					continue
				}
				seenE[[2]string{name, e.Type}] = true
				add(ex.EntityDaily, 2, Key{Day: day, Topic: g.topic, Entity: name, EntityType: e.Type}, g.s, p.AuthorPseudonym)
			}
		}
	}
	return ex
}
