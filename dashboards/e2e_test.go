//go:build integration

package dashboards_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/undertone/undertone/dashboards"
	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/testenv"
	"github.com/undertone/undertone/query"
	"github.com/undertone/undertone/query/querytest"
	"github.com/undertone/undertone/store"
)

// TestBrowserE2E loads generated posts into a fresh ClickHouse database,
// serves the real query API (query.NewServer, token auth) with the
// dashboards mounted at "/", and walks every page in headless Chromium:
// login, charts with data, drill-down from a mover to its quotes, no
// console errors. Screenshots go to out/dashboards-screenshots (ignored).
//
// UNDERTONE_DASHBOARDS_POSTS sets the number of posts (default 20000); the
// test logs the server time of every API call each page makes.
func TestBrowserE2E(t *testing.T) {
	n := 20000
	if v := os.Getenv("UNDERTONE_DASHBOARDS_POSTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1000 {
			t.Fatalf("UNDERTONE_DASHBOARDS_POSTS=%q: want an integer >= 1000", v)
		}
	}
	addr := testenv.ClickHouse(t)
	db := testenv.Database(t, addr)
	conn := testenv.Conn(t, addr, db)
	ctx := t.Context()
	if _, err := store.NewMigrator(conn, store.Schema{Database: db}, nil).Up(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	start := time.Now()
	loadPosts(t, conn, db, n)
	t.Logf("loaded %d posts in %s", n, time.Since(start).Round(time.Millisecond))

	q, err := query.New(conn, query.Options{Database: db, MinAuthors: 5, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	const token = "ut_e2e_dashboards_token"
	a, err := auth.New(auth.Options{Tokens: []auth.Token{{Name: "e2e", SHA256: auth.Hash(token), Scopes: []string{"read"}}}, Rate: 50, Burst: 200})
	if err != nil {
		t.Fatal(err)
	}
	topics := []dashboards.Topic{
		{ID: querytest.Acme, Name: "Acme Phone", Kind: "product"},
		{ID: querytest.Beta, Name: "Beta Mobile", Kind: "competitor"},
		{ID: querytest.Tiny, Name: "Tiny Brand", Kind: "brand"},
	}
	// Mounted as cmd/undertone/serve.go mounts them.
	srv, err := query.NewServer(query.ServerOptions{Querier: q, Auth: a, Mounts: []query.Route{
		{Method: http.MethodGet, Path: "/api/v1/topics", Scope: auth.ScopeRead, Handler: dashboards.TopicsHandler(topics)},
		{Path: "/", Public: true, Handler: dashboards.Handler(dashboards.Options{AuthMode: "tokens", Topics: topics})},
	}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	timings := walkUI(t, ts.URL, token, querytest.Acme)
	pages := make([]string, 0, len(timings))
	for p := range timings {
		pages = append(pages, p)
	}
	slices.Sort(pages)
	var report strings.Builder
	fmt.Fprintf(&report, "API server time per page (%d posts; calls run in parallel from the browser):\n", n)
	for _, p := range pages {
		ts := timings[p]
		var maxServer, sum time.Duration
		for _, tm := range ts {
			if tm.Status != 200 {
				t.Errorf("%s: %s answered %d", p, tm.URL, tm.Status)
			}
			maxServer = max(maxServer, tm.Server)
			sum += tm.Server
		}
		fmt.Fprintf(&report, "  %-18s %2d calls  slowest %6.1f ms  sum %7.1f ms\n", p, len(ts), ms(maxServer), ms(sum))
	}
	var all []apiTiming
	for _, ts := range timings {
		all = append(all, ts...)
	}
	report.WriteString(endpointReport(all))
	t.Log(report.String())
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// endpointReport summarizes API server times per endpoint.
func endpointReport(all []apiTiming) string {
	byEndpoint := map[string][]time.Duration{}
	for _, tm := range all {
		u, _ := url.Parse(tm.URL)
		ep := strings.TrimPrefix(u.Path, "/api/v1/")
		byEndpoint[ep] = append(byEndpoint[ep], tm.Server)
	}
	eps := make([]string, 0, len(byEndpoint))
	for ep := range byEndpoint {
		eps = append(eps, ep)
	}
	slices.Sort(eps)
	var b strings.Builder
	fmt.Fprintf(&b, "per endpoint (server time, ms):\n")
	for _, ep := range eps {
		ds := byEndpoint[ep]
		slices.Sort(ds)
		fmt.Fprintf(&b, "  %-10s n=%3d  median %8.1f  max %8.1f\n", ep, len(ds), ms(ds[(len(ds)-1)/2]), ms(ds[len(ds)-1]))
	}
	return b.String()
}

// loadPosts inserts n querytest posts moved so that the data set ends today
// (the UI's default period is the last 30 days). It generates and inserts
// blocks of 100k posts (fresh seed and post ids per block) so memory stays
// bounded for large n.
func loadPosts(t *testing.T, conn driver.Conn, db string, n int) {
	t.Helper()
	today := time.Now().UTC().Truncate(24 * time.Hour)
	shift := today.Sub(querytest.Now.Truncate(24 * time.Hour))
	const block = 100_000
	for b := 0; b*block < n; b++ {
		rows := querytest.Generate(min(block, n-b*block), uint64(7+b))
		for i := range rows {
			rows[i].CreatedAt = rows[i].CreatedAt.Add(shift)
			rows[i].PostID = fmt.Sprintf("b%04d-%s", b, rows[i].PostID)
		}
		if err := querytest.Insert(t.Context(), conn, db, rows); err != nil {
			t.Fatalf("insert block %d: %v", b, err)
		}
	}
}

// TestGrafanaQueries runs every query of the Grafana dashboards (panels and
// template variables) on ClickHouse with generated data, expanding the
// ClickHouse datasource macros and the dashboard variables as Grafana
// would, and checks that each panel returns rows.
func TestGrafanaQueries(t *testing.T) {
	addr := testenv.ClickHouse(t)
	db := testenv.Database(t, addr)
	conn := testenv.Conn(t, addr, db)
	ctx := t.Context()
	if _, err := store.NewMigrator(conn, store.Schema{Database: db}, nil).Up(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	loadPosts(t, conn, db, 5000)
	to := time.Now().UTC()
	from := to.AddDate(0, 0, -30)
	quote := func(vs ...string) string { return "'" + strings.Join(vs, "','") + "'" }
	expand := strings.NewReplacer(
		"${database}", db,
		"${min_authors}", "5",
		"${topic:singlequote}", quote(querytest.Acme, querytest.Beta, querytest.Tiny),
		"${topic}", querytest.Acme,
		"${theme:singlequote}", quote("fears", "frustrations", "disappointments", "joys", "desires", "confusion"),
		"${source:singlequote}", quote("reddit", "forum", "appstore"),
		"${lang:singlequote}", quote("en", "de"),
		"$__toTime", fmt.Sprintf("toDateTime(%d)", to.Unix()),
		"$__fromTime", fmt.Sprintf("toDateTime(%d)", from.Unix()),
	)
	macro := regexp.MustCompile(`\$__(dateFilter|timeFilter)\(([a-z_]+)\)`)
	sql := func(raw string) string {
		s := macro.ReplaceAllStringFunc(raw, func(m string) string {
			p := macro.FindStringSubmatch(m)
			if p[1] == "dateFilter" {
				return fmt.Sprintf("%s >= toDate('%s') AND %s <= toDate('%s')", p[2], from.Format(time.DateOnly), p[2], to.Format(time.DateOnly))
			}
			return fmt.Sprintf("%s >= toDateTime(%d) AND %s <= toDateTime(%d)", p[2], from.Unix(), p[2], to.Unix())
		})
		s = expand.Replace(s)
		if strings.Contains(s, "$") {
			t.Fatalf("unexpanded variable in %s", s)
		}
		return s
	}
	entries, err := dashboards.GrafanaFS.ReadDir("grafana")
	if err != nil {
		t.Fatal(err)
	}
	queries := 0
	defer func() {
		t.Logf("ran %d Grafana queries", queries)
		if queries < 10 {
			t.Errorf("only %d queries found", queries)
		}
	}()
	for _, e := range entries {
		b, _ := dashboards.GrafanaFS.ReadFile("grafana/" + e.Name())
		var d struct {
			Templating struct {
				List []struct {
					Name  string `json:"name"`
					Type  string `json:"type"`
					Query any    `json:"query"`
				} `json:"list"`
			} `json:"templating"`
			Panels []struct {
				Title   string `json:"title"`
				Targets []struct {
					RawSQL string `json:"rawSql"`
				} `json:"targets"`
			} `json:"panels"`
		}
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatal(err)
		}
		run := func(name, q string) {
			queries++
			rows, err := conn.Query(ctx, sql(q))
			if err != nil {
				t.Errorf("%s: %s: %v\n%s", e.Name(), name, err, sql(q))
				return
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				n++
			}
			if err := rows.Err(); err != nil {
				t.Errorf("%s: %s: %v", e.Name(), name, err)
			}
			if n == 0 {
				t.Errorf("%s: %s: no rows\n%s", e.Name(), name, sql(q))
			}
		}
		for _, v := range d.Templating.List {
			if q, ok := v.Query.(string); ok && v.Type == "query" {
				run("variable "+v.Name, q)
			}
		}
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				run("panel "+p.Title, tg.RawSQL)
			}
		}
	}
}
