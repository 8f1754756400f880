//go:build integration

package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/undertone/undertone/ingest"
	"github.com/undertone/undertone/stream"
)

// soakSample is one reading of the running process and the pipeline.
type soakSample struct {
	at         time.Duration
	rss        float64 // bytes
	goroutines float64
	lag        int64   // messages, all groups, from Kafka
	consumed   float64 // undertone_ingest_consumed_records_total
	rejected   float64 // undertone_ingest_rejected_records_total
	retries    float64 // handler + store write retries
}

// TestSoak streams posts at a steady rate through `undertone run` for
// UNDERTONE_SOAK_DURATION (default 2m; `make soak` sets 30m), sampling RSS,
// goroutines and consumer lag every UNDERTONE_SOAK_EVERY (default 5s).
//
// UNDERTONE_SOAK_RATE is posts/s (default 40, the short version in `make
// test`), or "auto" / "auto:F" (`make soak`): first measure the pipeline's
// capacity on this machine — UNDERTONE_SOAK_CALIBRATE posts (default
// 100000) produced as fast as Kafka takes them, capacity = posts stored /
// seconds from the first produce to the last store — then soak at F times
// that (default 0.8).
//
// Posts stream from `undertone generate` (nothing is held in memory but a
// 64-bit hash per accepted post), so the soak can run for hours. After the
// warm-up (the first 10%) it asserts: the last third's peak RSS within 25%
// + 32 MiB of the first third's, peak goroutines within +25, lag never
// above 30 s of input, no retries appearing late and the rejection rate
// steady; then every accepted post is stored exactly once (the stored
// post_ids hash to exactly the expected multiset) and every aggregate
// equals its recomputation from posts.
func TestSoak(t *testing.T) {
	dur := envDuration("UNDERTONE_SOAK_DURATION", 2*time.Minute)
	every := envDuration("UNDERTONE_SOAK_EVERY", 5*time.Second)
	rate, frac, auto := soakRate(t, os.Getenv("UNDERTONE_SOAK_RATE"))
	env := []string{"UNDERTONE_ENRICH_BATCH_SIZE=200"}
	if auto {
		env = nil // near capacity: the production batch sizes
	}
	p := newPipeline(t, 4, env...)
	p.migrate()
	run := p.start("run")
	w := stream.NewWriter(p.brokers, p.raw)
	defer w.Close()
	ex := newStreamExpect(t)

	if auto {
		n := envInt("UNDERTONE_SOAK_CALIBRATE", 100000)
		src := startGenerate(t, "--posts", fmt.Sprint(n), "--days", "28", "--seed", "60", "--start", "2026-10-01", "--invalid-rate", "0.01")
		start := time.Now()
		// The generator numbers posts from the start of each run, so the
		// calibration's ids get a prefix: the soak's posts are new posts.
		sent, err := produceStream(t.Context(), w, src, ex, n, 0, nil, "cal-")
		if err != nil {
			t.Fatalf("calibration produce: %v", err)
		}
		produced := time.Since(start)
		want := ex.posts()
		if got := p.waitStored(want, 10*time.Minute); got < want {
			t.Fatalf("calibration: only %d of %d posts stored", got, want)
		}
		took := time.Since(start)
		capacity := float64(want) / took.Seconds()
		rate = max(int(capacity*frac), 10)
		t.Logf("calibration: %d records (%d accepted) produced in %.1fs, all stored after %.1fs: capacity %.0f posts/s; soaking at %.2f x capacity = %d posts/s",
			sent, want, produced.Seconds(), took.Seconds(), capacity, frac, rate)
		p.waitLagZero(p.runLag(), lagBound)
	}

	total := int(dur.Seconds()) * rate
	src := startGenerate(t, "--posts", fmt.Sprint(total), "--days", "28", "--seed", "61", "--start", "2026-10-01", "--invalid-rate", "0.01")
	t.Logf("soak: %s at %d posts/s = %d records", dur, rate, total)
	before := ex.posts()

	// Producer: rate/10 records every 100ms.
	prodDone := make(chan error, 1)
	var produced atomic.Int64
	go func() {
		_, err := produceStream(t.Context(), w, src, ex, total, rate, &produced, "")
		prodDone <- err
	}()

	var samples []soakSample
	start := time.Now()
	sample := func() {
		m, err := metrics(p.adminAddr)
		if err != nil {
			t.Logf("scrape: %v", err)
			return
		}
		lag, err := p.totalLag(p.runLag())
		if err != nil {
			t.Logf("lag: %v", err)
			return
		}
		samples = append(samples, soakSample{
			at: time.Since(start), rss: m["process_resident_memory_bytes"], goroutines: m["go_goroutines"], lag: lag,
			consumed: m["undertone_ingest_consumed_records_total"], rejected: m["undertone_ingest_rejected_records_total"],
			retries: m["undertone_stream_handler_retries_total"] + m["undertone_store_write_retries_total"],
		})
	}
	tick := time.NewTicker(every)
	producing := true
	for producing {
		select {
		case err := <-prodDone:
			if err != nil {
				t.Fatalf("produce: %v", err)
			}
			producing = false
		case <-tick.C:
			if run.exited() {
				t.Fatalf("run exited: %v\n%s", run.err, tail(run.out.String(), 30))
			}
			sample()
		}
	}
	tick.Stop()
	sample()
	producedIn := time.Since(start)
	want := ex.posts()
	if got := p.waitStored(want, 5*time.Minute); got < want {
		lag, err := p.totalLag(p.runLag())
		t.Fatalf("only %d of %d posts stored 5 minutes after producing ended (consumer lag %d, %v); run's log:\n%s",
			got, want, lag, err, tail(p.logs(), 60))
	}
	drained := time.Since(start)
	took := p.waitLagZero(p.runLag(), lagBound)
	sample()
	t.Logf("soak produced %d records (%d accepted) in %.0fs (%.0f/s, target %d/s); all stored %.1fs after the last produce; lag zero %.1fs later",
		produced.Load(), want-before, producedIn.Seconds(), float64(produced.Load())/producedIn.Seconds(), rate,
		(drained - producedIn).Seconds(), took.Seconds())
	checkSoak(t, samples, rate)
	run.stop(t)
	ex.check(t, p)
	checkAggregates(t, p)
}

