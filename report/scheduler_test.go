package report_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/undertone/undertone/report"
)

type runRecord struct {
	replica string
	slot    time.Time
	period  string
}

type recorder struct {
	mu   sync.Mutex
	runs []runRecord
	fail atomic.Int32 // fail this many runs first
}

func (r *recorder) job(t testing.TB, replica, spec string, loc *time.Location, catchUp time.Duration) report.Job {
	t.Helper()
	s, err := report.ParseCron(spec, loc)
	if err != nil {
		t.Fatal(err)
	}
	return report.Job{
		Name: "weekly-report", Kind: "report", Schedule: s, CatchUp: catchUp,
		Period: func(slot time.Time) string { return report.LastComplete(slot, loc).String() },
		Run: func(ctx context.Context, slot time.Time, period string) (string, error) {
			if r.fail.Load() > 0 {
				r.fail.Add(-1)
				return "", errors.New("query layer down")
			}
			r.mu.Lock()
			defer r.mu.Unlock()
			r.runs = append(r.runs, runRecord{replica, slot, period})
			return `{"ok":true}`, nil
		},
	}
}

func (r *recorder) got() []runRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]runRecord(nil), r.runs...)
}

func schedCfg(replica string) report.SchedulerConfig {
	return report.SchedulerConfig{Replica: replica, Settle: 2 * time.Second, Lease: 30 * time.Minute, RetryEvery: 10 * time.Minute, MaxSleep: time.Hour}
}

// start runs s until the test ends.
func start(t *testing.T, s *report.Scheduler) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("scheduler did not stop")
		}
	})
}

func newSched(t *testing.T, cfg report.SchedulerConfig, l report.Ledger, clk report.Clock, jobs ...report.Job) *report.Scheduler {
	t.Helper()
	s, err := report.NewScheduler(cfg, l, report.Settings{Clock: clk, Registerer: prometheus.NewRegistry()}, jobs...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSchedulerMondayBerlinAcrossDST(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	clk := newFakeClock(time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC))
	var rec recorder
	start(t, newSched(t, schedCfg("a"), &report.MemLedger{}, clk, rec.job(t, "a", "0 7 * * 1", berlin, 0)))
	clk.runTo(t, 1, time.Date(2026, 4, 7, 0, 0, 0, 0, time.UTC))
	want := []runRecord{
		{"a", time.Date(2026, 3, 23, 6, 0, 0, 0, time.UTC), "2026-W12"}, // CET: 07:00 = 06:00Z
		{"a", time.Date(2026, 3, 30, 5, 0, 0, 0, time.UTC), "2026-W13"}, // CEST: 07:00 = 05:00Z
		{"a", time.Date(2026, 4, 6, 5, 0, 0, 0, time.UTC), "2026-W14"},
	}
	assertRuns(t, rec.got(), want)
}

func assertRuns(t *testing.T, got, want []runRecord) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("runs = %v, want %v", got, want)
	}
	for i := range want {
		if got[i].replica != want[i].replica || !got[i].slot.Equal(want[i].slot) || got[i].period != want[i].period {
			t.Errorf("run %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestSchedulerCatchUpOnStart(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	ledger := &report.MemLedger{}
	// The server was down at 07:00 Monday 23 Nov and starts on Tuesday.
	clk := newFakeClock(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))
	var rec recorder
	start(t, newSched(t, schedCfg("a"), ledger, clk, rec.job(t, "a", "0 7 * * 1", berlin, 8*24*time.Hour)))
	clk.runTo(t, 1, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
	assertRuns(t, rec.got(), []runRecord{{"a", time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC), "2026-W47"}})

	// A restart the same week does not deliver W47 again.
	var rec2 recorder
	clk2 := newFakeClock(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	start(t, newSched(t, schedCfg("a"), ledger, clk2, rec2.job(t, "a", "0 7 * * 1", berlin, 8*24*time.Hour)))
	clk2.runTo(t, 1, time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC))
	if got := rec2.got(); len(got) != 0 {
		t.Errorf("restart re-ran: %v", got)
	}
}

func TestSchedulerNoCatchUpOutsideWindow(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	clk := newFakeClock(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))
	var rec recorder
	start(t, newSched(t, schedCfg("a"), &report.MemLedger{}, clk, rec.job(t, "a", "0 7 * * 1", berlin, 12*time.Hour)))
	clk.runTo(t, 1, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
	if got := rec.got(); len(got) != 0 {
		t.Errorf("ran outside the catch-up window: %v", got)
	}
}

func TestSchedulerExactlyOnceAcrossTwoReplicas(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	ledger := &report.MemLedger{}
	clk := newFakeClock(time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC))
	var rec recorder
	start(t, newSched(t, schedCfg("a"), ledger, clk, rec.job(t, "a", "0 7 * * 1", berlin, 8*24*time.Hour)))
	start(t, newSched(t, schedCfg("b"), ledger, clk, rec.job(t, "b", "0 7 * * 1", berlin, 8*24*time.Hour)))
	clk.runTo(t, 2, time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC))
	got := rec.got()
	// W46 by catch-up on start, then W47, W48, W49: each exactly once.
	periods := map[string]int{}
	for _, r := range got {
		periods[r.period]++
	}
	for _, p := range []string{"2026-W46", "2026-W47", "2026-W48", "2026-W49"} {
		if periods[p] != 1 {
			t.Errorf("%s delivered %d times, want 1 (runs %v)", p, periods[p], got)
		}
	}
	if len(got) != 4 {
		t.Errorf("runs = %v", got)
	}
}

