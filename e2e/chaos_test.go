//go:build integration

package e2e_test

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"
)

// The chaos scenarios run only with UNDERTONE_CHAOS=1 (make chaos) or
// UNDERTONE_LONG=1: each takes minutes, two start private Kafka or
// ClickHouse servers. Every scenario mixes poison into generated posts
// and ends with the exact checks of TestRunExactlyOnceUnderKills plus
// consumer lag back to zero within lagBound.

// lagBound is how long after the last post is stored every consumer
// group's committed offset must reach the high watermark.
const lagBound = 60 * time.Second

func chaosEnabled(t *testing.T) {
	t.Helper()
	if os.Getenv("UNDERTONE_CHAOS") != "1" && os.Getenv("UNDERTONE_LONG") != "1" {
		t.Skip("chaos scenario: set UNDERTONE_CHAOS=1 (make chaos)")
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// chaosWorkload is n generated posts (1% invalid), the poison records and
// three exact re-sends, shuffled, with what ingest must make of them.
func chaosWorkload(t *testing.T, n int, seed uint64) ([][]byte, expectation) {
	t.Helper()
	lines := generate(t, "--posts", strconv.Itoa(n), "--days", "14", "--seed", strconv.FormatUint(seed, 10),
		"--start", "2026-10-20", "--invalid-rate", "0.01")
	lines = append(lines, poison()...)
	lines = append(lines, lines[1], lines[2], lines[3])
	rng := rand.New(rand.NewPCG(seed, 99))
	rng.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
	ex := expect(t, lines)
	t.Logf("workload: %d records, %d distinct valid posts, %d rejected", len(lines), len(ex.postIDs), len(ex.rejected))
	return lines, ex
}

// finish waits for every valid post, checks lag returns to zero within
// lagBound, then runs the exact checks.
func finish(t *testing.T, p *pipeline, lines [][]byte, ex expectation, pairs []lagPair, started time.Time) {
	t.Helper()
	want := uint64(len(ex.postIDs))
	if got := p.waitStored(want, 10*time.Minute); got < want {
		t.Fatalf("only %d of %d posts stored after 10 minutes; logs:\n%s", got, want, tail(p.logs(), 40))
	}
	t.Logf("all %d posts stored %.1fs after the first produce", want, time.Since(started).Seconds())
	took := p.waitLagZero(pairs, lagBound)
	t.Logf("consumer lag zero %.1fs after the last post was stored (bound %s)", took.Seconds(), lagBound)
	time.Sleep(3 * time.Second)
	checkStoredExactly(t, p, ex)
	checkAggregates(t, p)
	checkDLQ(t, p, lines, ex)
	t.Logf("checked: %d records, %d posts exactly once, %d rejections with reasons", len(lines), want, len(ex.rejected))
}

// split runs ingest, enrich-stage and sink as three processes, each with
// its own admin address.
type split struct {
	p     *pipeline
	procs map[string]*proc
	admin map[string]string
}

var stages = []string{"ingest", "enrich-stage", "sink"}

func startSplit(p *pipeline) *split {
	s := &split{p: p, procs: map[string]*proc{}, admin: map[string]string{}}
	for _, st := range stages {
		s.admin[st] = freeAddr(p.t)
		s.start(st)
	}
	return s
}

func (s *split) start(stage string) {
	s.procs[stage] = s.p.startWith([]string{"UNDERTONE_ADMIN_ADDR=" + s.admin[stage]}, stage)
}

func (s *split) stopAll(t *testing.T) {
	for _, st := range stages {
		s.procs[st].stop(t)
	}
}

// TestChaosStageKills runs the stages as separate processes (enrich-stage
// producing posts.enriched, sink storing it) and SIGKILLs a random stage
// at a random moment, repeatedly, restarting it each time.
func TestChaosStageKills(t *testing.T) {
	chaosEnabled(t)
	n, kills := envInt("UNDERTONE_CHAOS_POSTS", 20000), envInt("UNDERTONE_CHAOS_KILLS", 12)
	p := newPipeline(t, 4, "UNDERTONE_ENRICH_PRODUCE_ENRICHED=true", "UNDERTONE_ENRICH_BATCH_SIZE=300", "UNDERTONE_SINK_BATCH_SIZE=500")
	lines, ex := chaosWorkload(t, n, 21)
	p.migrate()
	s := startSplit(p)
	started := time.Now()
	p.produceRaw(lines)
	rng := rand.New(rand.NewPCG(21, 22))
	perStage := map[string]int{}
	want := uint64(len(ex.postIDs))
	last := uint64(0)
	for k := 0; k < kills; k++ {
		// Kill only once the pipeline made progress since the last kill,
		// at a random moment after it, so kills land mid-stream rather
		// than during the restarts.
		if n := p.waitStored(last+1, 2*time.Minute); n <= last || n >= want {
			t.Logf("stopping kills after %d: %d/%d stored", k, n, want)
			break
		}
		time.Sleep(time.Duration(rng.IntN(3000)) * time.Millisecond)
		st := stages[rng.IntN(len(stages))]
		if k < len(stages) {
			st = stages[k] // every stage is killed at least once
		}
		for name, pr := range s.procs {
			if pr.exited() {
				t.Fatalf("%s exited by itself: %v\n%s", name, pr.err, tail(pr.out.String(), 30))
			}
		}
		last = p.count("SELECT count() FROM " + p.db + ".posts")
		t.Logf("kill -9 #%d: %s at %d/%d stored", k+1, st, last, want)
		s.procs[st].kill9()
		perStage[st]++
		time.Sleep(time.Duration(rng.IntN(1000)) * time.Millisecond)
		s.start(st)
	}
	t.Logf("kills per stage: %v", perStage)
	finish(t, p, lines, ex, p.splitLag(), started)
	s.stopAll(t)
}

// TestChaosClickHouseOutage runs `undertone run` against a private
// ClickHouse, restarts it mid-stream, then stops it for 60 s; the pipeline
// must keep running, retry, and end exact.
func TestChaosClickHouseOutage(t *testing.T) {
	chaosEnabled(t)
	n := envInt("UNDERTONE_CHAOS_POSTS", 10000)
	outage := time.Duration(envInt("UNDERTONE_CHAOS_OUTAGE_SECONDS", 60)) * time.Second
	ch, chAddr := privateClickHouse(t, 19400, 18400)
	p := newPipelineOn(t, []string{os.Getenv("UNDERTONE_TEST_KAFKA")}, chAddr, 4, "UNDERTONE_ENRICH_BATCH_SIZE=300")
	lines, ex := chaosWorkload(t, n, 31)
	want := uint64(len(ex.postIDs))
	p.migrate()
	run := p.start("run")
	started := time.Now()
	p.produceRaw(lines)

	progress := func(what string) {
		last := p.count("SELECT count() FROM " + p.db + ".posts")
		if got := p.waitStored(last+1, 3*time.Minute); got <= last {
			t.Fatalf("no progress %s (%d stored); run output:\n%s", what, got, tail(run.out.String(), 30))
		}
		t.Logf("%s: %d/%d stored", what, p.count("SELECT count() FROM "+p.db+".posts"), want)
	}
	progress("before the restart")
	ch.stop()
	ch.start()
	progress("after the ClickHouse restart")
	ch.stop()
	t.Logf("ClickHouse down for %s", outage)
	time.Sleep(outage)
	if run.exited() {
		t.Fatalf("run exited during the outage: %v\n%s", run.err, tail(run.out.String(), 30))
	}
	ch.start()
	progress("after the outage")
	finish(t, p, lines, ex, p.runLag(), started)
	run.stop(t)
}

// TestChaosKafkaRestart runs `undertone run` against a private broker and
// restarts the broker twice mid-stream (once with `run` SIGKILLed while the
// broker is down).
func TestChaosKafkaRestart(t *testing.T) {
	chaosEnabled(t)
	n := envInt("UNDERTONE_CHAOS_POSTS", 10000)
	kf, brokers := privateKafka(t, 29092, 29093)
	p := newPipelineOn(t, brokers, os.Getenv("UNDERTONE_TEST_CLICKHOUSE"), 4, "UNDERTONE_ENRICH_BATCH_SIZE=300")
	lines, ex := chaosWorkload(t, n, 41)
	want := uint64(len(ex.postIDs))
	p.migrate()
	run := p.start("run")
	started := time.Now()
	p.produceRaw(lines)
	progress := func(what string) {
		last := p.count("SELECT count() FROM " + p.db + ".posts")
		if got := p.waitStored(last+1, 3*time.Minute); got <= last {
			t.Fatalf("no progress %s (%d stored); run output:\n%s", what, got, tail(run.out.String(), 30))
		}
		t.Logf("%s: %d/%d stored", what, p.count("SELECT count() FROM "+p.db+".posts"), want)
	}
	progress("before the first broker restart")
	kf.stop()
	time.Sleep(10 * time.Second)
	kf.start()
	progress("after the first broker restart")
	kf.stop()
	run.kill9()
	time.Sleep(5 * time.Second)
	kf.start()
	run = p.start("run")
	progress("after the second restart (run SIGKILLed while the broker was down)")
	finish(t, p, lines, ex, p.runLag(), started)
	run.stop(t)
}

// TestChaosSlowClickHouse puts a TCP proxy that delays every chunk between
// `undertone run` and ClickHouse (20 ms), slows it to 500 ms per chunk for
// 30 s, and kills run -9 once in the middle of the slow phase.
func TestChaosSlowClickHouse(t *testing.T) {
	chaosEnabled(t)
	n := envInt("UNDERTONE_CHAOS_POSTS", 10000)
	proxy := newSlowProxy(t, os.Getenv("UNDERTONE_TEST_CLICKHOUSE"), 20*time.Millisecond)
	p := newPipeline(t, 4, "UNDERTONE_ENRICH_BATCH_SIZE=300", "UNDERTONE_CLICKHOUSE_ADDR="+proxy.addr())
	lines, ex := chaosWorkload(t, n, 51)
	want := uint64(len(ex.postIDs))
	p.migrate()
	run := p.start("run")
	started := time.Now()
	p.produceRaw(lines)
	last := p.waitStored(1, 3*time.Minute)
	t.Logf("20ms per chunk: %d/%d stored", last, want)
	proxy.delay.Store(int64(500 * time.Millisecond))
	time.Sleep(15 * time.Second)
	t.Logf("500ms per chunk for 15s: %d/%d stored; kill -9", p.count("SELECT count() FROM "+p.db+".posts"), want)
	run.kill9()
	run = p.start("run")
	time.Sleep(15 * time.Second)
	proxy.delay.Store(int64(20 * time.Millisecond))
	t.Logf("back to 20ms per chunk: %d/%d stored", p.count("SELECT count() FROM "+p.db+".posts"), want)
	finish(t, p, lines, ex, p.runLag(), started)
	t.Logf("proxy forwarded %d delayed chunks", proxy.chunks.Load())
	run.stop(t)
}
