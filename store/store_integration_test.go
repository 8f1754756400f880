//go:build integration

package store_test

import (
	"context"
	"errors"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/testenv"
	"github.com/undertone/undertone/post"
	"github.com/undertone/undertone/store"
	"github.com/undertone/undertone/store/storetest"
)

// TestMigrateConcurrent runs two migrators at once on a fresh database (as
// two processes would: separate connections), then a third: all succeed,
// the schema is complete and every version is recorded once.
func TestMigrateConcurrent(t *testing.T) {
	addr := testenv.ClickHouse(t)
	db := testenv.UniqueName(t, "test_")
	cfg := store.Config{Addr: []string{addr}, Database: db, Username: "default"}
	t.Cleanup(func() {
		// t.Context() is already canceled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := store.Dial(ctx, cfg, nil)
		if err == nil {
			_ = testenv.DropDatabase(ctx, conn, db)
			_ = conn.Close()
		}
	})
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			conn, err := store.Dial(t.Context(), cfg, nil)
			if err != nil {
				errs[i] = err
				return
			}
			defer conn.Close()
			_, errs[i] = store.NewMigrator(conn, cfg.Schema(), nil).Up(t.Context())
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent migrate: %v", err)
	}
	conn, err := store.Dial(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	m := store.NewMigrator(conn, cfg.Schema(), nil)
	applied, err := m.Up(t.Context())
	if err != nil || len(applied) != 0 {
		t.Fatalf("third Up applied %v, err %v; want nothing", applied, err)
	}
	st, err := m.Status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if !s.Applied || s.Modified {
			t.Errorf("migration %d: applied=%v modified=%v", s.Version, s.Applied, s.Modified)
		}
	}
	migs, err := store.Migrations(cfg.Schema())
	if err != nil {
		t.Fatal(err)
	}
	// One table per CREATE statement, less those a later migration drops
	// (0010 replaces the query API's 0002/0003 tables), + schema_migrations.
	created := map[string]bool{}
	createRE := regexp.MustCompile(`(?m)^CREATE (?:TABLE|MATERIALIZED VIEW) IF NOT EXISTS (\S+)`)
	dropRE := regexp.MustCompile(`(?m)^DROP TABLE IF EXISTS (\S+)`)
	for _, m := range migs {
		for _, st := range m.Statements {
			for _, c := range createRE.FindAllStringSubmatch(st, -1) {
				created[c[1]] = true
			}
			for _, d := range dropRE.FindAllStringSubmatch(st, -1) {
				delete(created, d[1])
			}
		}
	}
	want := uint64(len(created)) + 1
	if got := count(t, conn, "SELECT count() FROM system.tables WHERE database = '"+db+"'"); got != want {
		t.Errorf("%d tables in %s, want %d (one per CREATE statement not dropped later + schema_migrations)", got, db, want)
	}
	if got := count(t, conn, "SELECT uniqExact(version) FROM "+db+".schema_migrations"); got != uint64(len(st)) {
		t.Errorf("%d versions recorded, want %d", got, len(st))
	}
}

// TestWriterExactlyOnce writes generated posts in batches, then writes
// overlapping batches again and a batch with repeats inside it: posts and
// every aggregate equal the recomputation from the distinct posts.
func TestWriterExactlyOnce(t *testing.T) {
	addr := testenv.ClickHouse(t)
	db := testenv.Database(t, addr)
	cfg, conn := migrated(t, addr, db)
	// A small LookupChunk exercises multi-query dedupe lookups.
	w, err := store.NewWriter(conn, cfg.Schema(), store.WriterConfig{SourceTopic: "posts.clean", LookupChunk: 700}, store.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	posts := storetest.Posts(20000, 45, 4, 1)
	start := time.Now()
	writeAll(t, w, posts, 5000)
	t.Logf("wrote %d posts in %s", len(posts), time.Since(start))
	// Replays: the same batches again (a sink crash before commit), shifted
	// batches, and one batch with in-batch repeats.
	writeAll(t, w, posts[2500:12500], 3000)
	dup := append(append([]post.Enriched{}, posts[100:200]...), posts[100:200]...)
	writeAll(t, w, dup, len(dup))
	checkExact(t, conn, db, posts)

	// Resume: the next offset per partition is the highest written + 1.
	next := map[int]int64{}
	for _, p := range posts {
		next[p.Partition] = max(next[p.Partition], p.Offset+1)
	}
	for part, want := range next {
		got, ok, err := w.Resume(t.Context(), "posts.clean", part)
		if err != nil || !ok || got != want {
			t.Errorf("Resume(posts.clean, %d) = %d, %v, %v; want %d, true", part, got, ok, err, want)
		}
	}
	if _, ok, err := w.Resume(t.Context(), "other", 0); ok || err != nil {
		t.Errorf("Resume(other) ok=%v err=%v, want false, nil", ok, err)
	}
}

// TestWriterPermanentError: a schema mismatch is reported as permanent,
// not retried forever.
func TestWriterPermanentError(t *testing.T) {
	addr := testenv.ClickHouse(t)
	db := testenv.Database(t, addr)
	cfg, conn := migrated(t, addr, db)
	if err := conn.Exec(t.Context(), "ALTER TABLE "+db+".posts DROP COLUMN intents"); err != nil {
		t.Fatal(err)
	}
	w, _ := store.NewWriter(conn, cfg.Schema(), store.WriterConfig{SourceTopic: "t"}, store.Settings{})
	err := w.Write(t.Context(), storetest.Posts(10, 1, 1, 2))
	if !errors.Is(err, store.ErrPermanent) {
		t.Fatalf("Write after dropping a column: %v, want ErrPermanent", err)
	}
	bad := storetest.Posts(1, 1, 1, 3)
	bad[0].PostID = ""
	if err := w.Write(t.Context(), bad); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("Write of a post without post_id: %v, want ErrInvalid", err)
	}
}
