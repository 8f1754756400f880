//go:build integration

package e2e_test

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

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
// UNDERTONE_SOAK_DURATION (default 2m; `make soak` sets 30m) at
// UNDERTONE_SOAK_RATE posts/s (default 40), sampling RSS, goroutines and
// consumer lag every UNDERTONE_SOAK_EVERY (default 5s). After the warm-up
// (the first 10%), it asserts: the last third's peak RSS within 25% + 32 MiB
// of the first third's, peak goroutines within +25, lag never above 30 s of
// input, no retries appearing late and the rejection rate steady; then
// every valid post is stored exactly once.
func TestSoak(t *testing.T) {
	dur := 2 * time.Minute
	if d, err := time.ParseDuration(os.Getenv("UNDERTONE_SOAK_DURATION")); err == nil && d > 0 {
		dur = d
	}
	rate := envInt("UNDERTONE_SOAK_RATE", 40)
	every := 5 * time.Second
	if d, err := time.ParseDuration(os.Getenv("UNDERTONE_SOAK_EVERY")); err == nil && d > 0 {
		every = d
	}
	total := int(dur.Seconds()) * rate
	p := newPipeline(t, 4, "UNDERTONE_ENRICH_BATCH_SIZE=200")
	lines := generate(t, "--posts", fmt.Sprint(total), "--days", "28", "--seed", "61", "--start", "2026-10-01", "--invalid-rate", "0.01")
	ex := expect(t, lines)
	t.Logf("soak: %s at %d posts/s = %d records (%d valid, %d rejected)", dur, rate, len(lines), len(ex.postIDs), len(ex.rejected))
	p.migrate()
	run := p.start("run")

	// Producer: rate/10 records every 100ms, keyed by line number.
	w := stream.NewWriter(p.brokers, p.raw)
	defer w.Close()
	prodDone := make(chan error, 1)
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		per := max(rate/10, 1)
		for i := 0; i < len(lines); {
			<-tick.C
			end := min(i+per, len(lines))
			msgs := make([]kafka.Message, 0, end-i)
			for j := i; j < end; j++ {
				msgs = append(msgs, kafka.Message{Key: []byte(fmt.Sprint(j)), Value: lines[j]})
			}
			if err := w.WriteMessages(t.Context(), msgs...); err != nil {
				prodDone <- err
				return
			}
			i = end
		}
		prodDone <- nil
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
	produced := time.Since(start)
	want := uint64(len(ex.postIDs))
	if got := p.waitStored(want, 5*time.Minute); got < want {
		t.Fatalf("only %d of %d posts stored 5 minutes after producing ended", got, want)
	}
	drained := time.Since(start)
	took := p.waitLagZero(p.runLag(), lagBound)
	sample()
	t.Logf("produced %d records in %.0fs (%.0f/s); all stored %.1fs after the last produce; lag zero %.1fs later",
		len(lines), produced.Seconds(), float64(len(lines))/produced.Seconds(), (drained - produced).Seconds(), took.Seconds())
	checkSoak(t, samples, rate)
	run.stop(t)
	checkStoredExactly(t, p, ex)
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