// soakRate parses UNDERTONE_SOAK_RATE: "" (40), a number, "auto" or
// "auto:F".
func soakRate(t *testing.T, v string) (rate int, frac float64, auto bool) {
	t.Helper()
	switch {
	case v == "":
		return 40, 0, false
	case v == "auto":
		return 0, 0.8, true
	case strings.HasPrefix(v, "auto:"):
		f, err := strconv.ParseFloat(strings.TrimPrefix(v, "auto:"), 64)
		if err != nil || f <= 0 || f > 2 {
			t.Fatalf("UNDERTONE_SOAK_RATE=%q: want auto:F with 0 < F <= 2", v)
		}
		return 0, f, true
	}
	r, err := strconv.Atoi(v)
	if err != nil || r <= 0 {
		t.Fatalf("UNDERTONE_SOAK_RATE=%q: want posts/s > 0, auto or auto:F", v)
	}
	return r, 0, false
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d > 0 {
		return d
	}
	return def
}

// startGenerate runs `undertone generate` and returns its stdout, read as
// the test consumes it; the process is killed at cleanup.
func startGenerate(t *testing.T, args ...string) *bufio.Reader {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"generate", "--topics", "../config/topics.yaml"}, args...)...)
	cmd.Env = append(os.Environ(), "UNDERTONE_CONFIG=", "UNDERTONE_PRIVACY_PSEUDONYM_KEY="+pseudonymKey)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("generate: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return bufio.NewReaderSize(out, 1<<20)
}

