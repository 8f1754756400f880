package report

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Job is one scheduled piece of work: the weekly report or an alert rule.
type Job struct {
	// Name is the ledger's job key, stable across releases
	// ("weekly-report", "alert/<rule>").
	Name string
	// Kind is a metric label: report or alert.
	Kind     string
	Schedule *Schedule
	// Period names what a run at slot covers (for the weekly report the
	// ISO week reported on). Exactly one run is delivered per (Name,
	// Period). Nil means the slot itself (RFC 3339, UTC).
	Period func(slot time.Time) string
	// CatchUp is how far back a missed slot is still run when the scheduler
	// starts (the server was down at 07:00 Monday); zero disables catch-up.
	CatchUp time.Duration
	// Run does the work of one slot. It returns a short JSON detail for the
	// ledger. It must return an error only when nothing was delivered, so
	// the period can safely be retried; a destination that fails after its
	// retries is reported in detail, not as an error.
	Run func(ctx context.Context, slot time.Time, period string) (detail string, err error)
}

func (j Job) period(slot time.Time) string {
	if j.Period == nil {
		return slot.UTC().Format(time.RFC3339)
	}
	return j.Period(slot)
}

// SchedulerConfig tunes the exactly-once protocol.
type SchedulerConfig struct {
	// Replica names this process in the ledger (host name by default).
	Replica string
	// Settle is how long a replica waits between writing its claim and
	// reading the claims back. It must exceed the clock skew between
	// replicas plus the time an insert takes to become visible.
	Settle time.Duration
	// Lease is how long a claim without a done entry blocks others; after
	// it a crashed winner's period can be claimed again.
	Lease time.Duration
	// RetryEvery is the pause before a failed run is tried again (until
	// the next slot); zero disables retries.
	RetryEvery time.Duration
	// MaxSleep caps one wait so wall-clock jumps (suspend, NTP) are noticed.
	MaxSleep time.Duration
}

// Settings carries what the caller wires in.
type Settings struct {
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	Clock      Clock
}

func (s Settings) withDefaults() Settings {
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.Registerer == nil {
		s.Registerer = prometheus.NewRegistry()
	}
	if s.Clock == nil {
		s.Clock = SystemClock{}
	}
	return s
}

// Outcome says what Fire did.
type Outcome string

// Outcomes of Fire.
const (
	OutcomeRan       Outcome = "ran"       // this replica ran the job
	OutcomeDone      Outcome = "done"      // already delivered earlier
	OutcomeElsewhere Outcome = "elsewhere" // another replica holds a live claim
	OutcomeLost      Outcome = "lost"      // this replica's claim lost the draw
	OutcomeFailed    Outcome = "failed"    // this replica ran the job and it failed
)

// Scheduler runs Jobs on their cron schedules and, through a Ledger, makes
// each (job, period) run once across restarts and replicas.
//
// The claim protocol: a replica that finds no done entry and no live claim
// appends a claim stamped with its clock and a random id, waits Settle,
// reads the claims back and runs only if its claim is the smallest live
// (At, ClaimID). Two replicas that both claim before either reads back see
// the same set and pick the same winner. A replica whose claim becomes
// visible only after another's read-back has a later At (clock skew is
// below Settle), so it sorts after the claim that replica saw, and loses.
// Losers release their claims; a failed run releases its claim so the
// period can be retried; a winner that crashes mid-run blocks the period
// for Lease. Delivery is exactly once unless a winner crashes after
// delivering and before writing done (then the period runs again after the
// lease: at least once).
type Scheduler struct {
	cfg    SchedulerConfig
	ledger Ledger
	set    Settings
	jobs   []Job
	log    *slog.Logger

	runs     *prometheus.CounterVec
	lastOK   *prometheus.GaugeVec
	duration *prometheus.HistogramVec
}

// NewScheduler returns a Scheduler for jobs. It does not start anything.
func NewScheduler(cfg SchedulerConfig, ledger Ledger, set Settings, jobs ...Job) (*Scheduler, error) {
	set = set.withDefaults()
	if ledger == nil {
		return nil, errors.New("report: scheduler: nil ledger")
	}
	if cfg.Lease <= cfg.Settle {
		return nil, fmt.Errorf("report: scheduler: lease %v must exceed settle %v", cfg.Lease, cfg.Settle)
	}
	if cfg.MaxSleep <= 0 {
		cfg.MaxSleep = time.Minute
	}
	if cfg.Replica == "" {
		cfg.Replica = "replica"
	}
	seen := map[string]bool{}
	for _, j := range jobs {
		if j.Name == "" || j.Schedule == nil || j.Run == nil {
			return nil, fmt.Errorf("report: scheduler: job %q needs a name, a schedule and a run function", j.Name)
		}
		if seen[j.Name] {
			return nil, fmt.Errorf("report: scheduler: duplicate job %q", j.Name)
		}
		seen[j.Name] = true
	}
	f := promauto.With(set.Registerer)
	return &Scheduler{
		cfg: cfg, ledger: ledger, set: set, jobs: jobs,
		log: set.Logger.With("component", "scheduler", "replica", cfg.Replica),
		runs: f.NewCounterVec(prometheus.CounterOpts{
			Name: "undertone_reports_runs_total",
			Help: "Scheduled runs by job kind and outcome (ran, done, elsewhere, lost, failed).",
		}, []string{"kind", "outcome"}),
		lastOK: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "undertone_reports_last_success_timestamp_seconds",
			Help: "Unix time of the last successful run by job kind.",
		}, []string{"kind"}),
		duration: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "undertone_reports_run_duration_seconds",
			Help:    "Duration of runs this replica executed, by job kind.",
			Buckets: []float64{0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300},
		}, []string{"kind"}),
	}, nil
}

