//go:build integration

package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/testenv"
	"github.com/undertone/undertone/store"
	"github.com/undertone/undertone/store/storetest"
)

// TestRetention writes posts over four months, applies 60 days of
// retention as of mid-July: the March and April partitions of posts are
// dropped (checked in system.parts), May and June stay, and the aggregates
// and mentions are untouched.
func TestRetention(t *testing.T) {
	addr := testenv.ClickHouse(t)
	db := testenv.Database(t, addr)
	cfg, conn := migrated(t, addr, db)
	w, _ := store.NewWriter(conn, cfg.Schema(), store.WriterConfig{SourceTopic: "t"}, store.Settings{})
	posts := storetest.Posts(4000, 122, 2, 5) // 2026-03-01 .. 2026-06-30
	writeAll(t, w, posts, 4000)
	before := count(t, conn, "SELECT countMerge(post_count) FROM "+db+".topic_daily")
	mentions := count(t, conn, "SELECT count() FROM "+db+".mentions")

	r, err := store.NewRetention(conn, cfg.Schema(), 60, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC)
	dropped, err := r.Apply(t.Context(), now)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"202603", "202604"}; !slices.Equal(dropped, want) {
		t.Errorf("dropped %v, want %v", dropped, want)
	}
	rows, err := conn.Query(t.Context(), store.PartitionsQuery, db, "posts")
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for rows.Next() {
		var id string
		_ = rows.Scan(&id)
		left = append(left, id)
	}
	rows.Close()
	if want := []string{"202605", "202606"}; !slices.Equal(left, want) {
		t.Errorf("posts partitions left %v, want %v", left, want)
	}
	if n := count(t, conn, "SELECT count() FROM "+db+".posts WHERE created_at < toDateTime('2026-05-01 00:00:00', 'UTC')"); n != 0 {
		t.Errorf("%d posts older than May left", n)
	}
	// The query API's drill-down copy of the text (migration 0010) goes too.
	if n := count(t, conn, "SELECT count() FROM "+db+".q_theme_posts WHERE created_at < toDateTime('2026-05-01 00:00:00', 'UTC')"); n != 0 {
		t.Errorf("%d q_theme_posts rows older than May left", n)
	}
	// So do the daily counts of the posts' words (0012, 0013, 0015), and
	// only those months.
	for _, tbl := range []string{"q_driver_day", "q_driver_dims", "q_driver_combo"} {
		if n := count(t, conn, "SELECT count() FROM "+db+"."+tbl+" WHERE day < toDate('2026-05-01')"); n != 0 {
			t.Errorf("%d %s rows older than May left", n, tbl)
		}
		if n := count(t, conn, "SELECT count() FROM "+db+"."+tbl+" WHERE day >= toDate('2026-05-01')"); n == 0 {
			t.Errorf("no %s rows from May on left", tbl)
		}
	}
	if after := count(t, conn, "SELECT countMerge(post_count) FROM "+db+".topic_daily"); after != before {
		t.Errorf("aggregates changed by retention: %d -> %d", before, after)
	}
	if n := count(t, conn, "SELECT count() FROM "+db+".mentions"); n != mentions {
		t.Errorf("mentions changed by retention: %d -> %d", mentions, n)
	}
	// Idempotent.
	if again, err := r.Apply(t.Context(), now); err != nil || len(again) != 0 {
		t.Errorf("second Apply dropped %v, err %v", again, err)
	}
}
