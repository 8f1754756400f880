//go:build integration

package query_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/testenv"
	"github.com/undertone/undertone/query"
	"github.com/undertone/undertone/query/querytest"
	"github.com/undertone/undertone/store"
)

const testK = 5

// fixture is one database loaded with querytest.Generate data, shared by
// the tests of this file (loading it once keeps the suite fast).
type fixture struct {
	conn driver.Conn
	db   string
	q    *query.Querier
	rows []querytest.Row
}

var (
	fixOnce sync.Once
	fix     *fixture
	fixErr  error
)

func loadFixture(t *testing.T) *fixture {
	t.Helper()
	addr := testenv.ClickHouse(t)
	fixOnce.Do(func() {
		// The database outlives the first test that loads it; it is dropped
		// by TestMain's cleanup below.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		f := &fixture{db: "test_query_" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "_")}
		conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}, Auth: clickhouse.Auth{Database: "default", Username: "default"}})
		if err != nil {
			fixErr = err
			return
		}
		f.conn = conn
		if err = conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+f.db); err != nil {
			fixErr = err
			return
		}
		if fixErr = applySchema(ctx, conn, f.db); fixErr != nil {
			return
		}
		f.rows = querytest.Generate(6000, 42)
		if err = querytest.Insert(ctx, conn, f.db, f.rows); err != nil {
			fixErr = err
			return
		}
		f.q, fixErr = query.New(conn, query.Options{Database: f.db, MinAuthors: testK, MaxRows: 1000, Timeout: 20 * time.Second,
			ReadOnlySetting: true, Now: func() time.Time { return querytest.Now },
			// Logged so the store's chDB compatibility check (make compat)
			// replays every query template on current ClickHouse.
			Settings: clickhouse.Settings{"log_queries": 1}})
		fix = f
	})
	if fixErr != nil {
		t.Fatalf("fixture: %v", fixErr)
	}
	return fix
}

// seededDB returns a connection (closed when t ends) to a database of t's
// own with the schema and 3,000 generated posts (seed 7), for tests that
// change its tables.
func seededDB(t *testing.T) (driver.Conn, string) {
	t.Helper()
	addr := testenv.ClickHouse(t)
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}})
	if err != nil {
		t.Fatal(err)
	}
	db := testenv.Database(t, addr)
	t.Cleanup(func() { _ = conn.Close() })
	if err := applySchema(t.Context(), conn, db); err != nil {
		t.Fatal(err)
	}
	if err := querytest.Insert(t.Context(), conn, db, querytest.Generate(3000, 7)); err != nil {
		t.Fatal(err)
	}
	return conn, db
}

// applySchema runs the store's migration statements (without recording
// them: the schema_migrations bookkeeping is the store's concern).
func applySchema(ctx context.Context, conn driver.Conn, db string) error {
	migs, err := store.Migrations(store.Schema{Database: db})
	if err != nil {
		return err
	}
	for _, m := range migs {
		for _, st := range m.Statements {
			if err := conn.Exec(ctx, st); err != nil {
				return fmt.Errorf("migration %d: %w", m.Version, err)
			}
		}
	}
	return nil
}

func TestMain(m *testing.M) {
	m.Run()
	if fix != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		_ = testenv.DropDatabase(ctx, fix.conn, fix.db)
		cancel()
		_ = fix.conn.Close()
	}
}

func vals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// expect is the independent answer computed over the posts table's
// contract columns (topic_ids, topic_themes, topic_sentiments), not the
// grain arrays or aggregates the queries read.
type expect struct {
	posts, authors uint64
	ssum           float64
}

func (e expect) avg() float64 {
	if e.posts == 0 {
		return 0
	}
	return math.Round(e.ssum/float64(e.posts)*1e4) / 1e4
}

// independent runs SQL over posts. cond may use idx (the topic's index in
// topic_ids) and ts (the topic sentiment).
func (f *fixture) independent(t *testing.T, topic, from, to, cond string, extra ...any) expect {
	t.Helper()
	sql := "SELECT count(), uniqExact(author_pseudonym), sum(toFloat64(ts)) FROM (SELECT author_pseudonym, source, lang, created_at, " +
		"text, entity_canonical AS ents, indexOf(topic_ids, @topic) AS idx, topic_sentiments[idx] AS ts, topic_themes[idx] AS th FROM " + f.db + ".posts) " +
		"WHERE idx > 0 AND created_at >= toDateTime(@from, 'UTC') AND created_at < toDateTime(@to, 'UTC') AND " + cond
	args := append([]any{clickhouse.Named("topic", topic), clickhouse.Named("from", from+" 00:00:00"), clickhouse.Named("to", to+" 00:00:00")}, extra...)
	var e expect
	if err := f.conn.QueryRow(t.Context(), sql, args...).Scan(&e.posts, &e.authors, &e.ssum); err != nil {
		t.Fatalf("independent: %v\n%s", err, sql)
	}
	return e
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-3 }

