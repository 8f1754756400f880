//go:build integration

package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/undertone/undertone/post"
	"github.com/undertone/undertone/store"
	"github.com/undertone/undertone/store/storetest"
)

// migrated returns a store.Config for a fresh database on addr with the
// schema applied, and a connection to it.
func migrated(t testing.TB, addr, db string) (store.Config, driver.Conn) {
	t.Helper()
	cfg := store.Config{Addr: []string{addr}, Database: db, Username: "default"}
	conn, err := store.Dial(t.Context(), cfg, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	if _, err := store.NewMigrator(conn, cfg.Schema(), nil).Up(t.Context()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return cfg, conn
}

func writeAll(t testing.TB, w *store.Writer, posts []post.Enriched, batch int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	for lo := 0; lo < len(posts); lo += batch {
		if err := w.Write(ctx, posts[lo:min(lo+batch, len(posts))]); err != nil {
			t.Fatalf("write batch at %d: %v", lo, err)
		}
	}
}

func count(t testing.TB, conn driver.Conn, q string) uint64 { return storetest.Count(t, conn, q) }

func checkExact(t testing.TB, conn driver.Conn, db string, want []post.Enriched) {
	storetest.CheckExact(t, conn, db, want)
}
