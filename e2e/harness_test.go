//go:build integration

package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/segmentio/kafka-go"

	"github.com/undertone/undertone/internal/testenv"
	"github.com/undertone/undertone/stream"
)

// binary is the undertone binary built once for the package.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "undertone-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary, err = testenv.BuildUndertone(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// pseudonymKey is the key the suite runs with; tests scan every output for
// it to prove it is never written anywhere.
const pseudonymKey = "e2e-pseudonym-key-must-never-appear-4f1c"

// pipeline is one isolated Undertone deployment: its own topics, consumer
// groups, ClickHouse database and ports, on the shared test services.
type pipeline struct {
	t         testing.TB
	brokers   []string
	chAddr    string
	db        string
	raw       string
	clean     string
	enriched  string
	dlq       string
	serveAddr string
	adminAddr string
	base      string
	env       []string
	conn      driver.Conn

	mu    sync.Mutex
	procs []*proc
}

func newPipeline(t testing.TB, partitions int, extraEnv ...string) *pipeline {
	t.Helper()
	return newPipelineOn(t, testenv.Kafka(t), testenv.ClickHouse(t), partitions, extraEnv...)
}

// newPipelineOn is newPipeline on the given Kafka brokers and ClickHouse
// (the chaos scenarios' private instances, or a proxy in front of one).
func newPipelineOn(t testing.TB, brokers []string, chAddr string, partitions int, extraEnv ...string) *pipeline {
	t.Helper()
	p := &pipeline{t: t, brokers: brokers, chAddr: chAddr}
	p.db = testenv.Database(t, chAddr)
	base := testenv.UniqueName(t, "e2e")
	p.raw, p.clean, p.enriched, p.dlq = base+".raw", base+".clean", base+".enriched", base+".dlq"
	if err := stream.EnsureTopics(t.Context(), brokers, partitions, 1, p.raw, p.clean, p.enriched, p.dlq); err != nil {
		t.Fatal(err)
	}
	p.serveAddr = freeAddr(t)
	p.adminAddr = freeAddr(t)
	p.base = base
	repoRoot, _ := filepath.Abs("..")
	p.env = append([]string{
		"UNDERTONE_CONFIG=",
		"UNDERTONE_PRIVACY_PSEUDONYM_KEY=" + pseudonymKey,
		"UNDERTONE_KAFKA_BROKERS=" + strings.Join(brokers, ","),
		"UNDERTONE_KAFKA_PARTITIONS=" + fmt.Sprint(partitions),
		"UNDERTONE_KAFKA_TOPICS_RAW=" + p.raw,
		"UNDERTONE_KAFKA_TOPICS_CLEAN=" + p.clean,
		"UNDERTONE_KAFKA_TOPICS_ENRICHED=" + p.enriched,
		"UNDERTONE_KAFKA_TOPICS_DLQ=" + p.dlq,
		"UNDERTONE_KAFKA_GROUPS_INGEST=" + base + "-ingest",
		"UNDERTONE_KAFKA_GROUPS_ENRICH=" + base + "-enrich",
		"UNDERTONE_KAFKA_GROUPS_SINK=" + base + "-sink",
		"UNDERTONE_CLICKHOUSE_ADDR=" + chAddr,
		"UNDERTONE_CLICKHOUSE_DATABASE=" + p.db,
		"UNDERTONE_ENRICH_TOPICS_FILE=" + filepath.Join(repoRoot, "config", "topics.yaml"),
		"UNDERTONE_SERVE_ADDR=" + p.serveAddr,
		"UNDERTONE_SERVE_AUTH_MODE=none",
		"UNDERTONE_ADMIN_ADDR=" + p.adminAddr,
		"UNDERTONE_LOG_FORMAT=json",
		"UNDERTONE_ADMIN_SHUTDOWN_TIMEOUT=20s",
	}, extraEnv...)
	p.conn = testenv.Conn(t, chAddr, p.db)
	// Drop the database with a generous timeout before testenv's own
	// cleanup, whose shorter one a loaded server can miss after a large
	// run; testenv then finds nothing to drop.
	t.Cleanup(func() { p.dropDatabase(5 * time.Minute) })
	t.Cleanup(p.stopAll)
	return p
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// proc is one running undertone process; its combined output is kept for
// the PII scan.
type proc struct {
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{}
	err  error
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// start runs `undertone args...` with the pipeline's environment.
func (p *pipeline) start(args ...string) *proc {
	p.t.Helper()
	return p.startWith(nil, args...)
}

// startWith is start with extra environment (later entries win), e.g. a
// process's own admin address when several stages run side by side.
func (p *pipeline) startWith(env []string, args ...string) *proc {
	p.t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(append(os.Environ(), p.env...), env...)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	pr := &proc{cmd: cmd, out: out, done: make(chan struct{})}
	go func() {
		pr.err = cmd.Wait()
		close(pr.done)
	}()
	p.mu.Lock()
	p.procs = append(p.procs, pr)
	p.mu.Unlock()
	return pr
}

// migrate applies the schema with `undertone migrate up` and waits.
func (p *pipeline) migrate() {
	p.t.Helper()
	pr := p.start("migrate", "up")
	select {
	case <-pr.done:
		if pr.err != nil {
			p.t.Fatalf("migrate up: %v\n%s", pr.err, pr.out.String())
		}
	case <-time.After(2 * time.Minute):
		p.t.Fatal("migrate up did not finish in 2 minutes")
	}
}

// kill9 kills the process without any chance to clean up.
func (pr *proc) kill9() {
	_ = pr.cmd.Process.Signal(syscall.SIGKILL)
	<-pr.done
}

// stop sends SIGTERM and waits for a clean exit.
func (pr *proc) stop(t testing.TB) {
	t.Helper()
	_ = pr.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-pr.done:
		if pr.err != nil {
			t.Errorf("process exited with %v after SIGTERM; output tail:\n%s", pr.err, tail(pr.out.String(), 20))
		}
	case <-time.After(45 * time.Second):
		pr.kill9()
		t.Errorf("process did not stop within 45s of SIGTERM; output tail:\n%s", tail(pr.out.String(), 20))
	}
}

func (pr *proc) exited() bool {
	select {
	case <-pr.done:
		return true
	default:
		return false
	}
}

func (p *pipeline) stopAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pr := range p.procs {
		if !pr.exited() {
			pr.kill9()
		}
	}
}

