package report

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Ledger states.
const (
	// StateClaim is a replica's bid to run (job, period).
	StateClaim = "claim"
	// StateReleased withdraws a claim: the bid lost, or the run failed
	// before anything was delivered, so the period may be tried again.
	StateReleased = "released"
	// StateDone records that (job, period) ran and its deliveries were
	// attempted; it is never run again.
	StateDone = "done"
)

// Entry is one row of the run ledger, an append-only log.
type Entry struct {
	Job     string // "weekly-report", "alert/<rule>"
	Period  string // "2026-W47", an alert slot
	ClaimID string
	Replica string
	State   string
	At      time.Time
	Detail  string // JSON summary of a done run (destinations and results)
}

// Ledger is the run ledger the Scheduler uses to deliver each (job,
// period) once across restarts and replicas. Implementations must make an
// appended entry visible to every later Entries call from any replica
// (read-your-writes across replicas); all methods are safe for concurrent
// use.
type Ledger interface {
	// Append records e.
	Append(ctx context.Context, e Entry) error
	// Entries returns every entry of (job, period), in any order.
	Entries(ctx context.Context, job, period string) ([]Entry, error)
	// LastDone returns the most recent done entry of job, over all periods.
	LastDone(ctx context.Context, job string) (Entry, bool, error)
}

// MemLedger is an in-process Ledger for tests and single-process runs with
// nothing to remember across restarts. The zero value is ready to use.
type MemLedger struct {
	mu      sync.Mutex
	entries []Entry
}

// Append implements Ledger.
func (m *MemLedger) Append(_ context.Context, e Entry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries = append(m.entries, e)
	return nil
}

// Entries implements Ledger.
func (m *MemLedger) Entries(_ context.Context, job, period string) ([]Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Entry
	for _, e := range m.entries {
		if e.Job == job && e.Period == period {
			out = append(out, e)
		}
	}
	return out, nil
}

// LastDone implements Ledger.
func (m *MemLedger) LastDone(_ context.Context, job string) (Entry, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var best Entry
	ok := false
	for _, e := range m.entries {
		if e.Job == job && e.State == StateDone && (!ok || e.At.After(best.At)) {
			best, ok = e, true
		}
	}
	return best, ok, nil
}

// All returns a copy of every entry, in append order.
func (m *MemLedger) All() []Entry {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.entries)
}

// decision is what a set of ledger entries says about (job, period).
type decision struct {
	done   bool
	winner Entry // the live claim that sorts first; zero if none
	live   int
}

// decide applies the claim rule: ignore released and expired claims (older
// than lease at now); the winner is the live claim with the smallest (At,
// ClaimID).
func decide(entries []Entry, now time.Time, lease time.Duration) decision {
	var d decision
	released := map[string]bool{}
	for _, e := range entries {
		switch e.State {
		case StateDone:
			d.done = true
		case StateReleased:
			released[e.ClaimID] = true
		}
	}
	for _, e := range entries {
		if e.State != StateClaim || released[e.ClaimID] || !e.At.After(now.Add(-lease)) {
			continue
		}
		d.live++
		if d.winner.ClaimID == "" || e.At.Before(d.winner.At) || (e.At.Equal(d.winner.At) && e.ClaimID < d.winner.ClaimID) {
			d.winner = e
		}
	}
	return d
}
