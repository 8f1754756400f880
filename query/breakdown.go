package query

import (
	"context"
	"net/url"
	"sort"
	"strings"
	"time"
)

// This file answers GET /api/v1/breakdown, the dashboards' source and
// language mix of a topic.

// BreakdownRequest asks for one topic's posts split by source or language.
type BreakdownRequest struct {
	Filter Filter // exactly one topic, at most one theme
	By     string // source or lang
	// Authors adds each key's distinct authors (uniqHLL12). Without it the
	// k-anonymity check counts authors only up to 16 (the dashboards'
	// mix shows posts and shares only).
	Authors bool
}

// ParseBreakdown validates the parameters of GET /api/v1/breakdown.
func ParseBreakdown(v url.Values, now time.Time) (BreakdownRequest, error) {
	p, err := newParams(v, now, "by", "authors")
	if err != nil {
		return BreakdownRequest{}, err
	}
	f, err := p.filter(true)
	if err != nil {
		return BreakdownRequest{}, err
	}
	if len(f.Themes) > 1 {
		return BreakdownRequest{}, bad("theme", strings.Join(f.Themes, ","), "at most one theme")
	}
	by, err := p.enum("by", []string{"source", "lang"}, "")
	if err != nil {
		return BreakdownRequest{}, err
	}
	if by == "" {
		return BreakdownRequest{}, bad("by", "", "required: source or lang")
	}
	au, err := p.flag("authors")
	if err != nil {
		return BreakdownRequest{}, err
	}
	return BreakdownRequest{Filter: f, By: by, Authors: au}, nil
}

// BreakdownRow is one source (or language) of the topic.
type BreakdownRow struct {
	Key   string `json:"key"`
	Posts uint64 `json:"posts"`
	// Authors is set only when the request asks for it
	// (BreakdownRequest.Authors).
	Authors      uint64  `json:"authors,omitempty"`
	AvgSentiment float64 `json:"avg_sentiment"`
	// Share is the key's posts over the topic's posts (same filters).
	Share float64 `json:"share"`
}

// BreakdownResult is a topic's split by source or language, largest first.
type BreakdownResult struct {
	Topic      string         `json:"topic"`
	Theme      string         `json:"theme,omitempty"`
	By         string         `json:"by"`
	Period     Period         `json:"period"`
	Rows       []BreakdownRow `json:"rows"`
	Suppressed int            `json:"suppressed"`
	MinAuthors int            `json:"min_authors"`
}

// Breakdown returns the topic's posts, average sentiment and, on request,
// distinct authors per source or language; keys with fewer than
// MinAuthors distinct authors are suppressed.
func (q *Querier) Breakdown(ctx context.Context, r BreakdownRequest) (BreakdownResult, error) {
	f := r.Filter
	res := BreakdownResult{Topic: f.Topics[0], By: r.By, Period: periodOf(f), Rows: []BreakdownRow{}, MinAuthors: q.opts.MinAuthors}
	theme := ""
	if len(f.Themes) == 1 {
		theme = f.Themes[0]
		res.Theme = theme
	}
	key := keySource
	if r.By == "lang" {
		key = keyLang
	}
	m := kOnly
	if r.Authors {
		m = withAuthors
	}
	gs, err := q.groups(ctx, m, []string{key}, f, f.From, f.To, []string{theme})
	if err != nil {
		return res, err
	}
	var total uint64
	for _, g := range gs {
		total += g.posts
	}
	for _, g := range gs {
		if q.small(g.authors) {
			res.Suppressed++
			continue
		}
		s := statsOf(g)
		row := BreakdownRow{Key: g.keys[0], Posts: s.Posts, AvgSentiment: s.AvgSentiment}
		if r.Authors {
			row.Authors = s.Authors
		}
		if total > 0 {
			row.Share = round(float64(g.posts)/float64(total), 4)
		}
		res.Rows = append(res.Rows, row)
	}
	sort.Slice(res.Rows, func(i, j int) bool {
		if res.Rows[i].Posts != res.Rows[j].Posts {
			return res.Rows[i].Posts > res.Rows[j].Posts
		}
		return res.Rows[i].Key < res.Rows[j].Key
	})
	return res, nil
}

// The grouping columns of the breakdown; both exist in topic_theme_daily
// and mentions.
const (
	keySource = "source"
	keyLang   = "lang"
)
