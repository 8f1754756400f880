//go:build integration

package store_test

import (
	"testing"

	"github.com/undertone/undertone/internal/testenv"
	"github.com/undertone/undertone/store"
	"github.com/undertone/undertone/store/storetest"
)

// TestOptionalViews turns q_driver_dims_mv and q_driver_combo_mv off
// (store.drivers_by_dimension: false) on a migrated database: MigrateHosts
// drops them, posts written then reach q_driver_day but not q_driver_dims
// or q_driver_combo; turned on again they are created again from their
// migrations and the next posts reach all three. Migrating again in the
// same state changes nothing.
func TestOptionalViews(t *testing.T) {
	addr := testenv.ClickHouse(t)
	db := testenv.Database(t, addr)
	cfg, conn := migrated(t, addr, db)
	views := func() uint64 {
		return count(t, conn, "SELECT count() FROM system.tables WHERE database = '"+db+"' AND name IN ('q_driver_dims_mv', 'q_driver_combo_mv')")
	}
	if views() != 2 || len(store.OptionalViews) != 2 {
		t.Fatalf("a fresh schema has %d of the optional views %v, want both", views(), store.OptionalViews)
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
	combo := func() uint64 {
		return count(t, conn, "SELECT countMerge(posts) FROM "+db+".q_driver_combo WHERE item = '#'")
	}
	day := func() uint64 {
		return count(t, conn, "SELECT countMerge(posts) FROM "+db+".q_driver_day WHERE item = '#'")
	}

	migrate(store.OptionalViews...)
	migrate(store.OptionalViews...)
	if views() != 0 {
		t.Fatal("optional views still there with the views off")
	}
	writeAll(t, w, posts[:300], 300)
	if d, c, n := dims(), combo(), day(); d != 0 || c != 0 || n == 0 {
		t.Fatalf("views off: q_driver_dims counts %d posts, q_driver_combo %d (want 0), q_driver_day %d (want some)", d, c, n)
	}
	before := day()

	migrate()
	migrate()
	if views() != 2 {
		t.Fatal("optional views not created again")
	}
	writeAll(t, w, posts[300:], 300)
	// Three dimensions: each grain counts once per source, lang and
	// sentiment label; four times in the combinations (source x lang x
	// label, x every label, x every lang, every source x).
	if d, c, n := dims(), combo(), day(); n == before || d != 3*(n-before) || c != 4*(n-before) {
		t.Fatalf("views on again: q_driver_dims counts %d, q_driver_combo %d, want 3 x and 4 x %d (the new grains of q_driver_day)", d, c, n-before)
	}
}
