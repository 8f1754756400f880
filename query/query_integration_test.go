//go:build integration

package query_test

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

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
			ReadOnlySetting: true, Now: func() time.Time { return querytest.Now }})
		fix = f
	})
	if fixErr != nil {
		t.Fatalf("fixture: %v", fixErr)
	}
	return fix
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
		_ = fix.conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+fix.db)
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
	for _, iv := range []string{"day", "week"} {
		t.Run(iv, func(t *testing.T) {
			req, err := query.ParseTrend(vals("topic", querytest.Acme, "from", "2026-02-02", "to", "2026-03-29", "interval", iv, "theme", "fears", "lang", "en"), querytest.Now)
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
			if iv == "week" {
				bucket = "toMonday(toDate(created_at))"
			}
			for _, r := range res.Rows {
				cond := "lang = 'en' AND toString(" + bucket + ") = @b"
				if r.Series != "all" {
					cond += " AND has(th, @theme)"
				}
				e := f.independent(t, querytest.Acme, day(req.Filter.From), day(req.Filter.To), cond, clickhouse.Named("b", r.Start), clickhouse.Named("theme", r.Series))
				if r.Posts != e.posts || r.Authors != e.authors || !near(r.AvgSentiment, e.avg()) {
					t.Errorf("%s %s = %+v, want %+v", r.Start, r.Series, r.Stats, e)
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

func TestDriversMatchPosts(t *testing.T) {
	f := loadFixture(t)
	req, err := query.ParseDrivers(vals("topic", querytest.Acme, "theme", "fears", "period", "60d", "min_count", "3"), querytest.Now, 1000)
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.q.Drivers(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	from, to := day(req.Filter.From), day(req.Filter.To)
	th := f.independent(t, querytest.Acme, from, to, "has(th, 'fears')")
	vol := f.independent(t, querytest.Acme, from, to, "1")
	if res.ThemePosts != th.posts || res.TopicPosts != vol.posts {
		t.Fatalf("theme/topic posts %d/%d, want %d/%d", res.ThemePosts, res.TopicPosts, th.posts, vol.posts)
	}
	if len(res.Entities) == 0 || res.Entities[0].Name != "Battery" {
		t.Fatalf("Battery should drive acme fears: %+v", res.Entities)
	}
	for _, e := range res.Entities {
		a := f.independent(t, querytest.Acme, from, to, "has(th, 'fears') AND has(ents, @e)", clickhouse.Named("e", e.Name))
		b := f.independent(t, querytest.Acme, from, to, "has(ents, @e)", clickhouse.Named("e", e.Name))
		want := (float64(a.posts) / float64(th.posts)) / (float64(b.posts) / float64(vol.posts))
		if e.Count != a.posts || e.Baseline != b.posts || e.Authors != a.authors || math.Abs(e.Lift-want) > 1e-3 {
			t.Errorf("entity %s = %+v, want count %d baseline %d authors %d lift %.3f", e.Name, e, a.posts, b.posts, a.authors, want)
		}
	}
	// Terms: the fears phrases must rank above the rest.
	if len(res.Terms) == 0 {
		t.Fatal("no terms")
	}
	top := map[string]bool{}
	for _, tm := range res.Terms[:min(5, len(res.Terms))] {
		top[tm.Name] = true
	}
	if !top["worried"] && !top["scared"] && !top["afraid"] && !top["swell"] && !top["cracks"] && !top["bricks"] {
		t.Errorf("fear terms missing from the top: %+v", res.Terms)
	}
	for _, tm := range res.Terms {
		a := f.independent(t, querytest.Acme, from, to, "has(th, 'fears') AND has(extractAll(lowerUTF8(text), '\\\\p{L}{4,}'), @w)", clickhouse.Named("w", tm.Name))
		if !res.TermsSampled && tm.Count != a.posts {
			t.Errorf("term %s count %d, want %d", tm.Name, tm.Count, a.posts)
		}
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
	req, err := query.ParseSOV(vals("period", "30d", "lang", "en"), querytest.Now)
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
		if r.Posts != e.posts || r.Authors != e.authors || !near(r.AvgSentiment, e.avg()) {
			t.Errorf("%s = %+v, want %+v", r.Topic, r.Stats, e)
		}
		total += e.posts
		for _, th := range r.Themes {
			te := f.independent(t, r.Topic, day(req.Filter.From), day(req.Filter.To), "lang = 'en' AND has(th, @theme)", clickhouse.Named("theme", th.Theme))
			if th.Posts != te.posts || !near(th.Share, float64(te.posts)/float64(e.posts)) {
				t.Errorf("%s %s = %+v, want %+v", r.Topic, th.Theme, th, te)
			}
		}
	}
	for _, r := range res.Rows {
		if !near(r.Share, float64(r.Posts)/float64(total)) {
			t.Errorf("%s share %v, want %v", r.Topic, r.Share, float64(r.Posts)/float64(total))
		}
	}
}
