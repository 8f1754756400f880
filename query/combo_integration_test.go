//go:build integration

package query_test

import (
	"slices"
	"testing"
	"time"

	"github.com/undertone/undertone/query"
	"github.com/undertone/undertone/query/querytest"
)

// TestCombinedFiltersTable: groups with two kinds of filters read
// q_theme_combo (migration 0014) while it holds the period, and the
// mentions fact table when it does not (a database that had posts before
// the migration: truncated here), with the same answer; once backfilled,
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

	if err := conn.Exec(ctx, "TRUNCATE TABLE "+db+".q_theme_combo"); err != nil {
		t.Fatal(err)
	}
	facts := ask()
	if *facts.Volume != *table.Volume || !slices.Equal(themes(facts), themes(table)) {
		t.Fatalf("from mentions %+v %v, from q_theme_combo %+v %v", facts.Volume, facts.Themes, table.Volume, table.Themes)
	}
	for i := range facts.Themes {
		if facts.Themes[i] != table.Themes[i] {
			t.Errorf("%s: %+v from mentions, %+v from q_theme_combo", facts.Themes[i].Theme, facts.Themes[i], table.Themes[i])
		}
	}

	filled, err := querytest.Backfill(ctx, conn, db)
	if err != nil || !slices.Equal(filled, []string{"q_theme_combo"}) {
		t.Fatalf("backfill filled %v (%v), want q_theme_combo", filled, err)
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
	marker("q_theme_combo", querytest.Now.AddDate(0, 0, -1).Format(time.DateOnly))
	marker("q_theme_combo_week", "2026-03-02")
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
		t.Fatalf("confusion %d posts after the marker, want %d + 1000: not read from q_theme_combo", confusion, before)
	}
}
