package enrich

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/undertone/undertone/enrich/internal/postfeat"
	"github.com/undertone/undertone/enrich/internal/tokens"
	"github.com/undertone/undertone/post"
)

// Chain runs enrichers in order over batches of posts. It wraps every
// enricher with a duration histogram and a failure counter, records each
// enricher's version in Enriched.Enrichers and isolates panics to the post
// that caused them. A Chain is safe for concurrent use.
type Chain struct {
	stages []stage
	logger *slog.Logger
}

type stage struct {
	e       Enricher
	name    string
	version string
	dur     prometheus.Observer
	fails   prometheus.Counter
}

// Metric names of the chain.
const (
	metricDuration = "undertone_enrich_duration_seconds"
	metricFailures = "undertone_enrich_failures_total"
)

// NewChain returns a chain running enrichers in the given order. Metrics are
// registered with set.Registerer when it is non-nil (registering the same
// metrics twice, e.g. for a second chain, reuses the first collectors).
func NewChain(set Settings, enrichers ...Enricher) (*Chain, error) {
	dur := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    metricDuration,
		Help:    "Time one enricher spent on one batch (or sub-batch) of posts.",
		Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
	}, []string{"enricher"})
	fails := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: metricFailures,
		Help: "Posts an enricher could not process (recorded in the post's failures).",
	}, []string{"enricher"})
	if set.Registerer != nil {
		var err error
		if dur, err = register(set.Registerer, dur); err != nil {
			return nil, err
		}
		if fails, err = register(set.Registerer, fails); err != nil {
			return nil, err
		}
	}
	logger := set.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &Chain{logger: logger}
	seen := map[string]bool{}
	for _, e := range enrichers {
		n := e.Name()
		if seen[n] {
			return nil, fmt.Errorf("enrich: enricher %q twice in chain", n)
		}
		seen[n] = true
		c.stages = append(c.stages, stage{
			e: e, name: n, version: e.Version(),
			dur: dur.WithLabelValues(n), fails: fails.WithLabelValues(n),
		})
	}
	return c, nil
}

func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		return c, fmt.Errorf("enrich: register metrics: %w", err)
	}
	return c, nil
}

// Names returns the enricher names in chain order.
func (c *Chain) Names() []string {
	out := make([]string, len(c.stages))
	for i, s := range c.stages {
		out[i] = s.name
	}
	return out
}

// Versions returns enricher name → version for every enricher of the chain.
func (c *Chain) Versions() map[string]string {
	out := make(map[string]string, len(c.stages))
	for _, s := range c.stages {
		out[s.name] = s.version
	}
	return out
}

// Enrich runs every enricher over batch, in order, in the calling
// goroutine. Problems with one post are recorded in that post's Failures
// (including a panic, which is isolated to the post that caused it); Enrich
// returns an error only when ctx is done or an enricher reports that the
// whole batch failed. The caller owns batch.
func (c *Chain) Enrich(ctx context.Context, batch []post.Enriched) error {
	if len(batch) == 0 {
		return ctx.Err()
	}
	// Word tokens (entity, topic, intent) are computed at most once per
	// post, on first use, and shared by the enrichers that use them;
	// sentiment and emotion share their model features the same way
	// (enrich/internal/postfeat).
	sh := sharedTokens.Get().(*sharedState)
	defer sharedTokens.Put(sh)
	ctx = tokens.WithShared(ctx, &sh.words, len(batch))
	ctx = postfeat.WithShared(ctx, &sh.feats)
	defer sh.feats.Reset()
	for i := range c.stages {
		s := &c.stages[i]
		if err := ctx.Err(); err != nil {
			return err
		}
		start := time.Now()
		err := s.run(ctx, batch)
		s.dur.Observe(time.Since(start).Seconds())
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			return fmt.Errorf("enrich: %s: %w", s.name, err)
		}
		n := 0
		for j := range batch {
			p := &batch[j]
			if p.Enrichers == nil {
				p.Enrichers = map[string]string{}
			}
			p.Enrichers[s.name] = s.version
			for _, f := range p.Failures {
				if f.Enricher == s.name {
					n++
				}
			}
		}
		if n > 0 {
			s.fails.Add(float64(n))
		}
	}
	return nil
}

type sharedState struct {
	words tokens.Shared
	feats postfeat.Shared
}

var sharedTokens = sync.Pool{New: func() any { return new(sharedState) }}

// snapshots holds shallow copies of batches so a panicking enricher's
// partial work can be undone before the per-post retry.
var snapshots = sync.Pool{New: func() any { return new([]post.Enriched) }}

// run calls the enricher; when it panics, run restores the batch to its
// state before the call (a shallow copy: slices appended to are cut back to
// their old length; map and in-place writes are redone identically by the
// retry) and retries post by post, so the panic only marks the post that
// caused it.
func (s *stage) run(ctx context.Context, batch []post.Enriched) (err error) {
	sp := snapshots.Get().(*[]post.Enriched)
	snap := append((*sp)[:0], batch...)
	defer func() {
		clear(snap)
		*sp = snap[:0]
		snapshots.Put(sp)
	}()
	if perr := s.call(ctx, batch); perr == nil || !errors.Is(perr, errPanic) {
		return perr
	}
	copy(batch, snap)
	for i := range batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		one := batch[i : i+1 : i+1]
		if perr := s.call(ctx, one); perr != nil {
			if !errors.Is(perr, errPanic) {
				return perr
			}
			batch[i] = snap[i] // drop the partial work on this post too
			batch[i].Fail(s.name, perr)
		}
	}
	return nil
}

var errPanic = errors.New("enricher panicked")

func (s *stage) call(ctx context.Context, batch []post.Enriched) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errPanic, r)
		}
	}()
	return s.e.Enrich(ctx, batch)
}

// EnrichParallel splits batch into up to workers contiguous parts and runs
// Enrich on each in its own goroutine (workers <= 0 means GOMAXPROCS). Parts
// are at least minPart posts so small batches stay on one goroutine. It
// blocks until every part is done and returns the first error.
func (c *Chain) EnrichParallel(ctx context.Context, batch []post.Enriched, workers int) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	const minPart = 64
	if parts := (len(batch) + minPart - 1) / minPart; parts < workers {
		workers = parts
	}
	if workers <= 1 {
		return c.Enrich(ctx, batch)
	}
	size := (len(batch) + workers - 1) / workers
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := 0; w < workers; w++ {
		lo := w * size
		hi := min(lo+size, len(batch))
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func(w int, part []post.Enriched) {
			defer wg.Done()
			errs[w] = c.Enrich(ctx, part)
		}(w, batch[lo:hi:hi])
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