func TestThemesMatchPosts(t *testing.T) {
	f := loadFixture(t)
	for _, tc := range []struct {
		name string
		v    url.Values
		cond string
		args []any
	}{
		{"all", vals("topic", querytest.Acme, "period", "30d"), "1", nil},
		{"source+lang", vals("topic", querytest.Acme, "period", "30d", "source", "reddit,forum", "lang", "en"), "source IN ('reddit','forum') AND lang = 'en'", nil},
		{"negative", vals("topic", querytest.Acme, "from", "2026-02-10", "to", "2026-03-20", "sentiment", "negative"), "ts < -0.2", nil},
		{"neutral beta", vals("topic", querytest.Beta, "period", "8w", "sentiment", "neutral"), "ts >= -0.2 AND ts <= 0.2", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := query.ParseThemes(tc.v, querytest.Now)
			if err != nil {
				t.Fatal(err)
			}
			res, err := f.q.Themes(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			from, to := day(req.Filter.From), day(req.Filter.To)
			vol := f.independent(t, req.Filter.Topics[0], from, to, tc.cond)
			if res.Volume == nil || res.Volume.Posts != vol.posts || res.Volume.Authors != vol.authors || !near(res.Volume.AvgSentiment, vol.avg()) {
				t.Fatalf("volume = %+v, want %+v (avg %v)", res.Volume, vol, vol.avg())
			}
			got := map[string]query.ThemeRow{}
			for _, r := range res.Themes {
				got[r.Theme] = r
			}
			for _, th := range []string{"fears", "joys", "frustrations", "disappointments", "desires", "confusion"} {
				e := f.independent(t, req.Filter.Topics[0], from, to, tc.cond+" AND has(th, @theme)", clickhouse.Named("theme", th))
				r, ok := got[th]
				if e.authors < testK {
					if ok {
						t.Errorf("%s: %d authors shown, must be suppressed", th, e.authors)
					}
					continue
				}
				if !ok || r.Posts != e.posts || r.Authors != e.authors || !near(r.AvgSentiment, e.avg()) || !near(r.Share, float64(e.posts)/float64(vol.posts)) {
					t.Errorf("%s = %+v, want %+v avg %v", th, r, e, e.avg())
				}
			}
		})
	}
}

func day(t time.Time) string { return t.Format(time.DateOnly) }

func TestTrendMatchesPosts(t *testing.T) {
	f := loadFixture(t)
	for _, tc := range []struct{ iv, authors string }{{"day", "false"}, {"week", "false"}, {"day", "true"}, {"week", "true"}} {
		t.Run(tc.iv+"/authors="+tc.authors, func(t *testing.T) {
			req, err := query.ParseTrend(vals("topic", querytest.Acme, "from", "2026-02-02", "to", "2026-03-29", "interval", tc.iv, "theme", "fears", "lang", "en", "authors", tc.authors), querytest.Now)
			if err != nil {
				t.Fatal(err)
			}
			res, err := f.q.Trend(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Rows) == 0 {
				t.Fatal("no rows")
			}
			bucket := "toDate(created_at)"
			if tc.iv == "week" {
				bucket = "toMonday(toDate(created_at))"
			}
			for _, r := range res.Rows {
				cond := "lang = 'en' AND toString(" + bucket + ") = @b"
				if r.Series != "all" {
					cond += " AND has(th, @theme)"
				}
				e := f.independent(t, querytest.Acme, day(req.Filter.From), day(req.Filter.To), cond, clickhouse.Named("b", r.Start), clickhouse.Named("theme", r.Series))
				wantAuthors := e.authors
				if tc.authors == "false" {
					wantAuthors = 0 // not asked for
				}
				if r.Posts != e.posts || r.Authors != wantAuthors || !near(r.AvgSentiment, e.avg()) {
					t.Errorf("%s %s = %+v, want %+v (authors %d)", r.Start, r.Series, r, e, wantAuthors)
				}
				if r.Series != "all" && r.Series != "fears" {
					t.Errorf("series %q not asked for", r.Series)
				}
			}
		})
	}
}

