//go:build integration

package query_test

import (
	"context"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/undertone/undertone/query"
	"github.com/undertone/undertone/query/querytest"
)

// TestWeeklyTableNotBackfilled is a database that had posts before
// migration 0011: q_theme_week misses them. Answers that would read full
// weeks from it must still match the posts (read from the daily table),
// and once the weekly table is backfilled they must not change.
func TestWeeklyTableNotBackfilled(t *testing.T) {
	ctx := t.Context()
	conn, db := seededDB(t)
	// Empty the weekly table, as on a database migrated without backfill.
	if err := conn.Exec(ctx, "TRUNCATE TABLE "+db+".q_theme_week"); err != nil {
		t.Fatal(err)
	}
	ask := func() (query.ThemesResult, query.SOVResult) {
		t.Helper()
		q, err := query.New(conn, query.Options{Database: db, MinAuthors: 1, Timeout: 20 * time.Second,
			Now: func() time.Time { return querytest.Now }, Settings: clickhouse.Settings{"log_queries": 1}})
		if err != nil {
			t.Fatal(err)
		}
		tr, err := query.ParseThemes(vals("topic", querytest.Acme, "period", "60d", "lang", "en"), querytest.Now)
		if err != nil {
			t.Fatal(err)
		}
		th, err := q.Themes(ctx, tr)
		if err != nil {
			t.Fatal(err)
		}
		sr, err := query.ParseSOV(vals("period", "60d", "authors", "true"), querytest.Now)
		if err != nil {
			t.Fatal(err)
		}
		sov, err := q.SOV(ctx, sr)
		if err != nil {
			t.Fatal(err)
		}
		return th, sov
	}
	th, sov := ask()
	var posts, authors uint64
	from, to := querytest.Now.AddDate(0, 0, -59).Format(time.DateOnly), querytest.Now.AddDate(0, 0, 1).Format(time.DateOnly)
	if err := conn.QueryRow(ctx, "SELECT count(), uniqExact(author_pseudonym) FROM "+db+".posts WHERE has(topic_ids, @topic) AND lang = 'en'"+
		" AND created_at >= toDateTime(@from, 'UTC') AND created_at < toDateTime(@to, 'UTC')",
		clickhouse.Named("topic", querytest.Acme), clickhouse.Named("from", from+" 00:00:00"), clickhouse.Named("to", to+" 00:00:00")).Scan(&posts, &authors); err != nil {
		t.Fatal(err)
	}
	if th.Volume == nil || th.Volume.Posts != posts || th.Volume.Authors != authors {
		t.Fatalf("themes volume %+v with the weekly table empty, want %d posts, %d authors (period %s..%s)", th.Volume, posts, authors, th.Period.From, th.Period.To)
	}
	if err := backfillWeeks(ctx, conn, db); err != nil {
		t.Fatal(err)
	}
	th2, sov2 := ask()
	if th2.Volume == nil || *th2.Volume != *th.Volume || len(th2.Themes) != len(th.Themes) {
		t.Fatalf("after backfill: %+v, before %+v", th2.Volume, th.Volume)
	}
	for i := range th.Themes {
		if th.Themes[i] != th2.Themes[i] {
			t.Errorf("theme %s: %+v before backfill, %+v after", th.Themes[i].Theme, th.Themes[i], th2.Themes[i])
		}
	}
	if len(sov.Rows) == 0 || len(sov.Rows) != len(sov2.Rows) {
		t.Fatalf("share of voice rows %d before backfill, %d after", len(sov.Rows), len(sov2.Rows))
	}
	for i := range sov.Rows {
		a, b := sov.Rows[i], sov2.Rows[i]
		if a.Topic != b.Topic || a.Posts != b.Posts || a.Authors != b.Authors || a.AvgSentiment != b.AvgSentiment {
			t.Errorf("share of voice %s: %+v before backfill, %+v after", a.Topic, a, b)
		}
	}
}

// backfillWeeks fills q_theme_week from q_theme_dims (what docs/api.md
// tells operators to run once, with writers stopped).
func backfillWeeks(ctx context.Context, conn clickhouse.Conn, db string) error {
	return conn.Exec(ctx, "INSERT INTO "+db+".q_theme_week (week, dim, topic, theme, value, post_count, sentiment_sum, authors, authors_k)"+
		" SELECT toMonday(day) AS week, dim, topic, theme, value, countMergeState(post_count), sumMergeState(sentiment_sum),"+
		" uniqHLL12MergeState(authors), uniqUpToMergeState(16)(authors_k) FROM "+db+".q_theme_dims GROUP BY week, dim, topic, theme, value")
}
