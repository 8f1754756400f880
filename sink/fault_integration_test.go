//go:build integration

package sink_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/segmentio/kafka-go"

	"github.com/undertone/undertone/internal/chserver"
	"github.com/undertone/undertone/internal/testenv"
	"github.com/undertone/undertone/post"
	"github.com/undertone/undertone/sink"
	"github.com/undertone/undertone/store"
	"github.com/undertone/undertone/store/storetest"
	"github.com/undertone/undertone/stream"
)

// The fault tests run the real binary (`undertone sink`) as child processes
// so they can kill -9 them. UNDERTONE_LONG=1 runs 200,000 posts and a 30 s
// ClickHouse outage instead of 5,000 posts and 10 s.

var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "undertone-sink-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath, err = testenv.BuildUndertone(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

func long() bool { return os.Getenv("UNDERTONE_LONG") == "1" }

func volume() int {
	if long() {
		return 200000
	}
	return 5000
}

type env struct {
	brokers []string
	topic   string
	group   string
	chAddr  string
	db      string
	conn    driver.Conn
	posts   []post.Enriched // everything produced, duplicates included
	logDir  string
}

func newEnv(t *testing.T, chAddr string) *env {
	t.Helper()
	brokers := testenv.Kafka(t)
	e := &env{
		brokers: brokers,
		topic:   testenv.Topic(t, brokers, 4),
		group:   testenv.UniqueName(t, "sink_"),
		chAddr:  chAddr,
		db:      testenv.UniqueName(t, "test_"),
		logDir:  t.TempDir(),
	}
	cfg := store.Config{Addr: []string{chAddr}, Database: e.db, Username: "default"}
	conn, err := store.Dial(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// t.Context() is already canceled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = testenv.DropDatabase(ctx, conn, e.db)
		_ = conn.Close()
	})
	e.conn = conn
	if _, err := store.NewMigrator(conn, cfg.Schema(), nil).Up(t.Context()); err != nil {
		t.Fatal(err)
	}
	return e
}

// produce publishes posts keyed by post_id, as enrich-stage does.
func (e *env) produce(t *testing.T, posts []post.Enriched) {
	t.Helper()
	w := stream.NewWriter(e.brokers, e.topic)
	defer w.Close()
	// Requests stay well under the broker's default 1 MB message.max.bytes.
	msgs := make([]kafka.Message, 0, 500)
	flush := func() {
		if err := w.WriteMessages(t.Context(), msgs...); err != nil {
			t.Fatalf("produce: %v", err)
		}
		msgs = msgs[:0]
	}
	for i := range posts {
		v, err := json.Marshal(&posts[i])
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, kafka.Message{Key: []byte(posts[i].PostID), Value: v})
		if len(msgs) == cap(msgs) {
			flush()
		}
	}
	if len(msgs) > 0 {
		flush()
	}
	e.posts = append(e.posts, posts...)
}

// startSink starts `undertone sink` against e.chAddr with small batches.
func (e *env) startSink(t *testing.T, name string) *exec.Cmd {
	t.Helper()
	return e.startSinkWith(t, name, "UNDERTONE_SINK_BATCH_SIZE=1000", "UNDERTONE_SINK_BATCH_TIMEOUT=200ms")
}

// startSinkWith starts `undertone sink` with extra environment settings.
func (e *env) startSinkWith(t *testing.T, name string, extraEnv ...string) *exec.Cmd {
	t.Helper()
	logf, err := os.Create(filepath.Join(e.logDir, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binPath, "sink", "--config=", "--kafka-brokers="+e.brokers[0], "--clickhouse-addr="+e.chAddr)
	cmd.Dir = e.logDir
	cmd.Env = append(os.Environ(),
		"UNDERTONE_PRIVACY_PSEUDONYM_KEY=test-only-pseudonym-key-0123456789",
		"UNDERTONE_KAFKA_TOPICS_ENRICHED="+e.topic,
		"UNDERTONE_KAFKA_TOPICS_DLQ="+e.topic+".dlq",
		"UNDERTONE_KAFKA_GROUPS_SINK="+e.group,
		"UNDERTONE_KAFKA_PARTITIONS=4",
		"UNDERTONE_CLICKHOUSE_DATABASE="+e.db,
		"UNDERTONE_ADMIN_ADDR=127.0.0.1:0",
		"UNDERTONE_SINK_MAX_BACKOFF=2s",
		"UNDERTONE_ADMIN_SHUTDOWN_TIMEOUT=20s",
	)
	cmd.Env = append(cmd.Env, extraEnv...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		_ = logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			_ = os.WriteFile(filepath.Join(os.TempDir(), "undertone-sink-failed-"+name+".log"), b, 0o644)
			if len(b) > 4000 {
				b = b[len(b)-4000:]
			}
			t.Logf("%s log tail:\n%s", name, b)
		}
	})
	return cmd
}

// count returns how many posts are stored with their aggregates: the
// smaller of count() of posts and the all-posts total of topic_daily. An
// INSERT makes its posts rows visible before the views' rows, so posts
// alone can run ahead for the duration of an insert.
func (e *env) count(t *testing.T) uint64 {
	t.Helper()
	var n, agg uint64
	if err := e.conn.QueryRow(t.Context(), "SELECT count() FROM "+e.db+".posts").Scan(&n); err != nil {
		return 0
	}
	if err := e.conn.QueryRow(t.Context(), "SELECT countMerge(post_count) FROM "+e.db+".topic_daily WHERE topic = ''").Scan(&agg); err != nil {
		return 0
	}
	return min(n, agg)
}