// produceStream sends up to n lines of src to posts.raw, recording each in
// ex: all at once in chunks of 2,000 when rate is 0, else rate/10 lines
// every 100 ms. A non-empty idPrefix is put in front of each record's
// string id. It returns how many it sent.
func produceStream(ctx context.Context, w *kafka.Writer, src *bufio.Reader, ex *streamExpect, n, rate int, sent *atomic.Int64, idPrefix string) (int, error) {
	per, every := 2000, time.Duration(0)
	if rate > 0 {
		per, every = max(rate/10, 1), 100*time.Millisecond
	}
	var tick <-chan time.Time
	if every > 0 {
		tk := time.NewTicker(every)
		defer tk.Stop()
		tick = tk.C
	}
	done := 0
	msgs := make([]kafka.Message, 0, per)
	for done < n {
		if tick != nil {
			select {
			case <-tick:
			case <-ctx.Done():
				return done, ctx.Err()
			}
		}
		msgs = msgs[:0]
		for len(msgs) < per && done+len(msgs) < n {
			line, err := src.ReadBytes('\n')
			if len(line) > 0 && line[len(line)-1] == '\n' {
				line = line[:len(line)-1]
			}
			if idPrefix != "" {
				line = prefixID(line, idPrefix)
			}
			if len(line) > 0 {
				ex.add(line)
				msgs = append(msgs, kafka.Message{Key: []byte(strconv.Itoa(ex.lines)), Value: line})
			}
			if err != nil {
				if err == io.EOF {
					n = done + len(msgs)
					break
				}
				return done, err
			}
		}
		if len(msgs) == 0 {
			break
		}
		if err := w.WriteMessages(ctx, msgs...); err != nil {
			return done, err
		}
		done += len(msgs)
		if sent != nil {
			sent.Store(int64(done))
		}
	}
	return done, nil
}

// prefixID puts prefix in front of the record's string id, when it has a
// non-empty one (an empty id stays empty: the record stays invalid).
func prefixID(line []byte, prefix string) []byte {
	const key = `"id":"`
	i := bytes.Index(line, []byte(key))
	if i < 0 || i+len(key) >= len(line) || line[i+len(key)] == '"' {
		return line
	}
	at := i + len(key)
	return slices.Concat(line[:at:at], []byte(prefix), line[at:])
}

// streamExpect is the expectation for a stream too long to keep: a 64-bit
// hash of each accepted post's post_id, and counts.
type streamExpect struct {
	prep     *ingest.Preparer
	mu       sync.Mutex
	hashes   []uint64
	lines    int
	rejected int
}

func newStreamExpect(t *testing.T) *streamExpect {
	t.Helper()
	prep, err := ingest.NewPreparer(ingest.PreparerConfig{
		PseudonymKey: []byte(pseudonymKey), PseudonymKeyID: "k1", MaxTextBytes: 20000, Languages: []string{"en"}, OtherLang: "keep",
	})
	if err != nil {
		t.Fatal(err)
	}
	return &streamExpect{prep: prep}
}

func (e *streamExpect) add(line []byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.lines++
	c, err := e.prep.Prepare(line)
	if err != nil {
		e.rejected++
		return
	}
	e.hashes = append(e.hashes, hashID(c.PostID))
}

// posts is the number of distinct accepted posts so far.
func (e *streamExpect) posts() uint64 {
	e.mu.Lock()
	h := slices.Clone(e.hashes)
	e.mu.Unlock()
	slices.Sort(h)
	return uint64(len(slices.Compact(h)))
}

func hashID(id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64()
}

