package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/undertone/undertone/ingest"
	"github.com/undertone/undertone/store"
	"github.com/undertone/undertone/stream"
)

// runOptions switch parts of `undertone run` off.
type runOptions struct {
	noServe     bool
	noRetention bool
}

func newRunCmd(g *globalFlags) *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run all stages in one process (ingest, enrich, sink, serve)",
		Long: `Run is the small-deployment and demo default: one process that
  - applies the ClickHouse migrations (unless store.migrate_on_start is false),
  - ingests kafka.topics.raw into kafka.topics.clean (rejects to kafka.topics.dlq),
  - enriches kafka.topics.clean and writes every enriched post to ClickHouse
    inline (exactly once: each partition resumes after the highest offset
    stored, and post_ids already stored are skipped; see docs/delivery.md),
    also producing kafka.topics.enriched when enrich.produce_enriched is set,
  - serves the query API, dashboards and HTTP collector on serve.addr
    (unless --no-serve), with the report scheduler when reports.enabled,
  - drops raw posts past store.retention_days every store.retention_every.
Each stage is a member of its own consumer group, so 'run' processes can be
scaled out, or replaced by the single-stage commands, at any time.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := newDaemon(cmd, g, "run")
			if err != nil {
				return err
			}
			cfg, ctx := d.cfg, cmd.Context()
			k := cfg.Kafka
			if err := stream.EnsureTopics(ctx, k.Brokers, k.Partitions, k.ReplicationFactor,
				k.Topics.Raw, k.Topics.Clean, k.Topics.Enriched, k.Topics.DLQ); err != nil {
				return err
			}
			if err := migrateOnStart(ctx, cfg, d.logger); err != nil {
				return err
			}

			// ingest: posts.raw -> posts.clean
			prep, err := ingest.NewPreparer(preparerConfig(cfg))
			if err != nil {
				return err
			}
			ing, err := ingest.NewStage(ingestStageConfig(cfg), prep, ingest.Settings{Logger: d.logger.With("stage", "ingest"), Registerer: d.registry})
			if err != nil {
				return err
			}

			// enrich + inline sink: posts.clean -> ClickHouse
			sc := storeConfig(cfg)
			conn, err := store.Dial(ctx, sc, d.logger)
			if err != nil {
				return err
			}
			defer conn.Close()
			w, err := store.NewWriter(conn, sc.Schema(), store.WriterConfig{SourceTopic: k.Topics.Clean, MaxBackoff: cfg.Sink.MaxBackoff},
				store.Settings{Logger: d.logger.With("stage", "sink"), Registerer: d.registry})
			if err != nil {
				return err
			}
			// Each partition's enrich batch is one Write; the coalescer
			// stores the batches that pile up while an INSERT is in flight
			// in the next single INSERT (up to sink.batch_size posts), since
			// ClickHouse's cost per INSERT is high (docs/storage.md).
			enr, err := newEnrichStage(cfg, d.logger.With("stage", "enrich"), d.registry, enrichStageOptions{
				sink: store.NewCoalescer(w, cfg.Sink.BatchSize), resume: w.Resume, permanent: store.Invalid,
			})
			if err != nil {
				return err
			}
			d.addCheck("clickhouse", conn.Ping)

			fns := []func(context.Context) error{ing.Run, enr.Run}
			if !o.noRetention {
				fns = append(fns, func(ctx context.Context) error {
					runRetention(ctx, cfg, d.logger.With("stage", "retention"))
					return nil
				})
			}
			if !o.noServe {
				a, err := newAPIServer(cfg, d.logger.With("stage", "serve"), d.registry, apiOptions{Collector: true, Dashboards: true})
				if err != nil {
					return err
				}
				defer a.Close()
				serveFn := func(ctx context.Context) error { return a.Serve(ctx, cfg.Admin.ShutdownTimeout) }
				serveFn, closeReports, err := withReports(ctx, cfg, a.Querier, d.logger.With("stage", "reports"), d.registry, serveFn)
				if err != nil {
					return err
				}
				defer closeReports()
				fns = append(fns, serveFn)
			}
			d.logger.Info("run starting", "brokers", k.Brokers, "clickhouse", sc.Addr, "database", sc.Database,
				"chain", cfg.Enrich.Chain, "serve", !o.noServe, "serve_addr", cfg.Serve.Addr,
				"produce_enriched", cfg.Enrich.ProduceEnriched)
			return d.run(ctx, func(ctx context.Context) error { return runAll(ctx, fns...) })
		},
	}
	cmd.Flags().BoolVar(&o.noServe, "no-serve", false, "do not serve the API, dashboards and collector")
	cmd.Flags().BoolVar(&o.noRetention, "no-retention", false, "do not apply store.retention_days on a schedule")
	return cmd
}

// runAll runs every fn until ctx is done or one of them fails; a failure
// stops the others. A stage that returns nil before ctx is done is a
// failure too: every stage of run is meant to run until shutdown.
func runAll(ctx context.Context, fns ...func(context.Context) error) error {
	g, gctx := errgroup.WithContext(ctx)
	for i, fn := range fns {
		g.Go(func() error {
			err := fn(gctx)
			if err == nil && gctx.Err() == nil {
				return fmt.Errorf("run: stage %d stopped unexpectedly", i)
			}
			if errors.Is(err, context.Canceled) && gctx.Err() != nil {
				return nil
			}
			return err
		})
	}
	return g.Wait()
}
