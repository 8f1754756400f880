//go:build integration

package e2e_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/undertone/undertone/internal/testenv"
)

// groupLag is the consumer group's total lag on topic: the sum over
// partitions of high watermark minus committed offset (no commit counts
// the whole partition).
func (p *pipeline) groupLag(ctx context.Context, group, topic string) (int64, error) {
	c := &kafka.Client{Addr: kafka.TCP(p.brokers...), Timeout: 10 * time.Second}
	meta, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return 0, err
	}
	if len(meta.Topics) != 1 || meta.Topics[0].Error != nil {
		return 0, fmt.Errorf("metadata %s: %v", topic, meta.Topics)
	}
	var parts []int
	var reqs []kafka.OffsetRequest
	for _, pt := range meta.Topics[0].Partitions {
		parts = append(parts, pt.ID)
		reqs = append(reqs, kafka.LastOffsetOf(pt.ID))
	}
	lo, err := c.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		return 0, err
	}
	of, err := c.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: parts}})
	if err != nil {
		return 0, err
	}
	if of.Error != nil {
		return 0, of.Error
	}
	committed := map[int]int64{}
	for _, op := range of.Topics[topic] {
		committed[op.Partition] = op.CommittedOffset
	}
	var lag int64
	for _, po := range lo.Topics[topic] {
		if po.Error != nil {
			return 0, po.Error
		}
		c := committed[po.Partition]
		if c < 0 {
			c = 0
		}
		lag += max(po.LastOffset-c, 0)
	}
	return lag, nil
}

// lagPair names one consumer group and the topic it reads.
type lagPair struct{ group, topic string }

// runLag is what `undertone run` consumes; splitLag adds the sink stage.
func (p *pipeline) runLag() []lagPair {
	return []lagPair{{p.base + "-ingest", p.raw}, {p.base + "-enrich", p.clean}}
}

func (p *pipeline) splitLag() []lagPair {
	return append(p.runLag(), lagPair{p.base + "-sink", p.enriched})
}

// totalLag sums the lag of every pair.
func (p *pipeline) totalLag(pairs []lagPair) (int64, error) {
	ctx, cancel := context.WithTimeout(p.t.Context(), 30*time.Second)
	defer cancel()
	var sum int64
	for _, lp := range pairs {
		l, err := p.groupLag(ctx, lp.group, lp.topic)
		if err != nil {
			return 0, fmt.Errorf("lag %s on %s: %w", lp.group, lp.topic, err)
		}
		sum += l
	}
	return sum, nil
}

// waitLagZero waits until every pair's lag is zero; it fails the test
// after bound and returns how long it took.
func (p *pipeline) waitLagZero(pairs []lagPair, bound time.Duration) time.Duration {
	p.t.Helper()
	start := time.Now()
	var last int64 = -1
	var lastErr error
	for time.Since(start) < bound {
		l, err := p.totalLag(pairs)
		lastErr = err
		if err == nil {
			last = l
			if l == 0 {
				return time.Since(start)
			}
		}
		time.Sleep(time.Second)
	}
	p.t.Errorf("consumer lag not back to zero within %s (last %d, err %v)", bound, last, lastErr)
	return bound
}

// metrics scrapes a Prometheus text endpoint and sums the samples of each
// metric name over its labels.
func metrics(addr string) (map[string]float64, error) {
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("/metrics: %s", resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		if sp < 0 {
			continue
		}
		name := line[:sp]
		if i := strings.IndexByte(name, '{'); i >= 0 {
			name = name[:i]
		}
		v, err := strconv.ParseFloat(line[sp+1:], 64)
		if err != nil {
			continue
		}
		out[name] += v
	}
	return out, sc.Err()
}

// service is a private Kafka or ClickHouse started with deploy/local for
// one scenario, so outages never touch the shared servers.
type service struct {
	t      testing.TB
	script string
	env    []string
}

func repoRoot() string {
	r, _ := filepath.Abs("..")
	return r
}