func TestMoversMatchPosts(t *testing.T) {
	f := loadFixture(t)
	req, err := query.ParseMovers(vals("period", "30d", "min_volume", "5"), querytest.Now, 1000)
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.q.Movers(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	var fears *query.MoverRow
	for i, r := range res.Rows {
		if r.Topic == querytest.Acme && r.Theme == "fears" {
			fears = &res.Rows[i]
		}
		cur := f.independent(t, r.Topic, day(req.Filter.From), day(req.Filter.To), "has(th, @theme)", clickhouse.Named("theme", r.Theme))
		prevF := req.Filter.Previous()
		prev := f.independent(t, r.Topic, day(prevF.From), day(prevF.To), "has(th, @theme)", clickhouse.Named("theme", r.Theme))
		n1 := f.independent(t, r.Topic, day(req.Filter.From), day(req.Filter.To), "1")
		n2 := f.independent(t, r.Topic, day(prevF.From), day(prevF.To), "1")
		if r.Posts != cur.posts || r.PrevPosts != prev.posts {
			t.Errorf("%s/%s posts %d/%d, want %d/%d", r.Topic, r.Theme, r.Posts, r.PrevPosts, cur.posts, prev.posts)
		}
		z, _ := query.TwoProportionZ(float64(cur.posts), float64(n1.posts), float64(prev.posts), float64(n2.posts))
		if math.Abs(z-r.Z) > 0.01 {
			t.Errorf("%s/%s z=%v want %v", r.Topic, r.Theme, r.Z, z)
		}
	}
	if fears == nil || !fears.Significant || fears.Lift == nil || *fears.Lift < 1.5 || res.Rows[0] != *fears {
		t.Fatalf("acme fears should be the top significant mover: %+v (rows %+v)", fears, res.Rows)
	}
	// Two kinds of filters (q_theme_cube: full weeks on each side of the
	// current period's start, the days around them).
	req2, err := query.ParseMovers(vals("period", "30d", "min_volume", "1", "source", "reddit,forum", "lang", "en"), querytest.Now, 1000)
	if err != nil {
		t.Fatal(err)
	}
	res2, err := f.q.Movers(t.Context(), req2)
	if err != nil {
		t.Fatal(err)
	}
	if len(res2.Rows) == 0 {
		t.Fatal("no movers with source and lang filters")
	}
	for _, r := range res2.Rows {
		cond := "source IN ('reddit','forum') AND lang = 'en' AND has(th, @theme)"
		cur := f.independent(t, r.Topic, day(req2.Filter.From), day(req2.Filter.To), cond, clickhouse.Named("theme", r.Theme))
		prevF := req2.Filter.Previous()
		prev := f.independent(t, r.Topic, day(prevF.From), day(prevF.To), cond, clickhouse.Named("theme", r.Theme))
		if r.Posts != cur.posts || r.PrevPosts != prev.posts {
			t.Errorf("source+lang %s/%s posts %d/%d, want %d/%d", r.Topic, r.Theme, r.Posts, r.PrevPosts, cur.posts, prev.posts)
		}
	}
	// Entity movers via entity_daily and via the posts drill-down (source filter).
	for _, v := range []url.Values{vals("by", "entity", "topic", querytest.Acme, "min_volume", "5"), vals("by", "entity", "topic", querytest.Acme, "source", "reddit", "min_volume", "5")} {
		req, err := query.ParseMovers(v, querytest.Now, 1000)
		if err != nil {
			t.Fatal(err)
		}
		res, err := f.q.Movers(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rows) == 0 {
			t.Fatalf("%v: no entity movers", v)
		}
		src := "1"
		if len(req.Filter.Sources) > 0 {
			src = "source = 'reddit'"
		}
		for _, r := range res.Rows {
			e := f.independent(t, r.Topic, day(req.Filter.From), day(req.Filter.To), src+" AND has(ents, @e)", clickhouse.Named("e", r.Entity))
			if r.Posts != e.posts {
				t.Errorf("%v: entity %s posts %d, want %d", v, r.Entity, r.Posts, e.posts)
			}
		}
	}
}

// TestDriversMatchPosts checks drivers against SQL over posts, unfiltered
// (exact counts over the whole period from q_driver_day, authors exact up
// to 16, 17: more), with each kind of filter (from q_driver_dims, the same
// per source, lang and sentiment label) and with two or three kinds (from
// q_driver_combo, per combination of the three).
func TestDriversMatchPosts(t *testing.T) {
	f := loadFixture(t)
	for _, tc := range []struct {
		name string
		v    url.Values
		cond string
	}{
		{"all", nil, "1"},
		{"sources", vals("source", "reddit,forum"), "source IN ('reddit','forum')"},
		{"lang", vals("lang", "de"), "lang = 'de'"},
		{"negative", vals("sentiment", "negative"), "ts < -0.2"},
		{"source+lang", url.Values{"source": {"reddit,forum"}, "lang": {"en"}}, "source IN ('reddit','forum') AND lang = 'en'"},
		{"lang+negative", url.Values{"lang": {"en"}, "sentiment": {"negative"}}, "lang = 'en' AND ts < -0.2"},
		{"sources+positive", url.Values{"source": {"reddit,forum"}, "sentiment": {"positive"}}, "source IN ('reddit','forum') AND ts > 0.2"},
		{"mixed", url.Values{"source": {"reddit,forum,twitter"}, "lang": {"en"}, "sentiment": {"positive"}}, "source IN ('reddit','forum','twitter') AND lang = 'en' AND ts > 0.2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := vals("topic", querytest.Acme, "theme", "fears", "period", "60d", "min_count", "3")
			for k, x := range tc.v {
				v[k] = x
			}
			req, err := query.ParseDrivers(v, querytest.Now, 1000)
			if err != nil {
				t.Fatal(err)
			}
			res, err := f.q.Drivers(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			from, to := day(req.Filter.From), day(req.Filter.To)
			independent := func(cond string, extra ...any) expect {
				return f.independent(t, querytest.Acme, from, to, tc.cond+" AND "+cond, extra...)
			}
			th := independent("has(th, 'fears')")
			vol := independent("1")
			if res.ThemePosts != th.posts || res.TopicPosts != vol.posts {
				t.Fatalf("theme/topic posts %d/%d, want %d/%d", res.ThemePosts, res.TopicPosts, th.posts, vol.posts)
			}
			const upTo = 16 // from the daily tables
			if res.Sampled || res.AuthorsUpTo != upTo || res.ThemeSample != th.posts || res.TopicSample != vol.posts {
				t.Fatalf("sampled %v, authors up to %d, samples %d/%d: want the whole groups, authors up to %d", res.Sampled, res.AuthorsUpTo, res.ThemeSample, res.TopicSample, upTo)
			}
			authors := func(n uint64) uint64 { return min(n, upTo+1) }
			if len(res.Entities) == 0 || len(res.Terms) == 0 {
				t.Fatalf("no drivers: %+v", res)
			}
			if tc.name == "all" && res.Entities[0].Name != "Battery" {
				t.Fatalf("Battery should drive acme fears: %+v", res.Entities)
			}
			check := func(kind string, d query.DriverRow, cond string, arg any) {
				t.Helper()
				a := independent("has(th, 'fears') AND "+cond, clickhouse.Named("x", arg))
				b := independent(cond, clickhouse.Named("x", arg))
				want := (float64(a.posts) / float64(th.posts)) / (float64(b.posts) / float64(vol.posts))
				if d.Count != a.posts || d.Baseline != b.posts || d.Authors != authors(a.authors) || math.Abs(d.Lift-want) > 1e-3 {
					t.Errorf("%s %s = %+v, want count %d baseline %d authors %d lift %.3f", kind, d.Name, d, a.posts, b.posts, authors(a.authors), want)
				}
			}
			for _, e := range res.Entities {
				check("entity", e, "has(ents, @x)", e.Name)
			}
			// Terms: the fears phrases must rank above the rest.
			top := map[string]bool{}
			for _, tm := range res.Terms[:min(5, len(res.Terms))] {
				top[tm.Name] = true
			}
			if !top["worried"] && !top["scared"] && !top["afraid"] && !top["swell"] && !top["cracks"] && !top["bricks"] {
				t.Errorf("fear terms missing from the top: %+v", res.Terms)
			}
			for _, tm := range res.Terms {
				check("term", tm, "has(extractAll(lowerUTF8(text), '\\\\p{L}{4,}'), @x)", tm.Name)
			}
		})
	}
}

// TestDriversSampled checks the sampled drivers analysis (query.drivers:
// sample; here with lang and source filters): each side is exactly the
// most recent min(posts, sample) posts (ties broken by post_id), whether
// the first, narrowed read was enough or the whole period was read again,
// and the counts are those of that sample.
func TestDriversSampled(t *testing.T) {
	f := loadFixture(t)
	for _, sample := range []int{7, 40, 150} {
		t.Run(strconv.Itoa(sample), func(t *testing.T) {
			q, err := query.New(f.conn, query.Options{Database: f.db, MinAuthors: 1, Timeout: 20 * time.Second, DriversSample: sample,
				DriversSampled: true, Now: func() time.Time { return querytest.Now }})
			if err != nil {
				t.Fatal(err)
			}
			req, err := query.ParseDrivers(vals("topic", querytest.Acme, "theme", "fears", "period", "60d", "lang", "en", "source", "reddit,forum", "min_count", "1", "limit", "1000"), querytest.Now, 1000)
			if err != nil {
				t.Fatal(err)
			}
			res, err := q.Drivers(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Sampled || res.ThemeSample != min(uint64(sample), res.ThemePosts) || res.TopicSample != min(uint64(sample), res.TopicPosts) {
				t.Fatalf("sampled %v, samples %d/%d of %d/%d posts, want %d each", res.Sampled, res.ThemeSample, res.TopicSample, res.ThemePosts, res.TopicPosts, sample)
			}
			// The sample, independently: the most recent posts of acme x fears.
			sql := "SELECT e, count() FROM (SELECT post_id, created_at, entity_canonical AS ents FROM " + f.db + ".posts" +
				" WHERE has(topic_ids, @topic) AND has(topic_themes[indexOf(topic_ids, @topic)], 'fears') AND lang = 'en' AND source IN ('reddit', 'forum')" +
				" AND created_at >= toDateTime(@from, 'UTC') AND created_at < toDateTime(@to, 'UTC')" +
				" ORDER BY created_at DESC, post_id DESC LIMIT @n) ARRAY JOIN arrayDistinct(ents) AS e GROUP BY e"
			rows, err := f.conn.Query(t.Context(), sql, clickhouse.Named("topic", querytest.Acme), clickhouse.Named("n", sample),
				clickhouse.Named("from", day(req.Filter.From)+" 00:00:00"), clickhouse.Named("to", day(req.Filter.To)+" 00:00:00"))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]uint64{}
			for rows.Next() {
				var e string
				var n uint64
				if err := rows.Scan(&e, &n); err != nil {
					t.Fatal(err)
				}
				want[e] = n
			}
			rows.Close()
			if len(res.Entities) == 0 {
				t.Fatal("no entities")
			}
			for _, e := range res.Entities {
				if e.Count != want[e.Name] {
					t.Errorf("%s: count %d in the sample, want %d", e.Name, e.Count, want[e.Name])
				}
			}
		})
	}
}

func TestQuotes(t *testing.T) {
	f := loadFixture(t)
	for _, order := range []string{"recent", "typical"} {
		t.Run(order, func(t *testing.T) {
			req, err := query.ParseQuotes(vals("topic", querytest.Acme, "theme", "fears", "order", order, "limit", "6"), querytest.Now)
			if err != nil {
				t.Fatal(err)
			}
			res, err := f.q.Quotes(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Quotes) == 0 || len(res.Quotes) > 6 {
				t.Fatalf("%d quotes", len(res.Quotes))
			}
			seen := map[string]bool{}
			perSource := map[string]int{}
			for _, q := range res.Quotes {
				norm := strings.Join(strings.FieldsFunc(strings.ToLower(q.Text), func(r rune) bool { return !('a' <= r && r <= 'z') }), " ")
				if seen[norm] {
					t.Errorf("near-duplicate quote %q", q.Text)
				}
				seen[norm] = true
				perSource[q.Source]++
				// Every quote is a fears post of the topic in the period.
				e := f.independent(t, querytest.Acme, day(req.Filter.From), day(req.Filter.To), "has(th, 'fears') AND text = @text", clickhouse.Named("text", q.Text))
				if e.posts == 0 {
					t.Errorf("quote %q is not an acme fears post of the period", q.Text)
				}
			}
			for s, n := range perSource {
				if n > 3 {
					t.Errorf("%d quotes from %s, want at most 3", n, s)
				}
			}
			if order == "recent" {
				for i := 1; i < len(res.Quotes); i++ {
					if res.Quotes[i].Day > res.Quotes[i-1].Day {
						t.Errorf("not recent first: %v", res.Quotes)
					}
				}
			}
		})
	}
}

func TestSOVMatchesPosts(t *testing.T) {
	f := loadFixture(t)
	for _, authors := range []string{"false", "true"} {
		t.Run("authors="+authors, func(t *testing.T) {
			req, err := query.ParseSOV(vals("period", "30d", "lang", "en", "authors", authors), querytest.Now)
			if err != nil {
				t.Fatal(err)
			}
			res, err := f.q.SOV(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Rows) != 2 {
				t.Fatalf("rows %+v, want acme and beta only", res.Rows)
			}
			var total uint64
			for _, r := range res.Rows {
				e := f.independent(t, r.Topic, day(req.Filter.From), day(req.Filter.To), "lang = 'en'")
				wantAuthors := e.authors
				if authors == "false" {
					wantAuthors = 0 // not asked for
				}
				if r.Posts != e.posts || r.Authors != wantAuthors || !near(r.AvgSentiment, e.avg()) {
					t.Errorf("%s = %+v, want %+v (authors %d)", r.Topic, r, e, wantAuthors)
				}
				total += e.posts
				if len(r.Themes) == 0 {
					t.Errorf("%s: no theme mix", r.Topic)
				}
				for _, th := range r.Themes {
					te := f.independent(t, r.Topic, day(req.Filter.From), day(req.Filter.To), "lang = 'en' AND has(th, @theme)", clickhouse.Named("theme", th.Theme))
					if th.Posts != te.posts || !near(th.Share, float64(te.posts)/float64(e.posts)) || !near(th.AvgSentiment, te.avg()) {
						t.Errorf("%s %s = %+v, want %+v", r.Topic, th.Theme, th, te)
					}
				}
			}
			for _, r := range res.Rows {
				if !near(r.Share, float64(r.Posts)/float64(total)) {
					t.Errorf("%s share %v, want %v", r.Topic, r.Share, float64(r.Posts)/float64(total))
				}
			}
		})
	}
}

// TestKAnonymityEverywhere asks every endpoint, through the HTTP API, every
// way that could surface tiny-brand (3 authors) or beta-mobile's confusion
// posts (3 authors): neither may appear in any response.
func TestKAnonymityEverywhere(t *testing.T) {
	f := loadFixture(t)
	srv := httpServer(t, f)
	targets := []string{
		"/api/v1/sov?period=60d",
		"/api/v1/sov?period=60d&theme=confusion",
		"/api/v1/sov?period=60d&topic=tiny-brand,beta-mobile",
		"/api/v1/sov?period=60d&authors=true",
		"/api/v1/sov?period=60d&theme=confusion&authors=true",
		"/api/v1/movers?period=30d&min_volume=1",
		"/api/v1/movers?period=30d&min_volume=1&by=entity",
		"/api/v1/movers?period=30d&min_volume=1&by=entity&source=reddit,forum,appstore",
		"/api/v1/movers?period=30d&min_volume=1&topic=tiny-brand",
		"/api/v1/movers?period=30d&min_volume=1&theme=confusion",
		"/api/v1/movers?period=30d&min_volume=1&sentiment=negative",
	}
	for _, topic := range []string{querytest.Tiny, querytest.Beta} {
		targets = append(targets,
			"/api/v1/themes?period=60d&topic="+topic,
			"/api/v1/themes?period=60d&sentiment=negative&topic="+topic,
			"/api/v1/trend?period=60d&topic="+topic,
			"/api/v1/trend?period=60d&interval=week&topic="+topic,
			"/api/v1/trend?period=60d&authors=true&topic="+topic,
			"/api/v1/trend?period=60d&interval=week&authors=true&topic="+topic,
			"/api/v1/drivers?period=60d&theme=confusion&min_count=1&topic="+topic,
			"/api/v1/drivers?period=60d&theme=joys&min_count=1&topic="+topic,
			"/api/v1/quotes?period=60d&theme=confusion&topic="+topic,
			"/api/v1/quotes?period=60d&theme=fears&topic="+topic,
			"/api/v1/breakdown?period=60d&by=source&topic="+topic,
			"/api/v1/breakdown?period=60d&by=lang&theme=confusion&topic="+topic,
		)
	}
	for _, target := range targets {
		body := get(t, srv, target, http.StatusOK)
		if strings.Contains(body, querytest.Tiny) && !strings.Contains(target, "topic="+querytest.Tiny) {
			t.Errorf("%s mentions %s: %s", target, querytest.Tiny, body)
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatal(err)
		}
		// Walk the response: no object with a topic of tiny-brand or a
		// confusion theme/series may carry numbers, and every authors
		// count shown is >= k.
		walk(v, func(m map[string]any) {
			if a, ok := m["authors"].(float64); ok && a < testK {
				t.Errorf("%s: group with %v authors: %v", target, a, m)
			}
			if m["topic"] == querytest.Tiny && (m["posts"] != nil || m["volume"] != nil) {
				if vol, ok := m["volume"]; !ok || vol != nil || len(m["themes"].([]any)) > 0 {
					t.Errorf("%s: tiny-brand shown: %v", target, m)
				}
			}
			if m["theme"] == "confusion" || m["series"] == "confusion" {
				if _, hasPosts := m["posts"]; hasPosts {
					t.Errorf("%s: confusion group shown: %v", target, m)
				}
				if qs, ok := m["quotes"].([]any); ok && len(qs) > 0 {
					t.Errorf("%s: confusion quotes shown", target)
				}
			}
		})
		if target == "/api/v1/themes?period=60d&topic="+querytest.Tiny && !strings.Contains(body, `"volume":null`) {
			t.Errorf("tiny-brand volume not suppressed: %s", body)
		}
		if target == "/api/v1/sov?period=60d&theme=confusion" && !strings.Contains(body, `"rows":[]`) {
			t.Errorf("confusion share of voice not suppressed: %s", body)
		}
		if strings.Contains(body, "confused about the warranty") {
			t.Errorf("%s: a confusion quote leaked", target)
		}
	}
}

func walk(v any, fn func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		fn(x)
		for _, c := range x {
			walk(c, fn)
		}
	case []any:
		for _, c := range x {
			walk(c, fn)
		}
	}
}