// logs returns the output of every process started so far.
func (p *pipeline) logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	for _, pr := range p.procs {
		b.WriteString(pr.out.String())
	}
	return b.String()
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// produceRaw publishes each line as one message to posts.raw, unvalidated
// (poison included), keyed by line number.
func (p *pipeline) produceRaw(lines [][]byte) {
	p.t.Helper()
	w := stream.NewWriter(p.brokers, p.raw)
	defer w.Close()
	const chunk = 2000
	for i := 0; i < len(lines); i += chunk {
		end := min(i+chunk, len(lines))
		msgs := make([]kafka.Message, 0, end-i)
		for j := i; j < end; j++ {
			msgs = append(msgs, kafka.Message{Key: []byte(fmt.Sprint(j)), Value: lines[j]})
		}
		if err := w.WriteMessages(p.t.Context(), msgs...); err != nil {
			p.t.Fatal(err)
		}
	}
}

// count runs a query that returns one UInt64 in the pipeline's database.
func (p *pipeline) count(q string) uint64 {
	p.t.Helper()
	var n uint64
	if err := p.conn.QueryRow(p.t.Context(), q).Scan(&n); err != nil {
		p.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// waitStored waits until posts holds want rows or the timeout passes; it
// returns the last count.
func (p *pipeline) waitStored(want uint64, timeout time.Duration) uint64 {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	var n uint64
	for time.Now().Before(deadline) {
		n = p.count("SELECT count() FROM " + p.db + ".posts")
		if n >= want {
			return n
		}
		time.Sleep(500 * time.Millisecond)
	}
	return n
}

// readTopic reads every message currently in topic (all partitions).
func (p *pipeline) readTopic(topic string) []kafka.Message {
	p.t.Helper()
	conn, err := kafka.DialContext(p.t.Context(), "tcp", p.brokers[0])
	if err != nil {
		p.t.Fatal(err)
	}
	parts, err := conn.ReadPartitions(topic)
	conn.Close()
	if err != nil {
		p.t.Fatal(err)
	}
	var out []kafka.Message
	for _, part := range parts {
		lc, err := kafka.DialLeader(p.t.Context(), "tcp", p.brokers[0], topic, part.ID)
		if err != nil {
			p.t.Fatal(err)
		}
		last, err := lc.ReadLastOffset()
		lc.Close()
		if err != nil {
			p.t.Fatal(err)
		}
		if last == 0 {
			continue
		}
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: p.brokers, Topic: topic, Partition: part.ID, MaxBytes: 16 << 20})
		ctx, cancel := context.WithTimeout(p.t.Context(), 60*time.Second)
		for {
			m, err := r.ReadMessage(ctx)
			if err != nil {
				cancel()
				r.Close()
				p.t.Fatalf("read %s/%d: %v", topic, part.ID, err)
			}
			out = append(out, m)
			if m.Offset+1 >= last {
				break
			}
		}
		cancel()
		r.Close()
	}
	return out
}

// dumpTables returns every row of every table of the pipeline's database as
// text (clickhouse-client TSV), for scanning.
func (p *pipeline) dumpTables() string {
	p.t.Helper()
	host, port, _ := net.SplitHostPort(p.chAddr)
	rows, err := p.conn.Query(p.t.Context(), "SELECT name FROM system.tables WHERE database = ? AND engine NOT LIKE '%View'", p.db)
	if err != nil {
		p.t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			p.t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	var b strings.Builder
	for _, tb := range tables {
		cmd := exec.Command("clickhouse-client", "--host", host, "--port", port, "-q",
			fmt.Sprintf("SELECT * FROM %s.%s FORMAT TabSeparated", p.db, tb))
		out, err := cmd.Output()
		if err != nil {
			p.t.Fatalf("dump %s: %v", tb, err)
		}
		b.Write(out)
	}
	return b.String()
}

// generate runs `undertone generate` and returns its lines.
func generate(t testing.TB, args ...string) [][]byte {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"generate", "--topics", "../config/topics.yaml"}, args...)...)
	cmd.Env = append(os.Environ(), "UNDERTONE_CONFIG=", "UNDERTONE_PRIVACY_PSEUDONYM_KEY="+pseudonymKey)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	var lines [][]byte
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 4<<20)
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	return lines
}
