package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/undertone/undertone/config"
	"github.com/undertone/undertone/store"
)

// retentionHosts returns one store config per host retention must run on:
// every host in plain (non-replicated) cluster mode, else the configured
// addresses as one pool.
func retentionHosts(cfg config.Config) []store.Config {
	sc := storeConfig(cfg)
	if sc.Cluster == "" || sc.Replicated {
		return []store.Config{sc}
	}
	var out []store.Config
	for _, a := range sc.Addr {
		c := sc
		c.Addr = []string{a}
		out = append(out, c)
	}
	return out
}

// applyRetention drops expired posts partitions on every host as of now.
func applyRetention(ctx context.Context, cfg config.Config, now time.Time, log *slog.Logger) ([]string, error) {
	var all []string
	for _, sc := range retentionHosts(cfg) {
		conn, err := store.Dial(ctx, sc, log)
		if err != nil {
			return all, err
		}
		r, err := store.NewRetention(conn, sc.Schema(), cfg.Store.RetentionDays, log)
		if err == nil {
			var d []string
			d, err = r.Apply(ctx, now)
			all = append(all, d...)
		}
		_ = conn.Close()
		if err != nil {
			return all, err
		}
	}
	return all, nil
}

// runRetention applies retention now and every store.retention_every until
// ctx ends, logging failures; serve and run start it in a goroutine.
func runRetention(ctx context.Context, cfg config.Config, log *slog.Logger) {
	t := time.NewTicker(cfg.Store.RetentionEvery)
	defer t.Stop()
	for {
		if _, err := applyRetention(ctx, cfg, time.Now(), log); err != nil && ctx.Err() == nil {
			log.Error("retention failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func newRetentionCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "retention",
		Short: "Drop raw posts older than store.retention_days (aggregates are kept)",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "apply",
		Short: "Drop the monthly posts partitions older than store.retention_days now",
		Long: `Apply drops every monthly partition of the posts table whose days are all
older than store.retention_days (so a post is kept between N and N+31 days).
mentions, the daily aggregates and sink_offsets are kept. serve and run do
this every store.retention_every.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			log := newLogger(cfg.Log, cmd.ErrOrStderr())
			ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Minute)
			defer cancel()
			dropped, err := applyRetention(ctx, cfg, time.Now(), log)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "dropped %d partition(s) %v (retention %d days)\n", len(dropped), dropped, cfg.Store.RetentionDays)
			return err
		},
	})
	return cmd
}

// withRetention runs the retention schedule alongside fn (serve's main
// loop) and stops it when fn returns.
func withRetention(cfg config.Config, log *slog.Logger, fn func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			runRetention(rctx, cfg, log)
		}()
		err := fn(ctx)
		cancel()
		<-done
		return err
	}
}
