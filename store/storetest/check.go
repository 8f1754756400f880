package storetest

import (
	"fmt"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/undertone/undertone/post"
)

// Count runs a query returning one UInt64.
func Count(t testing.TB, conn driver.Conn, q string) uint64 {
	t.Helper()
	var n uint64
	if err := conn.QueryRow(t.Context(), q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// ReadAggregates reads one aggregate table into storetest figures.
func ReadAggregates(t testing.TB, conn driver.Conn, db, table string) map[Key]Figures {
	t.Helper()
	var keyCols, countCol, buckets string
	switch table {
	case "topic_theme_daily":
		keyCols = "topic, theme, source, lang, '', ''"
		countCol = "countMerge(post_count)"
		buckets = "sumMerge(s_very_negative), sumMerge(s_negative), sumMerge(s_neutral), sumMerge(s_positive), sumMerge(s_very_positive)"
	case "topic_daily":
		keyCols = "topic, '', '', '', '', ''"
		countCol = "countMerge(post_count)"
		buckets = "sumMerge(s_very_negative), sumMerge(s_negative), sumMerge(s_neutral), sumMerge(s_positive), sumMerge(s_very_positive)"
	case "entity_daily":
		keyCols = "topic, '', '', '', entity, entity_type"
		countCol = "countMerge(mentions)"
		buckets = "toUInt64(0), toUInt64(0), toUInt64(0), toUInt64(0), toUInt64(0)"
	}
	q := fmt.Sprintf("SELECT toString(day), %s, %s, uniqExactMerge(authors), sumMerge(sentiment_sum), %s FROM %s.%s GROUP BY day, %s",
		keyCols, countCol, buckets, db, table, keyCols)
	rows, err := conn.Query(t.Context(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	out := map[Key]Figures{}
	for rows.Next() {
		var k Key
		var f Figures
		if err := rows.Scan(&k.Day, &k.Topic, &k.Theme, &k.Source, &k.Lang, &k.Entity, &k.EntityType,
			&f.Posts, &f.Authors, &f.SentSum, &f.Buckets[0], &f.Buckets[1], &f.Buckets[2], &f.Buckets[3], &f.Buckets[4]); err != nil {
			t.Fatalf("scan: %v", err)
		}
		out[k] = f
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// CheckExact asserts that posts and every aggregate equal the figures
// recomputed in Go from the distinct posts of want, exactly.
func CheckExact(t testing.TB, conn driver.Conn, db string, want []post.Enriched) {
	t.Helper()
	ex := Expect(want)
	if got := Count(t, conn, "SELECT count() FROM "+db+".posts FINAL"); got != uint64(ex.Posts) {
		t.Errorf("count() FROM posts FINAL = %d, want %d", got, ex.Posts)
	}
	if got := Count(t, conn, "SELECT count() FROM "+db+".posts"); got != uint64(ex.Posts) {
		t.Errorf("count() FROM posts (no FINAL) = %d, want %d: a post was inserted twice", got, ex.Posts)
	}
	for _, tc := range []struct {
		table string
		want  map[Key]Figures
	}{
		{"topic_theme_daily", ex.TopicThemeDaily},
		{"topic_daily", ex.TopicDaily},
		{"entity_daily", ex.EntityDaily},
	} {
		got := ReadAggregates(t, conn, db, tc.table)
		if tc.table == "entity_daily" {
			for k, f := range tc.want {
				f.Buckets = [5]uint64{}
				tc.want[k] = f
			}
		}
		bad := 0
		for k, w := range tc.want {
			if g := got[k]; g != w {
				if bad < 5 {
					t.Errorf("%s %+v: got %+v, want %+v", tc.table, k, g, w)
				}
				bad++
			}
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: %d rows, want %d", tc.table, len(got), len(tc.want))
		}
		if bad > 0 {
			t.Errorf("%s: %d of %d rows differ", tc.table, bad, len(tc.want))
		}
	}
	// mentions: the grain table holds one row per (post, topic, theme).
	var wantMentions uint64
	for _, f := range ex.TopicThemeDaily {
		wantMentions += f.Posts
	}
	if got := Count(t, conn, "SELECT count() FROM "+db+".mentions"); got != wantMentions {
		t.Errorf("mentions: %d rows, want %d", got, wantMentions)
	}
}
