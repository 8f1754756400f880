//go:build integration

package store_test

import (
	"strconv"
	"testing"

	"github.com/undertone/undertone/internal/chserver"
	"github.com/undertone/undertone/post"
	"github.com/undertone/undertone/store"
	"github.com/undertone/undertone/store/storetest"
)

// TestClusterTwoShards runs cluster mode on two private ClickHouse servers
// configured as the two shards of cluster "two_shards" (plain MergeTree
// shards, so no ZooKeeper is needed): migrations on every host, writes
// through the Distributed posts table of one node with replays, rows on
// both shards, and posts plus every aggregate exact when read through the
// Distributed tables.
func TestClusterTwoShards(t *testing.T) {
	p1, p2 := chserver.FreePort(t), chserver.FreePort(t)
	shards := []string{"127.0.0.1:" + strconv.Itoa(p1), "127.0.0.1:" + strconv.Itoa(p2)}
	a := chserver.Start(t, chserver.Options{Cluster: "two_shards", Shards: shards, TCPPort: p1})
	b := chserver.Start(t, chserver.Options{Cluster: "two_shards", Shards: shards, TCPPort: p2})
	cfg := store.Config{Addr: []string{a.Addr(), b.Addr()}, Database: "undertone_cluster", Username: "default", Cluster: "two_shards"}
	if err := store.MigrateHosts(t.Context(), cfg, nil); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	one := cfg
	one.Addr = []string{a.Addr()}
	conn, err := store.Dial(t.Context(), one, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	w, err := store.NewWriter(conn, cfg.Schema(), store.WriterConfig{SourceTopic: "posts.enriched"}, store.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	posts := storetest.Posts(8000, 40, 4, 21)
	writeAll(t, w, posts, 3000)
	writeAll(t, w, posts[1500:7500], 2000) // replays
	writeAll(t, w, append(append([]post.Enriched{}, posts[:50]...), posts[:50]...), 100)
	storetest.CheckExact(t, conn, cfg.Database, posts)

	for i, srv := range []*chserver.Server{a, b} {
		c := one
		c.Addr = []string{srv.Addr()}
		sc, err := store.Dial(t.Context(), c, nil)
		if err != nil {
			t.Fatal(err)
		}
		n := count(t, sc, "SELECT count() FROM undertone_cluster.posts_local")
		_ = sc.Close()
		if n == 0 || n == uint64(len(posts)) {
			t.Errorf("shard %d holds %d of %d posts, want a share", i+1, n, len(posts))
		}
	}
	if _, ok, err := w.Resume(t.Context(), "posts.enriched", 0); ok || err != nil {
		t.Errorf("Resume in cluster mode: ok=%v err=%v, want false (disabled)", ok, err)
	}
}