// check streams every stored post_id and compares the multiset of hashes
// with the expected one: no post missing, none stored twice, none extra.
func (e *streamExpect) check(t *testing.T, p *pipeline) {
	t.Helper()
	want := slices.Clone(e.hashes)
	slices.Sort(want)
	want = slices.Compact(want) // a record sent twice is one post
	rows, err := p.conn.Query(t.Context(), "SELECT post_id FROM "+p.db+".posts")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := make([]uint64, 0, len(want))
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		got = append(got, hashID(id))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	missing, extra, dup := 0, 0, 0
	i, j := 0, 0
	for i < len(want) || j < len(got) {
		switch {
		case j < len(got) && j > 0 && got[j] == got[j-1]:
			dup++
			j++
		case j >= len(got) || (i < len(want) && want[i] < got[j]):
			missing++
			i++
		case i >= len(want) || got[j] < want[i]:
			extra++
			j++
		default:
			i++
			j++
		}
	}
	t.Logf("exactly once: %d records sent, %d accepted, %d rejected; %d rows in posts", e.lines, len(want), e.rejected, len(got))
	if missing+extra+dup > 0 {
		t.Errorf("posts: %d accepted posts missing, %d stored twice, %d stored that were never accepted", missing, dup, extra)
	}
}

func checkSoak(t *testing.T, s []soakSample, rate int) {
	t.Helper()
	if len(s) < 6 {
		t.Fatalf("only %d samples", len(s))
	}
	var table strings.Builder
	for _, x := range s {
		fmt.Fprintf(&table, "  t=%5.0fs rss=%6.1fMiB goroutines=%4.0f lag=%6d consumed=%8.0f rejected=%6.0f retries=%.0f\n",
			x.at.Seconds(), x.rss/(1<<20), x.goroutines, x.lag, x.consumed, x.rejected, x.retries)
	}
	t.Logf("samples:\n%s", table.String())
	warm := s[len(s)/10:]
	third := len(warm) / 3
	first, last := warm[:third], warm[len(warm)-third:]
	peak := func(xs []soakSample, f func(soakSample) float64) float64 {
		return slices.Max(func() []float64 {
			var v []float64
			for _, x := range xs {
				v = append(v, f(x))
			}
			return v
		}())
	}
	rss := func(x soakSample) float64 { return x.rss }
	gor := func(x soakSample) float64 { return x.goroutines }
	r1, r3 := peak(first, rss), peak(last, rss)
	g1, g3 := peak(first, gor), peak(last, gor)
	t.Logf("RSS peak: first third %.1f MiB, last third %.1f MiB; goroutines peak: %.0f, %.0f", r1/(1<<20), r3/(1<<20), g1, g3)
	if r3 > r1*1.25+32<<20 {
		t.Errorf("RSS grew: last third peak %.1f MiB > first third peak %.1f MiB * 1.25 + 32 MiB", r3/(1<<20), r1/(1<<20))
	}
	if g3 > g1+25 {
		t.Errorf("goroutines grew: last third peak %.0f > first third peak %.0f + 25", g3, g1)
	}
	var maxLag int64
	for _, x := range s {
		maxLag = max(maxLag, x.lag)
	}
	bound := int64(30 * rate)
	t.Logf("max lag %d messages (bound %d = 30 s of input)", maxLag, bound)
	if maxLag > bound {
		t.Errorf("lag reached %d messages, above 30 s of input (%d)", maxLag, bound)
	}
	delta := func(xs []soakSample, f func(soakSample) float64) float64 { return f(xs[len(xs)-1]) - f(xs[0]) }
	ret := func(x soakSample) float64 { return x.retries }
	if d1, d3 := delta(first, ret), delta(last, ret); d3 > d1+2 {
		t.Errorf("retries drift: %v in the last third, %v in the first", d3, d1)
	}
	ratio := func(xs []soakSample) float64 {
		c := delta(xs, func(x soakSample) float64 { return x.consumed })
		if c == 0 {
			return 0
		}
		return delta(xs, func(x soakSample) float64 { return x.rejected }) / c
	}
	q1, q3 := ratio(first), ratio(last)
	t.Logf("rejection rate: first third %.4f, last third %.4f", q1, q3)
	if math.Abs(q3-q1) > 0.02 {
		t.Errorf("rejection rate drifted from %.4f to %.4f", q1, q3)
	}
}