func (s *service) run(action string) {
	s.t.Helper()
	cmd := exec.Command(filepath.Join(repoRoot(), "deploy", "local", s.script), action)
	cmd.Env = append(os.Environ(), s.env...)
	// A file, not a pipe: the server the script starts in the background
	// inherits the output and would keep a pipe open forever.
	f, err := os.CreateTemp("", "undertone-service-*.log")
	if err != nil {
		s.t.Fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	err = cmd.Run()
	out, _ := os.ReadFile(f.Name())
	if err != nil {
		s.t.Fatalf("%s %s: %v\n%s", s.script, action, err, out)
	}
	s.t.Logf("%s %s: %s", s.script, action, strings.TrimSpace(tail(string(out), 2)))
}

func (s *service) start() { s.t.Helper(); s.run("start") }
func (s *service) stop()  { s.t.Helper(); s.run("stop") }

// privateClickHouse starts a ClickHouse of its own on port (http on
// httpPort) and stops it at cleanup; it returns its native address.
func privateClickHouse(t testing.TB, port, httpPort int) (*service, string) {
	t.Helper()
	s := &service{t: t, script: "clickhouse.sh", env: []string{
		"CLICKHOUSE_HOST=127.0.0.1", fmt.Sprintf("CLICKHOUSE_PORT=%d", port), fmt.Sprintf("CLICKHOUSE_HTTP_PORT=%d", httpPort),
		"CLICKHOUSE_MAX_MEMORY=1073741824", "CLICKHOUSE_START_TIMEOUT=180",
	}}
	s.start()
	t.Cleanup(func() { s.run("stop") })
	return s, fmt.Sprintf("127.0.0.1:%d", port)
}

// privateKafka starts a broker of its own and stops it at cleanup.
func privateKafka(t testing.TB, port, controllerPort int) (*service, []string) {
	t.Helper()
	s := &service{t: t, script: "kafka.sh", env: []string{
		"KAFKA_HOST=127.0.0.1", fmt.Sprintf("KAFKA_PORT=%d", port), fmt.Sprintf("KAFKA_CONTROLLER_PORT=%d", controllerPort),
	}}
	s.start()
	t.Cleanup(func() { s.run("stop") })
	return s, []string{fmt.Sprintf("127.0.0.1:%d", port)}
}

// slowProxy forwards TCP to target and sleeps delay before passing on each
// chunk read from either side: a slow network or a throttled ClickHouse.
type slowProxy struct {
	ln     net.Listener
	target string
	delay  atomic.Int64 // nanoseconds
	wg     sync.WaitGroup
	chunks atomic.Int64
}

func newSlowProxy(t testing.TB, target string, delay time.Duration) *slowProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sp := &slowProxy{ln: ln, target: target}
	sp.delay.Store(int64(delay))
	sp.wg.Add(1)
	go func() {
		defer sp.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			sp.wg.Add(1)
			go func() {
				defer sp.wg.Done()
				sp.serve(c)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return sp
}

func (sp *slowProxy) addr() string { return sp.ln.Addr().String() }

func (sp *slowProxy) serve(c net.Conn) {
	defer c.Close()
	up, err := net.DialTimeout("tcp", sp.target, 10*time.Second)
	if err != nil {
		return
	}
	defer up.Close()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		defer func() { done <- struct{}{} }()
		buf := make([]byte, 16<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				sp.chunks.Add(1)
				time.Sleep(time.Duration(sp.delay.Load()))
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				if err != io.EOF {
					return
				}
				if tc, ok := dst.(*net.TCPConn); ok {
					_ = tc.CloseWrite()
				}
				return
			}
		}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	<-done
}

// dropDatabase drops the pipeline's database with a generous timeout (a
// loaded private server can take longer than testenv's cleanup allows);
// testenv's own cleanup then finds nothing to drop.
func (p *pipeline) dropDatabase(timeout time.Duration) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	if err := testenv.DropDatabase(ctx, p.conn, p.db); err != nil {
		p.t.Errorf("drop database %s: %v", p.db, err)
		return
	}
	p.t.Logf("dropped database %s in %.1fs", p.db, time.Since(start).Seconds())
}