func TestFireManyReplicasConcurrently(t *testing.T) {
	ledger := &report.MemLedger{}
	clk := newFakeClock(time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC))
	var rec recorder
	const n = 5
	var wg sync.WaitGroup
	outcomes := make(chan report.Outcome, n)
	for i := range n {
		name := fmt.Sprintf("r%d", i)
		j := rec.job(t, name, "0 7 * * 1", time.UTC, 0)
		s := newSched(t, schedCfg(name), ledger, clk, j)
		wg.Go(func() {
			out, err := s.Fire(t.Context(), j, clk.Now())
			if err != nil {
				t.Error(err)
			}
			outcomes <- out
		})
	}
	// Time moves in 1 s steps while the replicas race: early claimers read
	// back together, late ones see a claim or lose on time.
	allDone := make(chan struct{})
	go func() { wg.Wait(); close(allDone) }()
	for wait := true; wait; {
		select {
		case <-allDone:
			wait = false
		case <-time.After(5 * time.Millisecond):
			clk.set(clk.Now().Add(time.Second))
		}
	}
	close(outcomes)
	ran := 0
	for o := range outcomes {
		if o == report.OutcomeRan {
			ran++
		}
	}
	if ran != 1 || len(rec.got()) != 1 {
		t.Fatalf("ran %d times (%v), want 1", ran, rec.got())
	}
}

func TestFireLateClaimerAndCrashedWinner(t *testing.T) {
	ctx := t.Context()
	ledger := &report.MemLedger{}
	clk := newFakeClock(time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC))
	var rec recorder
	j := rec.job(t, "b", "0 7 * * 1", time.UTC, 0)
	cfg := schedCfg("b")
	cfg.Settle = 0
	b := newSched(t, cfg, ledger, clk, j)
	// Replica a claimed and crashed: its claim blocks b for the lease.
	period := report.LastComplete(clk.Now(), time.UTC).String()
	if err := ledger.Append(ctx, report.Entry{Job: j.Name, Period: period, ClaimID: "0000", Replica: "a", State: report.StateClaim, At: clk.Now()}); err != nil {
		t.Fatal(err)
	}
	if out, err := b.Fire(ctx, j, clk.Now()); err != nil || out != report.OutcomeElsewhere {
		t.Fatalf("fire during lease = %v %v, want elsewhere", out, err)
	}
	clk.set(clk.Now().Add(31 * time.Minute))
	if out, err := b.Fire(ctx, j, clk.Now()); err != nil || out != report.OutcomeRan {
		t.Fatalf("fire after lease = %v %v, want ran", out, err)
	}
	if out, err := b.Fire(ctx, j, clk.Now()); err != nil || out != report.OutcomeDone {
		t.Fatalf("fire after done = %v %v, want done", out, err)
	}
}

func TestSchedulerRetriesFailedRun(t *testing.T) {
	ledger := &report.MemLedger{}
	clk := newFakeClock(time.Date(2026, 11, 23, 5, 0, 0, 0, time.UTC))
	var rec recorder
	rec.fail.Store(2)
	start(t, newSched(t, schedCfg("a"), ledger, clk, rec.job(t, "a", "0 6 * * 1", time.UTC, 0)))
	clk.runTo(t, 1, time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC))
	// Failed at 06:00 and 06:10 (claims released), delivered at 06:20.
	got := rec.got()
	if len(got) != 1 || got[0].period != "2026-W47" {
		t.Fatalf("runs = %v", got)
	}
	states := map[string]int{}
	for _, e := range ledger.All() {
		states[e.State]++
	}
	if states[report.StateDone] != 1 || states[report.StateReleased] != 2 || states[report.StateClaim] != 3 {
		t.Errorf("ledger states = %v", states)
	}
}

func TestSchedulerStopsPromptly(t *testing.T) {
	clk := newFakeClock(time.Date(2026, 11, 23, 5, 0, 0, 0, time.UTC))
	var rec recorder
	s := newSched(t, schedCfg("a"), &report.MemLedger{}, clk, rec.job(t, "a", "0 6 * * 1", time.UTC, 0))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	clk.waitFor(t, 1)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}
