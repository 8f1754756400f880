//go:build integration

package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/undertone/undertone/internal/testenv"
	"github.com/undertone/undertone/store"
	"github.com/undertone/undertone/store/storetest"
)

// BenchmarkViewCost attributes the server's INSERT cost to each
// materialized view of the schema: for "none" (posts alone), each view
// alone, and "all", it inserts the same 20,000 posts (spread over 7 days)
// into a fresh database holding only those views and reports the
// ClickHouse CPU (user+sys, system.query_log ProfileEvents of the INSERT)
// per post. CPU is robust to the load of other jobs; wall time is not.
// Run: go test -tags integration -run '^$' -bench BenchmarkViewCost -benchtime 2x ./store/
func BenchmarkViewCost(b *testing.B) {
	addr := testenv.ClickHouse(b)
	probeDB := testenv.Database(b, addr)
	_, probe := migrated(b, addr, probeDB)
	views := materializedViews(b, probe, probeDB)
	const batch = 20000
	for _, keep := range append(append([]string{"none"}, views...), "all") {
		b.Run(keep, func(b *testing.B) {
			db := testenv.Database(b, addr)
			cfg, conn := migrated(b, addr, db)
			for _, v := range views {
				if keep != "all" && v != keep {
					if err := conn.Exec(b.Context(), "DROP TABLE "+db+"."+v); err != nil {
						b.Fatal(err)
					}
				}
			}
			w, err := store.NewWriter(conn, cfg.Schema(), store.WriterConfig{SourceTopic: "bench"}, store.Settings{})
			if err != nil {
				b.Fatal(err)
			}
			var ids []string
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				// The same rows each round, as new posts (fresh post_ids).
				ps := storetest.Posts(batch, 7, 4, 7)
				for i := range ps {
					ps[i].PostID = fmt.Sprintf("%s-%d", ps[i].PostID, len(ids))
				}
				qid := fmt.Sprintf("viewcost-%s-%d", db, time.Now().UnixNano())
				ids = append(ids, qid)
				ctx := clickhouse.Context(b.Context(), clickhouse.WithQueryID(qid))
				b.StartTimer()
				if err := w.Write(ctx, ps); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			us := insertCPU(b, conn, ids)
			b.ReportMetric(us/float64(batch*len(ids)), "server-us/post")
		})
	}
}

func materializedViews(b *testing.B, conn driver.Conn, db string) []string {
	views, err := testenv.MaterializedViews(b.Context(), conn, db)
	if err != nil {
		b.Fatal(err)
	}
	return views
}

// insertCPU sums user+system CPU microseconds of the finished queries with
// the given ids, waiting for query_log to hold them all.
func insertCPU(b *testing.B, conn driver.Conn, ids []string) float64 {
	ctx, cancel := context.WithTimeout(b.Context(), time.Minute)
	defer cancel()
	for {
		_ = conn.Exec(ctx, "SYSTEM FLUSH LOGS")
		var n, us uint64
		err := conn.QueryRow(ctx, "SELECT count(), sum(ProfileEvents.Values[indexOf(ProfileEvents.Names, 'UserTimeMicroseconds')] + "+
			"ProfileEvents.Values[indexOf(ProfileEvents.Names, 'SystemTimeMicroseconds')]) FROM system.query_log "+
			"WHERE type = 2 AND event_date >= yesterday() AND has(?, query_id) AND query LIKE 'INSERT%'", ids).Scan(&n, &us)
		if err != nil {
			b.Fatal(err)
		}
		if int(n) >= len(ids) {
			return float64(us)
		}
		select {
		case <-ctx.Done():
			b.Fatalf("query_log holds %d of %d inserts", n, len(ids))
		case <-time.After(time.Second):
		}
	}
}
