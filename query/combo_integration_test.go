//go:build integration

package query_test

import (
	"maps"
	"net/url"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/undertone/undertone/query"
	"github.com/undertone/undertone/query/querytest"
)

// TestCombinedFiltersTable: groups with two or three kinds of filters
// (themes; breakdowns by source or lang with a filter of another kind)
// read q_theme_cube (migration 0016) while it holds the period, and the
// mentions fact table when it does not (a database that had posts before
// the migration: truncated here), with the same answers; once backfilled,
// the table again. A marker row added to the table (a theme the posts do
// not have, on a past day) shows which one answered.
func TestCombinedFiltersTable(t *testing.T) {
	ctx := t.Context()
	conn, db := seededDB(t)
	ask := func() query.ThemesResult {
		t.Helper()
		// A new Querier each time: the coverage check is cached.
		q, err := query.New(conn, query.Options{Database: db, MinAuthors: 1, Timeout: 20 * time.Second, Now: func() time.Time { return querytest.Now }})
		if err != nil {
			t.Fatal(err)
		}
		req, err := query.ParseThemes(vals("topic", querytest.Acme, "period", "60d", "source", "reddit,forum", "lang", "en", "sentiment", "negative"), querytest.Now)
		if err != nil {
			t.Fatal(err)
		}
		res, err := q.Themes(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if res.Volume == nil || len(res.Themes) == 0 {
			t.Fatalf("no answer: %+v", res)
		}
		return res
	}
	themes := func(r query.ThemesResult) []string {
		var out []string
		for _, x := range r.Themes {
			out = append(out, x.Theme)
		}
		return out
	}
	table := ask()

	// Every mix of kinds the cube answers, for themes and for the source
	// and lang breakdowns, from the cube now and from mentions below.
	mixes := []url.Values{
		{"source": {"reddit,forum"}, "lang": {"en"}},
		{"source": {"reddit,forum"}, "sentiment": {"negative"}},
		{"lang": {"en"}, "sentiment": {"positive"}},
		{"source": {"reddit"}, "lang": {"en,de"}, "sentiment": {"neutral"}},
	}
	breakdowns := []url.Values{
		{"by": {"source"}, "lang": {"en"}},
		{"by": {"source"}, "sentiment": {"negative"}},
		{"by": {"lang"}, "sentiment": {"negative"}, "theme": {"fears"}},
		{"by": {"lang"}, "source": {"reddit,forum"}, "sentiment": {"positive"}},
	}
	answers := func() []any {
		t.Helper()
		q, err := query.New(conn, query.Options{Database: db, MinAuthors: 1, Timeout: 20 * time.Second, Now: func() time.Time { return querytest.Now }})
		if err != nil {
			t.Fatal(err)
		}
		var out []any
		for _, mix := range mixes {
			v := vals("topic", querytest.Acme, "period", "60d")
			maps.Copy(v, mix)
			req, err := query.ParseThemes(v, querytest.Now)
			if err != nil {
				t.Fatal(err)
			}
			res, err := q.Themes(ctx, req)
			if err != nil || res.Volume == nil || len(res.Themes) == 0 {
				t.Fatalf("themes %v: %+v, %v", mix, res, err)
			}
			out = append(out, res)
		}
		for _, b := range breakdowns {
			v := vals("topic", querytest.Acme, "period", "60d")
			maps.Copy(v, b)
			req, err := query.ParseBreakdown(v, querytest.Now)
			if err != nil {
				t.Fatal(err)
			}
			res, err := q.Breakdown(ctx, req)
			if err != nil || len(res.Rows) < 2 {
				t.Fatalf("breakdown %v: %+v, %v", b, res, err)
			}
			out = append(out, res)
		}
		return out
	}
	cube := answers()

	if err := conn.Exec(ctx, "TRUNCATE TABLE "+db+".q_theme_cube"); err != nil {
		t.Fatal(err)
	}
	facts := ask()
	if *facts.Volume != *table.Volume || !slices.Equal(themes(facts), themes(table)) {
		t.Fatalf("from mentions %+v %v, from q_theme_cube %+v %v", facts.Volume, facts.Themes, table.Volume, table.Themes)
	}
	for i := range facts.Themes {
		if facts.Themes[i] != table.Themes[i] {
			t.Errorf("%s: %+v from mentions, %+v from q_theme_cube", facts.Themes[i].Theme, facts.Themes[i], table.Themes[i])
		}
	}
	for i, a := range answers() {
		if !reflect.DeepEqual(a, cube[i]) {
			t.Errorf("request %d: from mentions %+v, from q_theme_cube %+v", i, a, cube[i])
		}
	}

	filled, err := querytest.Backfill(ctx, conn, db)
	if err != nil || !slices.Equal(filled, []string{"q_theme_cube"}) {
		t.Fatalf("backfill filled %v (%v), want q_theme_cube", filled, err)
	}
	// The marker: 1,000 more posts of one theme that only the tables
	// have, on the last day of the period (read from the daily table) and
	// in a full week inside it (from the weekly one).
	marker := func(table, day string) {
		t.Helper()
		if err := conn.Exec(ctx, "INSERT INTO "+db+"."+table+" SELECT toDate('"+day+"'), '"+querytest.Acme+"', 'confusion', 'reddit', 'en', 'negative',"+
			" countState(), sumState(toFloat64(-0.5)), uniqHLL12State(a), uniqUpToState(16)(a) FROM (SELECT concat('marker-', toString(number)) AS a FROM numbers(500))"); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
	}
	marker("q_theme_cube", querytest.Now.AddDate(0, 0, -1).Format(time.DateOnly))
	marker("q_theme_cube_week", "2026-03-02")
	again := ask()
	var confusion uint64
	for _, r := range again.Themes {
		if r.Theme == "confusion" {
			confusion = r.Posts
		}
	}
	var before uint64
	for _, r := range table.Themes {
		if r.Theme == "confusion" {
			before = r.Posts
		}
	}
	if confusion != before+1000 {
		// 500 from each table.
		t.Fatalf("confusion %d posts after the marker, want %d + 1000: not read from q_theme_cube", confusion, before)
	}
}
