//go:build integration

package query_test

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/undertone/undertone/query"
	"github.com/undertone/undertone/query/querytest"
)

// TestDriversTableNotBackfilled is a database that had posts before
// migrations 0012, 0013 and 0015: q_driver_day, q_driver_dims and
// q_driver_combo miss them, so their group sizes do not match and drivers,
// unfiltered and with one or two kinds of filters, must
// count from q_theme_posts instead (here with a sample bound above the
// groups' sizes, so both ways are exact and must agree but for the
// authors, which the daily tables count up to 16), as it does with
// query.drivers: sample. Once the tables are backfilled the answers come
// from them again.
func TestDriversTableNotBackfilled(t *testing.T) {
	ctx := t.Context()
	conn, db := seededDB(t)
	// querier returns a Querier over the database with o's drivers options
	// and a sample bound above the groups' sizes.
	querier := func(o query.Options) *query.Querier {
		t.Helper()
		o.Database, o.MinAuthors, o.Timeout, o.DriversSample = db, 1, 20*time.Second, 100_000
		o.Now = func() time.Time { return querytest.Now }
		q, err := query.New(conn, o)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	q := querier(query.Options{Settings: clickhouse.Settings{"log_queries": 1}})
	// query.drivers: sample reads q_theme_posts even though the daily
	// tables cover the period (compared with the posts' answer below).
	sq := querier(query.Options{DriversSampled: true})
	var reqs []query.DriversRequest
	for _, filter := range []url.Values{{}, {"source": {"reddit,forum"}}, {"sentiment": {"negative"}}, {"source": {"reddit,forum"}, "lang": {"en"}}} {
		v := vals("topic", querytest.Acme, "theme", "fears", "period", "60d", "min_count", "2", "limit", "1000")
		for k, x := range filter {
			v[k] = x
		}
		req, err := query.ParseDrivers(v, querytest.Now, 1000)
		if err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, req)
	}
	ask := func(q *query.Querier, req query.DriversRequest, upTo int) query.DriversResult {
		t.Helper()
		res, err := q.Drivers(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if res.Sampled || res.ThemeSample != res.ThemePosts || res.TopicSample != res.TopicPosts || len(res.Entities) == 0 || len(res.Terms) == 0 {
			t.Fatalf("%v: want every post of both groups and some drivers: %+v", req.Filter, res)
		}
		if res.AuthorsUpTo != upTo {
			t.Fatalf("%v: authors up to %d, want %d (16: read from the daily tables, 0: from q_theme_posts)", req.Filter, res.AuthorsUpTo, upTo)
		}
		return res
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
	// store.drivers_by_dimension false: filtered requests sample without
	// trying q_driver_dims or q_driver_combo; unfiltered ones still read
	// q_driver_day.
	nq := querier(query.Options{NoDriverDims: true, NoDriverCombo: true})
	// store.drivers_by_combination false: only the request with two
	// kinds of filters (the last) samples.
	cq := querier(query.Options{NoDriverCombo: true})
	var tables, sampled []query.DriversResult
	for i, req := range reqs {
		tables = append(tables, ask(q, req, 16))
		sampled = append(sampled, ask(sq, req, 0))
		upTo := 0
		if i == 0 {
			upTo = 16
		}
		nd := ask(nq, req, upTo)
		same("no q_driver_dims: entities", tables[i].Entities, nd.Entities, true)
		upTo = 16
		if i == len(reqs)-1 {
			upTo = 0
		}
		nc := ask(cq, req, upTo)
		same("no q_driver_combo: entities", tables[i].Entities, nc.Entities, true)
	}
	for _, tbl := range []string{"q_driver_day", "q_driver_dims", "q_driver_combo"} {
		if err := conn.Exec(ctx, "TRUNCATE TABLE "+db+"."+tbl); err != nil {
			t.Fatal(err)
		}
	}
	for i, req := range reqs {
		posts := ask(q, req, 0)
		same("entities", tables[i].Entities, posts.Entities, true)
		same("terms", tables[i].Terms, posts.Terms, true)
		same("sampled entities", sampled[i].Entities, posts.Entities, false)
		same("sampled terms", sampled[i].Terms, posts.Terms, false)
	}

	filled, err := querytest.Backfill(ctx, conn, db)
	if want := []string{"q_driver_day", "q_driver_dims", "q_driver_combo"}; err != nil || !slices.Equal(filled, want) {
		t.Fatalf("backfill filled %v (%v), want %v only", filled, err, want)
	}
	for i, req := range reqs {
		again := ask(q, req, 16)
		same("backfilled entities", again.Entities, tables[i].Entities, false)
		same("backfilled terms", again.Terms, tables[i].Terms, false)
	}
}
