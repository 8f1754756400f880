//go:build integration

package report_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/undertone/undertone/internal/testenv"
	"github.com/undertone/undertone/report"
)

// TestClickHouseLedgerExactlyOnce races two replicas, each with its own
// connection and real clock, over 10 periods through the ClickHouse
// ledger; every period must run exactly once.
func TestClickHouseLedgerExactlyOnce(t *testing.T) {
	addr := testenv.ClickHouse(t)
	db := testenv.Database(t, addr)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()

	var mu sync.Mutex
	runs := map[string][]string{}
	sched, err := report.ParseCron("0 7 * * 1", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(replica string) (*report.Scheduler, report.Job) {
		l, err := report.NewClickHouseLedger(testenv.Conn(t, addr, db), db)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Ensure(ctx); err != nil {
			t.Fatal(err)
		}
		j := report.Job{Name: "weekly-report", Kind: "report", Schedule: sched,
			Run: func(_ context.Context, _ time.Time, period string) (string, error) {
				mu.Lock()
				defer mu.Unlock()
				runs[period] = append(runs[period], replica)
				return `{"ok":true}`, nil
			}}
		s, err := report.NewScheduler(report.SchedulerConfig{Replica: replica, Settle: 300 * time.Millisecond, Lease: time.Minute},
			l, report.Settings{Registerer: prometheus.NewRegistry()}, j)
		if err != nil {
			t.Fatal(err)
		}
		return s, j
	}
	a, ja := mk("a")
	b, jb := mk("b")
	base := time.Date(2026, 1, 5, 7, 0, 0, 0, time.UTC)
	const periods = 10
	var wg sync.WaitGroup
	for i := range periods {
		slot := base.AddDate(0, 0, 7*i)
		for _, r := range []struct {
			s *report.Scheduler
			j report.Job
		}{{a, ja}, {b, jb}} {
			wg.Go(func() {
				if _, err := r.s.Fire(ctx, r.j, slot); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	if len(runs) != periods {
		t.Fatalf("%d periods ran, want %d: %v", len(runs), periods, runs)
	}
	for p, rs := range runs {
		if len(rs) != 1 {
			t.Errorf("period %s ran %d times: %v", p, len(rs), rs)
		}
	}
	// A later claimer finds every period done.
	for i := range periods {
		out, err := a.Fire(ctx, ja, base.AddDate(0, 0, 7*i))
		if err != nil || out != report.OutcomeDone {
			t.Errorf("refire %d = %v %v, want done", i, out, err)
		}
	}
	l, _ := report.NewClickHouseLedger(testenv.Conn(t, addr, db), db)
	last, ok, err := l.LastDone(ctx, "weekly-report")
	if err != nil || !ok || last.State != report.StateDone || runs[last.Period] == nil {
		t.Errorf("last done = %+v %v %v", last, ok, err)
	}
}
