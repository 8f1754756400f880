//go:build integration

package e2e_test

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/chserver"
	"github.com/undertone/undertone/store"
)

// TestScaleOut runs the split deployment the way it scales out: a topic
// with four partitions, one ingest, two enrich-stage and two sink processes
// in their consumer groups, and two ClickHouse servers as the two shards of
// a cluster behind Distributed tables. One enrich-stage and one sink are
// SIGKILLed mid-stream and restarted. Afterwards every accepted post is
// stored exactly once across the shards, both shards hold a share, and
// every aggregate read through the Distributed tables equals the
// recomputation from posts.
func TestScaleOut(t *testing.T) {
	nPosts := 8000
	if os.Getenv("UNDERTONE_LONG") == "1" {
		nPosts = 60000
	}
	p1, p2 := chserver.FreePort(t), chserver.FreePort(t)
	shards := []string{"127.0.0.1:" + strconv.Itoa(p1), "127.0.0.1:" + strconv.Itoa(p2)}
	a := chserver.Start(t, chserver.Options{Cluster: "two_shards", Shards: shards, TCPPort: p1})
	b := chserver.Start(t, chserver.Options{Cluster: "two_shards", Shards: shards, TCPPort: p2})

	// Dialled before newPipeline so that its close (a cleanup) runs after
	// the pipeline's own cleanup, which drops the database through it.
	conn, err := store.Dial(t.Context(), store.Config{Addr: []string{a.Addr()}, Database: "default", Username: "default"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	p := newPipeline(t, 4,
		"UNDERTONE_ENRICH_BATCH_SIZE=500",
		"UNDERTONE_SINK_BATCH_SIZE=2000",
		"UNDERTONE_SINK_BATCH_TIMEOUT=500ms",
	)
	// Point the pipeline at the cluster: its own database on both shards.
	p.chAddr = a.Addr()
	p.db = "scaleout"
	p.env = append(p.env,
		"UNDERTONE_CLICKHOUSE_ADDR="+a.Addr()+","+b.Addr(),
		"UNDERTONE_CLICKHOUSE_DATABASE="+p.db,
		"UNDERTONE_CLICKHOUSE_CLUSTER=two_shards",
		"UNDERTONE_STORE_CLUSTER_REPLICATED=false",
	)
	p.conn = conn
	p.migrate()

	lines := generate(t, "--posts", strconv.Itoa(nPosts), "--days", "14", "--seed", "5", "--start", "2026-11-01", "--invalid-rate", "0.01")
	ex := expect(t, lines)
	want := uint64(len(ex.postIDs))

	admin := func() []string { return []string{"UNDERTONE_ADMIN_ADDR=" + freeAddr(t)} }
	p.startWith(admin(), "ingest")
	enrichA := p.startWith(admin(), "enrich-stage")
	p.startWith(admin(), "enrich-stage")
	sinkA := p.startWith(admin(), "sink")
	p.startWith(admin(), "sink")
	p.produceRaw(lines)

	start := time.Now()
	if n := p.waitStored(want/4, 3*time.Minute); n < want/4 {
		t.Fatalf("only %d of %d stored after 3 minutes; sink output:\n%s", n, want, tail(sinkA.out.String(), 30))
	}
	t.Logf("kill -9 of one enrich-stage and one sink at %d/%d stored", p.count("SELECT count() FROM scaleout.posts"), want)
	enrichA.kill9()
	sinkA.kill9()
	p.startWith(admin(), "enrich-stage")
	p.startWith(admin(), "sink")

	got := p.waitStored(want, 5*time.Minute)
	if got < want {
		t.Fatalf("only %d of %d posts stored after 5 minutes; logs:\n%s", got, want, tail(p.logs(), 40))
	}
	t.Logf("all %d posts stored across two shards in %.1fs", got, time.Since(start).Seconds())
	time.Sleep(3 * time.Second) // anything still in flight would land now

	checkStoredExactly(t, p, ex)
	checkAggregates(t, p)
	for i, srv := range []*chserver.Server{a, b} {
		sc, err := store.Dial(t.Context(), store.Config{Addr: []string{srv.Addr()}, Database: "default", Username: "default"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var n uint64
		if err := sc.QueryRow(t.Context(), "SELECT count() FROM scaleout.posts_local").Scan(&n); err != nil {
			t.Fatal(err)
		}
		_ = sc.Close()
		t.Logf("shard %d holds %d posts", i+1, n)
		if n == 0 || n == want {
			t.Errorf("shard %d holds %d of %d posts, want a share", i+1, n, want)
		}
	}
	for _, pr := range p.procs {
		if !pr.exited() && strings.Contains(pr.out.String(), "panic") {
			t.Errorf("a process panicked:\n%s", tail(pr.out.String(), 30))
		}
	}
}
