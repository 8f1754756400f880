//go:build integration

package dashboards_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/chromedp/chromedp"

	"github.com/undertone/undertone/config"
	"github.com/undertone/undertone/dashboards"
	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/testenv"
	"github.com/undertone/undertone/query"
	"github.com/undertone/undertone/query/querytest"
	"github.com/undertone/undertone/store"
)

// TestPageLoadLarge measures page loads on a large data set: it loads
// UNDERTONE_BENCH_ROWS (default 10,000,000) posts with the query package's
// synthetic loader into UNDERTONE_BENCH_DB (default bench_query, shared with
// the API benchmark and kept between runs; the load resumes by count), serves
// the real API with its result cache off, and opens each page
// UNDERTONE_PAGELOAD_RUNS times (default 3) in headless Chromium. It reports
// per page the slowest API call's server time (the page's critical path when
// its calls run in parallel), the sum over its calls, and the wall time
// until the page finished rendering. Runs only with UNDERTONE_LONG=1.
func TestPageLoadLarge(t *testing.T) {
	if os.Getenv("UNDERTONE_LONG") != "1" {
		t.Skip("long measurement: set UNDERTONE_LONG=1")
	}
	addr := testenv.ClickHouse(t)
	db := envOr("UNDERTONE_BENCH_DB", "bench_query")
	rows, _ := strconv.ParseUint(envOr("UNDERTONE_BENCH_ROWS", "10000000"), 10, 64)
	runs, _ := strconv.Atoi(envOr("UNDERTONE_PAGELOAD_RUNS", "3"))
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}, MaxOpenConns: 16, ReadTimeout: 30 * time.Minute,
		Settings: clickhouse.Settings{"max_insert_block_size": 1 << 20}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx := t.Context()
	if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+db); err != nil {
		t.Fatal(err)
	}
	if _, err := store.NewMigrator(conn, store.Schema{Database: db}, nil).Up(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	// Query tables created after the posts were loaded (migration 0010)
	// are filled from posts once.
	if filled, err := querytest.Backfill(ctx, conn, db); err != nil {
		t.Fatal(err)
	} else if len(filled) > 0 {
		t.Logf("backfilled %v from the posts already loaded", filled)
	}
	start := time.Now()
	if err := querytest.LoadSynthetic(ctx, conn, db, rows, 250_000, func(done uint64) {
		t.Logf("loaded %d rows (%.0f rows/s)", done, float64(done)/time.Since(start).Seconds())
	}); err != nil {
		t.Fatal(err)
	}
	var have uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+db+".posts").Scan(&have); err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return querytest.SyntheticEnd }
	q, err := query.New(conn, query.Options{Database: db, MinAuthors: 5, MaxRows: 10000, Timeout: 30 * time.Second, MaxThreads: config.Default().Query.MaxThreads, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	const token = "ut_pageload_token"
	a, _ := auth.New(auth.Options{Tokens: []auth.Token{{Name: "pl", SHA256: auth.Hash(token), Scopes: []string{"read"}}}})
	var topics []dashboards.Topic
	for _, id := range querytest.SyntheticTopics {
		topics = append(topics, dashboards.Topic{ID: id, Name: strings.ToUpper(id[:1]) + id[1:]})
	}
	srv, err := query.NewServer(query.ServerOptions{Querier: q, Auth: a, Now: now, Mounts: []query.Route{
		{Method: http.MethodGet, Path: "/api/v1/topics", Scope: auth.ScopeRead, Handler: dashboards.TopicsHandler(topics)},
		{Path: "/", Public: true, Handler: dashboards.Handler(dashboards.Options{Topics: topics})},
	}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	b := newBrowser(t, 1366, 900)
	b.step = 10 * time.Minute // a page on a large data set on a busy machine
	b.run(chromedp.Navigate(ts.URL + "/login"))
	b.run(chromedp.WaitVisible(chromedp.ID("token")))
	b.run(chromedp.SendKeys(chromedp.ID("token"), token), chromedp.Click(chromedp.CSS(`form.login button[type="submit"]`)))
	b.run(chromedp.WaitVisible(chromedp.CSS(`body[data-page="overview"] main[data-ready="true"]`)))
	b.takeTimings()
	t1, t2 := querytest.SyntheticTopics[0], querytest.SyntheticTopics[1]
	pages := []struct{ name, path string }{
		{"overview", "/"},
		{"topic", "/topic?topic=" + t1},
		{"topic+theme", "/topic?topic=" + t1 + "&theme=fears"},
		{"compare", "/compare?topics=" + t1 + "," + t2},
		{"explore", "/explore?topics=" + t1 + "," + t2 + "&themes=fears,joys"},
	}
	var report strings.Builder
	fmt.Fprintf(&report, "page loads on %d posts (db %s, API cache off, %d runs; ms):\n", have, db, runs)
	fmt.Fprintf(&report, "  %-12s %5s  %-26s %-26s %-20s\n", "page", "calls", "slowest call p50 / max", "sum of calls p50 / max", "render p50 / max")
	var all []apiTiming
	for _, p := range pages {
		var slowest, sums, walls []time.Duration
		calls := 0
		for range runs {
			b.run(chromedp.Navigate("about:blank"))
			begin := time.Now()
			b.navigate(ts.URL + p.path)
			walls = append(walls, time.Since(begin))
			tms := b.takeTimings()
			all = append(all, tms...)
			calls = len(tms)
			var mx, sum time.Duration
			for _, tm := range tms {
				if tm.Status != 200 {
					t.Errorf("%s: %s answered %d", p.name, tm.URL, tm.Status)
				}
				mx = max(mx, tm.Server)
				sum += tm.Server
			}
			slowest, sums = append(slowest, mx), append(sums, sum)
			b.noErrorStates(p.name)
		}
		fmt.Fprintf(&report, "  %-12s %5d  %9.0f / %-14.0f %9.0f / %-14.0f %7.0f / %-8.0f\n", p.name, calls,
			ms(p50(slowest)), ms(slices.Max(slowest)), ms(p50(sums)), ms(slices.Max(sums)), ms(p50(walls)), ms(slices.Max(walls)))
	}
	report.WriteString(endpointReport(all))
	t.Log(report.String())
}

func p50(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