// waitCount waits until posts holds at least n rows.
func (e *env) waitCount(t *testing.T, n uint64, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if e.count(t) >= n {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("posts has %d rows after %s, want >= %d", e.count(t), timeout, n)
}

// distinct returns the number of distinct post_ids produced.
func (e *env) distinct() uint64 {
	seen := map[string]bool{}
	for _, p := range e.posts {
		seen[p.PostID] = true
	}
	return uint64(len(seen))
}

// finish waits until every distinct post is stored and the count stays
// put, then checks exact equality of posts and every aggregate.
func (e *env) finish(t *testing.T) {
	t.Helper()
	e.waitCount(t, e.distinct(), 5*time.Minute)
	time.Sleep(3 * time.Second) // a duplicate insert would show up now
	storetest.CheckExact(t, e.conn, e.db, e.posts)
}

// generate returns n posts plus upstream duplicates (the first tenth again),
// as at-least-once ingest/enrich produce them.
func generate(n int, seed uint64) []post.Enriched {
	ps := storetest.Posts(n, 20, 4, seed)
	return append(ps, ps[:n/10]...)
}

// TestSinkKill9 kills a sink process with SIGKILL mid-stream and starts a
// new one: nothing is lost and nothing counted twice.
func TestSinkKill9(t *testing.T) {
	e := newEnv(t, testenv.ClickHouse(t))
	e.produce(t, generate(volume(), 11))
	a := e.startSink(t, "sink-a")
	e.waitCount(t, uint64(volume()/4), 3*time.Minute)
	if err := a.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = a.Wait()
	t.Logf("killed sink at %d rows", e.count(t))
	e.startSink(t, "sink-b")
	e.finish(t)
}

// TestSinkClickHouseOutage stops a private ClickHouse for a while mid-stream
// (10 s, or 30 s with UNDERTONE_LONG=1) while posts keep arriving, then
// restarts it: the sink waits, resumes, and the store is exact.
func TestSinkClickHouseOutage(t *testing.T) {
	srv := chserver.Start(t, chserver.Options{})
	e := newEnv(t, srv.Addr())
	all := generate(volume(), 12)
	e.produce(t, all[:len(all)/2])
	sk := e.startSink(t, "sink")
	e.waitCount(t, uint64(volume()/5), 3*time.Minute)
	at := e.count(t)
	srv.Stop(t)
	t.Logf("clickhouse stopped at %d rows", at)
	outage := 10 * time.Second
	if long() {
		outage = 30 * time.Second
	}
	start := time.Now()
	e.produce(t, all[len(all)/2:])
	time.Sleep(outage - time.Since(start))
	srv.Restart(t)
	if err := sk.Process.Signal(syscall.Signal(0)); err != nil {
		t.Fatalf("sink died during the outage: %v", err)
	}
	e.finish(t)
}

// TestSinkRebalance starts a second sink process in the same group while
// the first is writing: partitions move, and the store is exact.
func TestSinkRebalance(t *testing.T) {
	e := newEnv(t, testenv.ClickHouse(t))
	e.produce(t, generate(volume(), 13))
	e.startSink(t, "sink-a")
	e.waitCount(t, uint64(volume()/5), 3*time.Minute)
	e.startSink(t, "sink-b")
	t.Logf("second sink joined at %d rows", e.count(t))
	e.finish(t)
}

// TestSinkThroughput stores posts already waiting in Kafka with one sink
// process (default batch size) and logs the rate: the sink's rows/s into
// ClickHouse, Kafka read and JSON decode included. 10,000 posts over 2
// days; 200,000 with UNDERTONE_LONG=1.
func TestSinkThroughput(t *testing.T) {
	e := newEnv(t, testenv.ClickHouse(t))
	n := 10000
	if long() {
		n = 200000
	}
	e.produce(t, storetest.Posts(n, 2, 4, 14))
	start := time.Now()
	cmd := e.startSinkWith(t, "sink", "UNDERTONE_SINK_BATCH_SIZE=20000", "UNDERTONE_SINK_BATCH_TIMEOUT=1s")
	e.waitCount(t, uint64(n), 10*time.Minute)
	d := time.Since(start)
	t.Logf("sink stored %d posts in %s: %.0f rows/s (process start and group join included)", n, d.Round(time.Millisecond), float64(n)/d.Seconds())
	if st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)); err == nil {
		for _, l := range strings.Split(string(st), "\n") {
			if strings.HasPrefix(l, "VmHWM:") {
				t.Logf("sink peak memory (%s)", strings.Join(strings.Fields(l), " "))
			}
		}
	}
	storetest.CheckExact(t, e.conn, e.db, e.posts)
}

// TestStageShutdown runs the stage in process and cancels it mid-stream:
// Run returns nil promptly after finishing the batch in hand, and a new
// stage completes the work exactly.
func TestStageShutdown(t *testing.T) {
	e := newEnv(t, testenv.ClickHouse(t))
	e.produce(t, generate(volume(), 15))
	run := func(ctx context.Context) error {
		w, err := store.NewWriter(e.conn, store.Schema{Database: e.db}, store.WriterConfig{SourceTopic: e.topic}, store.Settings{})
		if err != nil {
			return err
		}
		st, err := sink.NewStage(sink.StageConfig{
			Brokers: e.brokers, GroupID: e.group, Topic: e.topic, DLQTopic: e.topic + ".dlq",
			BatchSize: 500, BatchTimeout: 200 * time.Millisecond, MaxBackoff: time.Second,
		}, w, sink.Settings{})
		if err != nil {
			return err
		}
		return st.Run(ctx)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	e.waitCount(t, uint64(volume()/5), 3*time.Minute)
	cancel()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("Run after cancel: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return within 30s of cancel")
	}
	ctx2, cancel2 := context.WithCancel(t.Context())
	defer cancel2()
	go func() { done <- run(ctx2) }()
	e.finish(t)
	cancel2()
	<-done
}
