//go:build integration

package store_test

import (
	"fmt"
	"testing"

	"github.com/undertone/undertone/internal/testenv"
	"github.com/undertone/undertone/store"
	"github.com/undertone/undertone/store/storetest"
)

// BenchmarkWriterClickHouse measures Writer.Write of fresh posts into a real
// ClickHouse (dedupe lookup + one INSERT + every materialized view), in
// batches of 20,000 (sink.batch_size's default), for posts spread over 1 day
// (a live stream) and over 30 days (a backfill: many more aggregate groups
// per batch). The views=none case drops every materialized view first: the
// floor of the same Writer and rows with nothing derived.
func BenchmarkWriterClickHouse(b *testing.B) {
	for _, bc := range []struct {
		days    int
		noViews bool
	}{{1, false}, {30, false}, {1, true}} {
		name := fmt.Sprintf("days=%d", bc.days)
		if bc.noViews {
			name += "/views=none"
		}
		b.Run(name, func(b *testing.B) {
			addr := testenv.ClickHouse(b)
			db := testenv.Database(b, addr)
			cfg, conn := migrated(b, addr, db)
			if bc.noViews {
				views, err := testenv.MaterializedViews(b.Context(), conn, db)
				if err != nil {
					b.Fatal(err)
				}
				for _, v := range views {
					if err := conn.Exec(b.Context(), "DROP TABLE "+db+"."+v); err != nil {
						b.Fatal(err)
					}
				}
			}
			w, err := store.NewWriter(conn, cfg.Schema(), store.WriterConfig{SourceTopic: "bench"}, store.Settings{})
			if err != nil {
				b.Fatal(err)
			}
			const batch = 20000
			seed := uint64(100)
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				posts := storetest.Posts(batch, bc.days, 4, seed)
				seed++
				b.StartTimer()
				if err := w.Write(b.Context(), posts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
