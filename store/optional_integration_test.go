//go:build integration

package store_test

import (
	"testing"

	"github.com/undertone/undertone/internal/testenv"
	"github.com/undertone/undertone/store"
	"github.com/undertone/undertone/store/storetest"
)

// TestOptionalViews turns q_driver_dims_mv off (store.drivers_by_dimension:
// false) on a migrated database: MigrateHosts drops it, posts written then
// reach q_driver_day but not q_driver_dims; turned on again it is created
// again from its migration and the next posts reach both. Migrating again
// in the same state changes nothing.
func TestOptionalViews(t *testing.T) {
	addr := testenv.ClickHouse(t)
	db := testenv.Database(t, addr)
	cfg, conn := migrated(t, addr, db)
	view := func() uint64 {
		return count(t, conn, "SELECT count() FROM system.tables WHERE database = '"+db+"' AND name = 'q_driver_dims_mv'")
	}
	if view() != 1 {
		t.Fatal("a fresh schema lacks q_driver_dims_mv")
	}
	migrate := func(off ...string) {
		t.Helper()
		c := cfg
		c.ViewsOff = off
		if err := store.MigrateHosts(t.Context(), c, nil); err != nil {
			t.Fatal(err)
		}
	}
	w, _ := store.NewWriter(conn, cfg.Schema(), store.WriterConfig{SourceTopic: "t"}, store.Settings{})
	posts := storetest.Posts(600, 10, 2, 5)
	dims := func() uint64 {
		return count(t, conn, "SELECT countMerge(posts) FROM "+db+".q_driver_dims WHERE item = '#'")
	}
	day := func() uint64 {
		return count(t, conn, "SELECT countMerge(posts) FROM "+db+".q_driver_day WHERE item = '#'")
	}

	migrate("q_driver_dims_mv")
	migrate("q_driver_dims_mv")
	if view() != 0 {
		t.Fatal("q_driver_dims_mv still there with the view off")
	}
	writeAll(t, w, posts[:300], 300)
	if d, n := dims(), day(); d != 0 || n == 0 {
		t.Fatalf("view off: q_driver_dims counts %d posts (want 0), q_driver_day %d (want some)", d, n)
	}
	before := day()

	migrate()
	migrate()
	if view() != 1 {
		t.Fatal("q_driver_dims_mv not created again")
	}
	writeAll(t, w, posts[300:], 300)
	// Three dimensions: each grain counts once per source, lang and
	// sentiment label.
	if d, n := dims(), day(); n == before || d != 3*(n-before) {
		t.Fatalf("view on again: q_driver_dims counts %d, want 3 x %d (the new grains of q_driver_day)", d, n-before)
	}
}