const itToken = "ut_integration_reader"

func httpServer(t *testing.T, f *fixture) http.Handler {
	t.Helper()
	a, err := auth.New(auth.Options{Tokens: []auth.Token{{Name: "it", SHA256: auth.Hash(itToken), Scopes: []string{"read"}}}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := query.NewServer(query.ServerOptions{Querier: f.q, Auth: a, Now: func() time.Time { return querytest.Now }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func get(t *testing.T, h http.Handler, target string, want int) string {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.Header.Set("Authorization", "Bearer "+itToken)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != want {
		t.Fatalf("%s: %d %s", target, w.Code, w.Body.String())
	}
	return w.Body.String()
}

// TestBindingResistsInjection calls the Querier directly with hostile
// values that the HTTP layer would have refused: bound parameters keep them
// data, so queries succeed, find nothing and the tables survive.
func TestBindingResistsInjection(t *testing.T) {
	f := loadFixture(t)
	for _, inj := range []string{"' OR 1=1 --", "x'); DROP TABLE " + f.db + ".posts; --", "\\' OR \\'1\\'=\\'1", "@topic", "acme-phone' OR topic != '"} {
		flt := query.Filter{Topics: []string{inj}, From: querytest.Now.AddDate(0, 0, -60), To: querytest.Now.AddDate(0, 0, 1).Truncate(24 * time.Hour),
			Sources: []string{inj}, Langs: []string{inj}, Themes: []string{"fears"}}
		res, err := f.q.Themes(t.Context(), query.ThemesRequest{Filter: flt})
		if err != nil || res.Volume != nil || len(res.Themes) != 0 {
			t.Errorf("themes %q: %+v %v", inj, res, err)
		}
		qr, err := f.q.Quotes(t.Context(), query.QuotesRequest{Filter: flt, Order: "recent", Limit: 5})
		if err != nil || len(qr.Quotes) != 0 {
			t.Errorf("quotes %q: %+v %v", inj, qr, err)
		}
		dr, err := f.q.Drivers(t.Context(), query.DriversRequest{Filter: flt, Kind: "both", MinCount: 1, Limit: 5})
		if err != nil || len(dr.Entities)+len(dr.Terms) != 0 {
			t.Errorf("drivers %q: %+v %v", inj, dr, err)
		}
		mv, err := f.q.Movers(t.Context(), query.MoversRequest{Filter: flt, By: "entity", MinVolume: 1, Alpha: 0.05, Limit: 5})
		if err != nil || len(mv.Rows) != 0 {
			t.Errorf("movers %q: %+v %v", inj, mv, err)
		}
	}
	var n uint64
	if err := f.conn.QueryRow(t.Context(), "SELECT count() FROM "+f.db+".posts").Scan(&n); err != nil || n != uint64(len(f.rows)) {
		t.Fatalf("posts: %d %v", n, err)
	}
}

// TestResponsesMatchOpenAPI checks every 200 body against the document's
// schema for that operation: required properties present, no property the
// schema does not declare (additionalProperties is false throughout).
func TestResponsesMatchOpenAPI(t *testing.T) {
	f := loadFixture(t)
	srv := httpServer(t, f)
	var doc map[string]any
	if err := json.Unmarshal(query.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for _, target := range []string{
		"/api/v1/themes?topic=acme-phone", "/api/v1/trend?topic=acme-phone&interval=week",
		"/api/v1/movers?min_volume=1", "/api/v1/movers?by=entity&min_volume=1",
		"/api/v1/drivers?topic=acme-phone&theme=fears&min_count=2", "/api/v1/quotes?topic=acme-phone&theme=joys&order=typical",
		"/api/v1/sov", "/api/v1/sov?theme=fears", "/api/v1/breakdown?topic=acme-phone&by=lang",
	} {
		path, _, _ := strings.Cut(target, "?")
		op := doc["paths"].(map[string]any)[path].(map[string]any)["get"].(map[string]any)
		ref := op["responses"].(map[string]any)["200"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)["$ref"].(string)
		var body any
		if err := json.Unmarshal([]byte(get(t, srv, target, http.StatusOK)), &body); err != nil {
			t.Fatal(err)
		}
		checkSchema(t, target, schemas, map[string]any{"$ref": ref}, body)
	}
}

func checkSchema(t *testing.T, at string, schemas map[string]any, s map[string]any, v any) {
	t.Helper()
	if ref, ok := s["$ref"].(string); ok {
		s = schemas[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
	}
	if one, ok := s["oneOf"].([]any); ok {
		if v == nil {
			return
		}
		s = one[0].(map[string]any)
		checkSchema(t, at, schemas, s, v)
		return
	}
	switch s["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			t.Errorf("%s: want object, got %T", at, v)
			return
		}
		props := s["properties"].(map[string]any)
		for _, r := range s["required"].([]any) {
			if _, ok := m[r.(string)]; !ok {
				t.Errorf("%s: missing required %s", at, r)
			}
		}
		for k, val := range m {
			ps, ok := props[k]
			if !ok {
				t.Errorf("%s: undocumented property %s", at, k)
				continue
			}
			checkSchema(t, at+"."+k, schemas, ps.(map[string]any), val)
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			t.Errorf("%s: want array, got %T", at, v)
			return
		}
		for i, it := range arr {
			checkSchema(t, fmt.Sprintf("%s[%d]", at, i), schemas, s["items"].(map[string]any), it)
		}
	case "string":
		if _, ok := v.(string); !ok {
			t.Errorf("%s: want string, got %T", at, v)
		}
	case "integer", "number":
		if _, ok := v.(float64); !ok {
			t.Errorf("%s: want number, got %T", at, v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			t.Errorf("%s: want boolean, got %T", at, v)
		}
	}
}

// TestTimeoutAndCache: a query over query.timeout answers 503 "timeout";
// with query.cache_ttl an identical request is served from the cache.
func TestTimeoutAndCache(t *testing.T) {
	f := loadFixture(t)
	a, _ := auth.New(auth.Options{Tokens: []auth.Token{{Name: "it", SHA256: auth.Hash(itToken), Scopes: []string{"read"}}}})
	slow, err := query.New(f.conn, query.Options{Database: f.db, MinAuthors: testK, Timeout: time.Nanosecond, Now: func() time.Time { return querytest.Now }})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := query.NewServer(query.ServerOptions{Querier: slow, Auth: a, Now: func() time.Time { return querytest.Now }})
	body := get(t, s, "/api/v1/sov", http.StatusServiceUnavailable)
	if !strings.Contains(body, `"code":"timeout"`) {
		t.Fatalf("timeout body %s", body)
	}
	cached, _ := query.NewServer(query.ServerOptions{Querier: f.q, Auth: a, CacheTTL: time.Minute, Now: func() time.Time { return querytest.Now }})
	first := get(t, cached, "/api/v1/themes?topic=acme-phone", http.StatusOK)
	r := httptest.NewRequest(http.MethodGet, "/api/v1/themes?topic=acme-phone", nil)
	r.Header.Set("Authorization", "Bearer "+itToken)
	w := httptest.NewRecorder()
	cached.ServeHTTP(w, r)
	if w.Header().Get("X-Cache") != "hit" || w.Body.String() != first {
		t.Fatalf("second request not served from cache: %v", w.Header())
	}
}
