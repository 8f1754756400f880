// Package enrich defines the contract every enricher implements, the
// registry of enricher factories and the chain that runs them.
package enrich

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/undertone/undertone/post"
)

// Enricher adds derived fields to posts.
//
// Enrich annotates the posts of batch in place. It returns a non-nil error
// only when the whole batch cannot be processed (a dependency is down, ctx
// is done); problems with a single post are recorded with post.Enriched.Fail
// and do not stop the batch. Enrich must return promptly once ctx is done,
// and must be safe for concurrent use by multiple goroutines. The caller
// owns batch; the enricher must not keep references to it after returning.
type Enricher interface {
	// Name is the stable identifier used in config keys, metric labels and logs.
	Name() string
	// Version identifies the enricher's behaviour (code + model). It is
	// recorded in Enriched.Enrichers so re-enriched data can be told apart.
	Version() string
	Enrich(ctx context.Context, batch []post.Enriched) error
}

// Config is an enricher's typed configuration.
type Config interface {
	// Validate reports the first invalid setting, naming the key, the value
	// and what is allowed.
	Validate() error
}

// Settings carries the dependencies every enricher gets from its caller.
type Settings struct {
	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// Factory builds one kind of enricher; cmd/ lists factories explicitly.
type Factory struct {
	// Name is the enricher's stable name (config key, metric label).
	Name string
	// DefaultConfig returns a pointer to a fresh config with defaults; the
	// registry decodes the user's settings on top of it.
	DefaultConfig func() Config
	// New builds the enricher. It does the expensive work (loading models)
	// once.
	New func(cfg Config, set Settings) (Enricher, error)
}
