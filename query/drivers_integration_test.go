//go:build integration

package query_test

import (
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/undertone/undertone/query"
	"github.com/undertone/undertone/query/querytest"
)

// TestDriversTableNotBackfilled is a database that had posts before
// migration 0012: q_driver_day misses them, so its group sizes do not match
// and drivers must count from q_theme_posts instead (here with a sample
// bound above the groups' sizes, so both ways are exact and must agree but
// for the authors, which the daily table counts up to 16), as it does with
// query.drivers: sample. Once the table is backfilled the answer comes from
// it again.
func TestDriversTableNotBackfilled(t *testing.T) {
	ctx := t.Context()
	conn, db := seededDB(t)
	q, err := query.New(conn, query.Options{Database: db, MinAuthors: 1, Timeout: 20 * time.Second, DriversSample: 100_000,
		Now: func() time.Time { return querytest.Now }, Settings: clickhouse.Settings{"log_queries": 1}})
	if err != nil {
		t.Fatal(err)
	}
	req, err := query.ParseDrivers(vals("topic", querytest.Acme, "theme", "fears", "period", "60d", "min_count", "2", "limit", "1000"), querytest.Now, 1000)
	if err != nil {
		t.Fatal(err)
	}
	ask := func() query.DriversResult {
		t.Helper()
		res, err := q.Drivers(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if res.Sampled || res.ThemeSample != res.ThemePosts || res.TopicSample != res.TopicPosts || len(res.Entities) == 0 || len(res.Terms) == 0 {
			t.Fatalf("want every post of both groups and some drivers: %+v", res)
		}
		return res
	}
	table := ask()
	if table.AuthorsUpTo != 16 {
		t.Fatalf("migrated before the posts came: authors up to %d, want 16 (read from q_driver_day)", table.AuthorsUpTo)
	}
	// query.drivers: sample reads q_theme_posts even though the daily
	// table covers the period (compared with the posts' answer below).
	sq, err := query.New(conn, query.Options{Database: db, MinAuthors: 1, Timeout: 20 * time.Second, DriversSample: 100_000, DriversSampled: true,
		Now: func() time.Time { return querytest.Now }})
	if err != nil {
		t.Fatal(err)
	}
	sampled, err := sq.Drivers(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if sampled.AuthorsUpTo != 0 {
		t.Fatalf("query.drivers sample: authors up to %d, want 0", sampled.AuthorsUpTo)
	}
	if err := conn.Exec(ctx, "TRUNCATE TABLE "+db+".q_driver_day"); err != nil {
		t.Fatal(err)
	}
	posts := ask()
	if posts.AuthorsUpTo != 0 {
		t.Fatalf("empty daily table: authors up to %d, want 0 (counted from q_theme_posts)", posts.AuthorsUpTo)
	}
	same := func(what string, a, b []query.DriverRow, capped bool) {
		t.Helper()
		if len(a) != len(b) {
			t.Fatalf("%s: %d rows from the daily table, %d from the posts", what, len(a), len(b))
		}
		for i := range a {
			want := b[i]
			if capped {
				want.Authors = min(want.Authors, 17)
			}
			if a[i] != want {
				t.Errorf("%s %d: %+v from the daily table, want %+v", what, i, a[i], want)
			}
		}
	}
	same("entities", table.Entities, posts.Entities, true)
	same("terms", table.Terms, posts.Terms, true)
	same("sampled entities", sampled.Entities, posts.Entities, false)
	same("sampled terms", sampled.Terms, posts.Terms, false)

	filled, err := querytest.Backfill(ctx, conn, db)
	if err != nil || len(filled) != 1 || filled[0] != "q_driver_day" {
		t.Fatalf("backfill filled %v (%v), want q_driver_day only", filled, err)
	}
	again := ask()
	if again.AuthorsUpTo != 16 {
		t.Fatalf("backfilled: authors up to %d, want 16", again.AuthorsUpTo)
	}
	same("backfilled entities", again.Entities, table.Entities, false)
	same("backfilled terms", again.Terms, table.Terms, false)
}
