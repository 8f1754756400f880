//go:build integration

package query_test

import (
	"net/url"
	"slices"
	"testing"

	"github.com/undertone/undertone/internal/testenv"
	"github.com/undertone/undertone/query"
	"github.com/undertone/undertone/query/querytest"
	"github.com/undertone/undertone/store"
)

// TestBreakdownMatchesRows checks GET /api/v1/breakdown's numbers against
// counts computed in Go from the generated rows, and k-anonymity.
func TestBreakdownMatchesRows(t *testing.T) {
	addr := testenv.ClickHouse(t)
	db := testenv.Database(t, addr)
	conn := testenv.Conn(t, addr, db)
	ctx := t.Context()
	if _, err := store.NewMigrator(conn, store.Schema{Database: db}, nil).Up(ctx); err != nil {
		t.Fatal(err)
	}
	rows := querytest.Generate(6000, 11)
	if err := querytest.Insert(ctx, conn, db, rows); err != nil {
		t.Fatal(err)
	}
	q, err := query.New(conn, query.Options{Database: db, MinAuthors: 5})
	if err != nil {
		t.Fatal(err)
	}
	now := querytest.Now
	type agg struct {
		posts   uint64
		authors map[string]bool
	}
	for _, c := range []struct{ topic, by, theme string }{
		{querytest.Acme, "source", ""},
		{querytest.Acme, "lang", "fears"},
		{querytest.Beta, "lang", ""},
		{querytest.Beta, "source", "confusion"}, // 3 authors: suppressed
		{querytest.Tiny, "source", ""},          // 3 authors: suppressed
	} {
		t.Run(c.topic+"/"+c.by+"/"+c.theme, func(t *testing.T) {
			v := url.Values{"topic": {c.topic}, "by": {c.by}, "period": {"60d"}, "authors": {"true"}}
			if c.theme != "" {
				v.Set("theme", c.theme)
			}
			req, err := query.ParseBreakdown(v, now)
			if err != nil {
				t.Fatal(err)
			}
			res, err := q.Breakdown(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]*agg{}
			for _, r := range rows {
				if r.CreatedAt.Before(req.Filter.From) || !r.CreatedAt.Before(req.Filter.To) {
					continue
				}
				for _, h := range r.Topics {
					if h.Topic != c.topic || (c.theme != "" && !slices.Contains(h.Themes, c.theme)) {
						continue
					}
					k := r.Source
					if c.by == "lang" {
						k = r.Lang
					}
					if want[k] == nil {
						want[k] = &agg{authors: map[string]bool{}}
					}
					want[k].posts++
					want[k].authors[r.Author] = true
				}
			}
			if len(want) == 0 {
				t.Fatal("no generated posts match: the case tests nothing")
			}
			got := map[string]query.BreakdownRow{}
			for _, r := range res.Rows {
				got[r.Key] = r
			}
			suppressed := 0
			for k, w := range want {
				if len(w.authors) < 5 {
					suppressed++
					if _, ok := got[k]; ok {
						t.Errorf("%s: %d authors, not suppressed", k, len(w.authors))
					}
					continue
				}
				if g := got[k]; g.Posts != w.posts || g.Authors != uint64(len(w.authors)) {
					t.Errorf("%s: got %d posts / %d authors, want %d / %d", k, g.Posts, g.Authors, w.posts, len(w.authors))
				}
			}
			if res.Suppressed != suppressed || len(got)+suppressed != len(want) {
				t.Errorf("suppressed %d (want %d), rows %d, keys %d", res.Suppressed, suppressed, len(got), len(want))
			}
			// Without authors=true: the same rows and suppression (the k
			// check counts authors up to 16), no author counts.
			v.Del("authors")
			req, err = query.ParseBreakdown(v, now)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := q.Breakdown(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			for i := range res.Rows {
				res.Rows[i].Authors = 0
			}
			if plain.Suppressed != res.Suppressed || !slices.Equal(plain.Rows, res.Rows) {
				t.Errorf("without authors: %+v, want %+v without authors", plain, res)
			}
		})
	}
}