// Run starts one loop per job and blocks until ctx is done; it then waits
// for runs in progress to return (they see the cancelled ctx) and returns
// nil. On start each job with CatchUp runs its last missed slot.
func (s *Scheduler) Run(ctx context.Context) error {
	s.log.Info("scheduler started", "jobs", len(s.jobs), "settle", s.cfg.Settle, "lease", s.cfg.Lease)
	var wg sync.WaitGroup
	for _, j := range s.jobs {
		wg.Go(func() { s.loop(ctx, j) })
	}
	wg.Wait()
	s.log.Info("scheduler stopped")
	return nil
}

func (s *Scheduler) loop(ctx context.Context, j Job) {
	clock := s.set.Clock
	now := clock.Now()
	if j.CatchUp > 0 {
		if slot, ok := j.Schedule.Prev(now, j.CatchUp); ok {
			s.fireWithRetry(ctx, j, slot)
		}
	}
	next := j.Schedule.Next(now)
	for !next.IsZero() {
		now = clock.Now()
		if !now.Before(next) {
			s.fireWithRetry(ctx, j, next)
			next = j.Schedule.Next(maxTime(next, clock.Now()))
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-clock.After(min(next.Sub(now), s.cfg.MaxSleep)):
		}
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// fireWithRetry fires slot and, while it fails and the next slot has not
// come, retries every RetryEvery.
func (s *Scheduler) fireWithRetry(ctx context.Context, j Job, slot time.Time) {
	next := j.Schedule.Next(slot)
	for {
		out, err := s.Fire(ctx, j, slot)
		if err == nil || ctx.Err() != nil || s.cfg.RetryEvery <= 0 {
			return
		}
		s.log.Warn("scheduled run failed", "job", j.Name, "slot", slot, "outcome", out, "err", err)
		at := s.set.Clock.Now().Add(s.cfg.RetryEvery)
		if !next.IsZero() && !at.Before(next) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-s.set.Clock.After(s.cfg.RetryEvery):
		}
	}
}

// Fire runs j for slot unless the ledger says it is done or another replica
// holds it. It blocks for at least Settle. The returned error is the run's
// error or a ledger error.
func (s *Scheduler) Fire(ctx context.Context, j Job, slot time.Time) (Outcome, error) {
	out, err := s.fire(ctx, j, slot)
	s.runs.WithLabelValues(j.Kind, string(out)).Inc()
	return out, err
}

func (s *Scheduler) fire(ctx context.Context, j Job, slot time.Time) (Outcome, error) {
	clock := s.set.Clock
	period := j.period(slot)
	log := s.log.With("job", j.Name, "period", period)
	entries, err := s.ledger.Entries(ctx, j.Name, period)
	if err != nil {
		return OutcomeFailed, fmt.Errorf("report: ledger: %w", err)
	}
	if d := decide(entries, clock.Now(), s.cfg.Lease); d.done {
		log.Debug("already delivered")
		return OutcomeDone, nil
	} else if d.live > 0 {
		log.Debug("claimed by another replica", "winner", d.winner.Replica)
		return OutcomeElsewhere, nil
	}
	mine := Entry{Job: j.Name, Period: period, ClaimID: newClaimID(), Replica: s.cfg.Replica, State: StateClaim, At: clock.Now()}
	if err := s.ledger.Append(ctx, mine); err != nil {
		return OutcomeFailed, fmt.Errorf("report: ledger: claim: %w", err)
	}
	release := func(detail string) {
		rel := mine
		rel.State, rel.At, rel.Detail = StateReleased, clock.Now(), detail
		// Release even when ctx is cancelled: a stuck claim blocks others
		// for the whole lease.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := s.ledger.Append(rctx, rel); err != nil {
			log.Warn("release claim failed", "err", err)
		}
	}
	if s.cfg.Settle > 0 {
		select {
		case <-ctx.Done():
			release("cancelled")
			return OutcomeFailed, ctx.Err()
		case <-clock.After(s.cfg.Settle):
		}
	}
	entries, err = s.ledger.Entries(ctx, j.Name, period)
	if err != nil {
		release("ledger read failed")
		return OutcomeFailed, fmt.Errorf("report: ledger: %w", err)
	}
	d := decide(entries, clock.Now(), s.cfg.Lease)
	if d.done {
		release("already done")
		return OutcomeDone, nil
	}
	if d.winner.ClaimID != mine.ClaimID {
		release("lost to " + d.winner.Replica)
		log.Debug("claim lost", "winner", d.winner.Replica)
		return OutcomeLost, nil
	}
	log.Info("run started", "slot", slot)
	start := time.Now()
	detail, err := j.Run(ctx, slot, period)
	s.duration.WithLabelValues(j.Kind).Observe(time.Since(start).Seconds())
	if err != nil {
		release("run failed")
		return OutcomeFailed, fmt.Errorf("report: %s %s: %w", j.Name, period, err)
	}
	done := mine
	done.State, done.At, done.Detail = StateDone, clock.Now(), detail
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := s.ledger.Append(dctx, done); err != nil {
		// Delivered but not recorded: the lease still blocks other replicas;
		// after it the period could run again.
		return OutcomeRan, fmt.Errorf("report: ledger: done: %w", err)
	}
	s.lastOK.WithLabelValues(j.Kind).Set(float64(clock.Now().Unix()))
	log.Info("run finished", "duration", time.Since(start).Round(time.Millisecond))
	return OutcomeRan, nil
}

func newClaimID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}
