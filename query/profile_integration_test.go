//go:build integration

package query_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/query"
	"github.com/undertone/undertone/query/querytest"
)

// TestProfileQueries runs one request per dashboard query shape, one at a
// time, against the benchmark database (UNDERTONE_BENCH_DB, default
// bench_query; created and loaded as by TestBenchAPI) and reports the server-side cost of
// each from system.query_log: the sum of query_duration_ms and read_rows
// over the SQL statements a request ran (median of 3 runs). These figures
// are far steadier than wall-clock latency on a loaded machine. It runs
// only with UNDERTONE_LONG=1 and needs the server's
// query_log (deploy/local enables it).
func TestProfileQueries(t *testing.T) {
	if os.Getenv("UNDERTONE_LONG") != "1" {
		t.Skip("long benchmark: set UNDERTONE_LONG=1")
	}
	conn, db, have := benchDB(t)
	defer conn.Close()
	ctx := context.Background()
	q, err := query.New(conn, query.Options{Database: db, MinAuthors: 5, MaxRows: 10000, Timeout: 60 * time.Second,
		ReadOnlySetting: true, Settings: clickhouse.Settings{"log_queries": 1},
		Now: func() time.Time { return querytest.SyntheticEnd }})
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
	reqs := []struct{ name, url string }{
		{"themes 30d", "/api/v1/themes?topic=brand-01&period=30d"},
		{"themes 90d source", "/api/v1/themes?topic=brand-01&period=90d&source=reddit,forum"},
		{"themes 30d lang", "/api/v1/themes?topic=brand-01&period=30d&lang=en"},
		{"themes 30d sentiment", "/api/v1/themes?topic=brand-01&period=30d&sentiment=negative"},
		{"trend/day 30d", "/api/v1/trend?topic=brand-01&period=30d"},
		{"trend/day 90d lang", "/api/v1/trend?topic=brand-01&period=90d&lang=en"},
		{"trend/week 90d", "/api/v1/trend?interval=week&topic=brand-01&period=90d"},
		{"trend/week 90d source", "/api/v1/trend?interval=week&topic=brand-01&period=90d&source=reddit,forum"},
		{"movers/theme 30d", "/api/v1/movers?period=30d"},
		{"movers/theme 30d source", "/api/v1/movers?period=30d&source=reddit,forum"},
		{"movers/entity 30d", "/api/v1/movers?by=entity&topic=brand-01&period=30d"},
		{"sov 30d", "/api/v1/sov?period=30d"},
		{"sov 90d", "/api/v1/sov?period=90d"},
		{"sov 30d lang", "/api/v1/sov?period=30d&lang=en"},
		{"sov 90d source", "/api/v1/sov?period=90d&source=reddit,forum"},
		{"breakdown source 30d", "/api/v1/breakdown?topic=brand-01&by=source&period=30d"},
		{"drivers 30d", "/api/v1/drivers?topic=brand-01&theme=fears&period=30d"},
		{"drivers 7d small topic", "/api/v1/drivers?topic=brand-09&theme=joys&period=7d"},
		{"quotes recent 30d", "/api/v1/quotes?topic=brand-01&theme=fears&period=30d"},
		{"quotes typical 7d", "/api/v1/quotes?topic=brand-05&theme=joys&period=7d&order=typical"},
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	var report strings.Builder
	fmt.Fprintf(&report, "\n%d posts in %s, one client, server-side cost per request (median of 3; sum over its SQL statements)\n%-24s %6s %10s %12s %9s %8s\n",
		have, db, "request", "stmts", "server_ms", "read_rows", "read_MB", "wall_ms")
	only := os.Getenv("UNDERTONE_PROFILE_ONLY") // a substring of the names to run
	for _, r := range reqs {
		if only != "" && !strings.Contains(r.name, only) {
			continue
		}
		type run struct {
			n        uint64
			ms, rows uint64
			bytes    uint64
			wall     time.Duration
		}
		var runs []run
		for range 3 {
			began := time.Now()
			req, _ := http.NewRequest(http.MethodGet, hs.URL+r.url, nil)
			req.Header.Set("Authorization", "Bearer "+itToken)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d %s", r.url, resp.StatusCode, body)
			}
			wall := time.Since(began)
			// The server logs a statement's end just after its last
			// packet: give it a moment before flushing the log.
			time.Sleep(300 * time.Millisecond)
			if err := conn.Exec(ctx, "SYSTEM FLUSH LOGS"); err != nil {
				t.Fatal(err)
			}
			var rn run
			rn.wall = wall
			// Every statement of the request finished between began and
			// now; the profile's own statements do not read db's tables.
			if err := conn.QueryRow(ctx, "SELECT count(), sum(query_duration_ms), sum(read_rows), sum(read_bytes) FROM system.query_log"+
				" WHERE type = 2 AND event_time >= toDateTime(@from) AND position(query, @db) > 0 AND position(query, 'system.') = 0 AND query_start_time >= toDateTime(@from)",
				clickhouse.Named("from", began.Truncate(time.Second).UTC().Format(time.DateTime)), clickhouse.Named("db", "`"+db+"`.")).Scan(&rn.n, &rn.ms, &rn.rows, &rn.bytes); err != nil {
				t.Fatal(err)
			}
			runs = append(runs, rn)
			time.Sleep(2100 * time.Millisecond) // next request's window starts after this one's
		}
		slices.SortFunc(runs, func(a, b run) int { return int(a.ms) - int(b.ms) })
		m := runs[1]
		line := fmt.Sprintf("%-24s %6d %10d %12d %9.1f %8.0f\n", r.name, m.n, m.ms, m.rows, float64(m.bytes)/1e6, float64(m.wall.Microseconds())/1000)
		report.WriteString(line)
		t.Log(strings.TrimSpace(line))
	}
	t.Log(report.String())
	if out := os.Getenv("UNDERTONE_PROFILE_OUT"); out != "" {
		_ = os.WriteFile(out, []byte(report.String()), 0o644)
	}
}
