//go:build integration

package query_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/undertone/undertone/config"
	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/testenv"
	"github.com/undertone/undertone/query"
	"github.com/undertone/undertone/query/querytest"
)

// TestBenchAPI loads UNDERTONE_BENCH_ROWS (default 10,000,000) generated
// posts into the database UNDERTONE_BENCH_DB (default bench_query; kept
// between runs so the load happens once, dropped when
// UNDERTONE_BENCH_DROP=1) and measures each endpoint's latency through the
// HTTP API (real TCP, JSON, gzip off, result cache off) under 8 concurrent
// clients (UNDERTONE_BENCH_ONLY=name,... measures only those endpoints). It
// runs only with UNDERTONE_LONG=1 (make bench-api).
func TestBenchAPI(t *testing.T) {
	if os.Getenv("UNDERTONE_LONG") != "1" {
		t.Skip("long benchmark: set UNDERTONE_LONG=1 (make bench-api)")
	}
	perEndpoint, _ := strconv.Atoi(envOr("UNDERTONE_BENCH_REQUESTS", "240"))
	const clients = 8
	sample, _ := strconv.Atoi(envOr("UNDERTONE_BENCH_DRIVERS_SAMPLE", "0")) // 0: query.TermsSample
	conn, db, have := benchDB(t)
	defer conn.Close()

	q, err := query.New(conn, query.Options{Database: db, MinAuthors: 5, MaxRows: 10000, Timeout: 30 * time.Second,
		MaxThreads: config.Default().Query.MaxThreads, ReadOnlySetting: true, DriversSample: sample, Now: func() time.Time { return querytest.SyntheticEnd }})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := auth.New(auth.Options{Tokens: []auth.Token{{Name: "bench", SHA256: auth.Hash(itToken), Scopes: []string{"read"}}}})
	srv, err := query.NewServer(query.ServerOptions{Querier: q, Auth: a, Now: func() time.Time { return querytest.SyntheticEnd }})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()

	rng := rand.New(rand.NewPCG(7, 7))
	topic := func() string { return querytest.SyntheticTopics[rng.IntN(len(querytest.SyntheticTopics))] }
	period := func() string { return []string{"7d", "30d", "30d", "90d"}[rng.IntN(4)] }
	theme := func() string {
		return []string{"fears", "frustrations", "disappointments", "joys", "desires", "confusion"}[rng.IntN(6)]
	}
	filter := func() string {
		switch rng.IntN(4) {
		case 0:
			return "&source=reddit,forum"
		case 1:
			return "&lang=en"
		}
		return ""
	}
	endpoints := []struct {
		name string
		gen  func() string
	}{
		{"themes", func() string { return "/api/v1/themes?topic=" + topic() + "&period=" + period() + filter() }},
		{"themes+sentiment", func() string {
			return "/api/v1/themes?topic=" + topic() + "&period=" + period() + "&sentiment=negative"
		}},
		{"trend/day", func() string { return "/api/v1/trend?topic=" + topic() + "&period=" + period() + filter() }},
		{"trend/week", func() string { return "/api/v1/trend?interval=week&topic=" + topic() + "&period=90d" + filter() }},
		{"movers/theme", func() string { return "/api/v1/movers?period=" + []string{"7d", "30d"}[rng.IntN(2)] + filter() }},
		{"movers/entity", func() string {
			return "/api/v1/movers?by=entity&topic=" + topic() + "&period=" + []string{"7d", "30d"}[rng.IntN(2)]
		}},
		{"sov", func() string { return "/api/v1/sov?period=" + period() + filter() }},
		// Distinct authors on request (not shown by the dashboards).
		{"trend/day+authors", func() string {
			return "/api/v1/trend?authors=true&topic=" + topic() + "&period=" + period() + filter()
		}},
		{"sov+authors", func() string { return "/api/v1/sov?authors=true&period=" + period() + filter() }},
		{"drivers", func() string {
			return "/api/v1/drivers?topic=" + topic() + "&theme=" + theme() + "&period=" + []string{"7d", "30d"}[rng.IntN(2)]
		}},
		// The dashboards' filter bar applies to drivers too: one kind of
		// filter (a source or lang), as above.
		{"drivers+filter", func() string {
			return "/api/v1/drivers?topic=" + topic() + "&theme=" + theme() + "&period=" + []string{"7d", "30d"}[rng.IntN(2)] +
				[]string{"&source=reddit,forum", "&lang=en"}[rng.IntN(2)]
		}},
		// Two kinds of filters at once (the filter bar allows it): drivers
		// then sample q_theme_posts, the groups read mentions.
		{"drivers+2filters", func() string {
			return "/api/v1/drivers?topic=" + topic() + "&theme=" + theme() + "&period=" + []string{"7d", "30d"}[rng.IntN(2)] + "&source=reddit,forum&lang=en"
		}},
		// A sentiment with one other kind: drivers then read one label of
		// every combination of the other kind's values.
		{"drivers+sentiment+1", func() string {
			return "/api/v1/drivers?topic=" + topic() + "&theme=" + theme() + "&period=" + []string{"7d", "30d"}[rng.IntN(2)] +
				"&sentiment=negative" + []string{"&source=reddit,forum", "&lang=en"}[rng.IntN(2)]
		}},
		{"themes+2filters", func() string {
			return "/api/v1/themes?topic=" + topic() + "&period=" + period() + "&source=reddit,forum&lang=en"
		}},
		{"themes+sentiment+1", func() string {
			return "/api/v1/themes?topic=" + topic() + "&period=" + period() + "&sentiment=negative" + []string{"&source=reddit,forum", "&lang=en"}[rng.IntN(2)]
		}},
		{"sov+sentiment+1", func() string {
			return "/api/v1/sov?period=" + period() + "&sentiment=negative" + []string{"&source=reddit,forum", "&lang=en"}[rng.IntN(2)]
		}},
		{"movers+sentiment+1", func() string {
			return "/api/v1/movers?period=" + []string{"7d", "30d"}[rng.IntN(2)] + "&sentiment=negative" + []string{"&source=reddit,forum", "&lang=en"}[rng.IntN(2)]
		}},
		{"trend+2filters", func() string {
			return "/api/v1/trend?topic=" + topic() + "&period=" + period() + "&source=reddit,forum&lang=en"
		}},
		{"sov+2filters", func() string { return "/api/v1/sov?period=" + period() + "&source=reddit,forum&lang=en" }},
		{"movers+2filters", func() string {
			return "/api/v1/movers?period=" + []string{"7d", "30d"}[rng.IntN(2)] + "&source=reddit,forum&lang=en"
		}},
		// The topic page's source and lang mix (by=source with lang=en
		// reads the cube, with source=... q_theme_dims).
		{"breakdown", func() string {
			return "/api/v1/breakdown?topic=" + topic() + "&by=" + []string{"source", "lang"}[rng.IntN(2)] + "&period=" + period() + filter()
		}},
		{"breakdown+2filters", func() string {
			return "/api/v1/breakdown?topic=" + topic() + "&by=" + []string{"source", "lang"}[rng.IntN(2)] + "&period=" + period() +
				"&sentiment=negative" + []string{"&source=reddit,forum", "&lang=en"}[rng.IntN(2)]
		}},
		{"quotes", func() string {
			return "/api/v1/quotes?topic=" + topic() + "&theme=" + theme() + "&period=" + []string{"7d", "30d"}[rng.IntN(2)] + "&order=" + []string{"recent", "typical"}[rng.IntN(2)]
		}},
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, DisableCompression: true}}
	var report strings.Builder
	fmt.Fprintf(&report, "\n%d posts, %d concurrent clients, %d requests per endpoint\n%-18s %8s %8s %8s %8s %8s\n", have, clients, perEndpoint, "endpoint", "p50_ms", "p95_ms", "p99_ms", "max_ms", "req/s")
	only := os.Getenv("UNDERTONE_BENCH_ONLY") // comma-separated endpoint names
	for _, ep := range endpoints {
		if only != "" && !slices.Contains(strings.Split(only, ","), ep.name) {
			continue
		}
		urls := make([]string, perEndpoint)
		for i := range urls {
			urls[i] = hs.URL + ep.gen()
		}
		// Warm-up: one pass of a few requests (first-touch of parts).
		for _, u := range urls[:clients] {
			fetch(t, client, u)
		}
		lat := make([]time.Duration, perEndpoint)
		var wg sync.WaitGroup
		next := make(chan int)
		began := time.Now()
		for range clients {
			wg.Go(func() {
				for i := range next {
					s := time.Now()
					fetch(t, client, urls[i])
					lat[i] = time.Since(s)
				}
			})
		}
		for i := range urls {
			next <- i
		}
		close(next)
		wg.Wait()
		wall := time.Since(began)
		slices.Sort(lat)
		pc := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
		line := fmt.Sprintf("%-18s %8.1f %8.1f %8.1f %8.1f %8.1f\n", ep.name, pc(0.50), pc(0.95), pc(0.99), pc(1), float64(perEndpoint)/wall.Seconds())
		report.WriteString(line)
		t.Log(strings.TrimSpace(line)) // progress, in case the run is cut short
	}
	t.Log(report.String())
	if out := os.Getenv("UNDERTONE_BENCH_OUT"); out != "" {
		_ = os.WriteFile(out, []byte(report.String()), 0o644)
	}
}

