package query

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/undertone/undertone/internal/auth"
)

// This file serves the dashboards' source and language mix. It is mounted
// with ServerOptions.Mounts (see BreakdownRoute) rather than listed in
// NewServer, so it is not (yet) in the OpenAPI document.

// BreakdownRequest asks for one topic's posts split by source or language.
type BreakdownRequest struct {
	Filter Filter // exactly one topic, at most one theme
	By     string // source or lang
}

// ParseBreakdown validates the parameters of GET /api/v1/breakdown.
func ParseBreakdown(v url.Values, now time.Time) (BreakdownRequest, error) {
	p, err := newParams(v, now, "by")
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
	return BreakdownRequest{Filter: f, By: by}, nil
}

// BreakdownRow is one source (or language) of the topic.
type BreakdownRow struct {
	Key string `json:"key"`
	Stats
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

// Breakdown returns the topic's posts, distinct authors and average
// sentiment per source or language; keys with fewer than MinAuthors
// distinct authors are suppressed.
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
	gs, err := q.groups(ctx, []string{key}, f, f.From, f.To, []string{theme})
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
		row := BreakdownRow{Key: g.keys[0], Stats: statsOf(g)}
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

// BreakdownRoute is the GET /api/v1/breakdown route (scope read) for
// ServerOptions.Mounts. now is the clock for default periods (nil:
// time.Now). Errors use the API's error body: 400 naming the parameter,
// 503 when ClickHouse is down or too slow.
func BreakdownRoute(q *Querier, now func() time.Time) Route {
	if now == nil {
		now = time.Now
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := ParseBreakdown(r.URL.Query(), now())
		if err != nil {
			var pe *ParamError
			if errors.As(err, &pe) {
				writeError(w, http.StatusBadRequest, "invalid_parameter", pe.Error(), pe)
				return
			}
			writeError(w, http.StatusBadRequest, "invalid_parameter", err.Error(), nil)
			return
		}
		res, err := q.Breakdown(r.Context(), req)
		switch {
		case err == nil:
		case errors.Is(err, context.Canceled):
			return // the client went away
		case errors.Is(err, ErrUnavailable), errors.Is(err, ErrTimeout):
			w.Header().Set("Retry-After", "5")
			writeError(w, http.StatusServiceUnavailable, "unavailable", "clickhouse is unavailable or the query timed out", nil)
			return
		default:
			writeError(w, http.StatusInternalServerError, "internal", "internal error", nil)
			return
		}
		writeJSON(w, http.StatusOK, res)
	})
	return Route{Method: http.MethodGet, Path: "/api/v1/breakdown", Scope: auth.ScopeRead, Handler: h}
}