// benchDB opens the benchmark database UNDERTONE_BENCH_DB (default
// bench_query), creating, migrating, backfilling the query tables and
// loading UNDERTONE_BENCH_ROWS (default 10,000,000) posts as needed, and
// returns the connection (the caller closes it), the database and its
// number of posts.
func benchDB(t *testing.T) (driver.Conn, string, uint64) {
	addr := testenv.ClickHouse(t)
	db := envOr("UNDERTONE_BENCH_DB", "bench_query")
	rows, _ := strconv.ParseUint(envOr("UNDERTONE_BENCH_ROWS", "10000000"), 10, 64)

	// INSERT ... SELECT sends no packet until it is done: a chunk can take
	// minutes on a busy machine, longer than the driver's default read
	// timeout.
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}, MaxOpenConns: 16, ReadTimeout: 30 * time.Minute,
		Settings: clickhouse.Settings{"max_insert_block_size": 1 << 20}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+db); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("UNDERTONE_BENCH_DROP") == "1" {
		defer conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+db)
	}
	if err := applySchema(ctx, conn, db); err != nil {
		t.Fatal(err)
	}
	if filled, err := querytest.Backfill(ctx, conn, db); err != nil {
		t.Fatal(err)
	} else if len(filled) > 0 {
		t.Logf("backfilled %v from the posts already loaded", filled)
	}
	start := time.Now()
	if err := querytest.LoadSynthetic(ctx, conn, db, rows, 500_000, func(done uint64) {
		t.Logf("loaded %d rows (%.0f rows/s)", done, float64(done)/time.Since(start).Seconds())
	}); err != nil {
		t.Fatal(err)
	}
	// Merge the small aggregate tables' parts now rather than waiting for
	// background merges: a server that is not being bulk-loaded keeps them
	// merged, and a query merges one state per part.
	// Only tables with more than one part in a partition: OPTIMIZE FINAL
	// rewrites even a merged table, and the first endpoint measured would
	// then read freshly written parts while old ones are being dropped.
	for _, tbl := range []string{"q_theme_dims", "q_theme_week", "q_entity_day", "q_driver_day", "q_driver_dims", "q_driver_combo", "q_theme_cube", "q_theme_cube_week", "topic_theme_daily", "topic_daily", "entity_daily"} {
		var unmerged uint8
		if err := conn.QueryRow(ctx, "SELECT count() > uniqExact(partition) FROM system.parts WHERE database = @db AND table = @t AND active",
			clickhouse.Named("db", db), clickhouse.Named("t", tbl)).Scan(&unmerged); err != nil || unmerged == 0 {
			continue
		}
		if err := conn.Exec(ctx, "OPTIMIZE TABLE "+db+"."+tbl+" FINAL"); err != nil {
			t.Logf("optimize %s: %v", tbl, err)
		}
	}
	var have, mentions uint64
	_ = conn.QueryRow(ctx, "SELECT count() FROM "+db+".posts").Scan(&have)
	_ = conn.QueryRow(ctx, "SELECT count() FROM "+db+".mentions").Scan(&mentions)
	t.Logf("posts: %d rows, mentions: %d rows (load phase %s)", have, mentions, time.Since(start).Round(time.Second))

	return conn, db, have
}

func fetch(t *testing.T, c *http.Client, u string) {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+itToken)
	resp, err := c.Do(req)
	if err != nil {
		t.Error(err)
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("%s: %d %s", u, resp.StatusCode, b)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
