package main

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/undertone/undertone/config"
	"github.com/undertone/undertone/enrich/stage"
	"github.com/undertone/undertone/stream"
)

// enrichStageOptions are what `undertone run` injects into the enrich
// stage: an inline sink (the ClickHouse writer), where the store says each
// partition resumes, and which sink errors are permanent.
type enrichStageOptions struct {
	sink      stage.Sink
	resume    stream.ResumeFunc
	permanent func(error) bool
	// produce forces producing to kafka.topics.enriched even when
	// enrich.produce_enriched is false (the standalone stage).
	produce bool
}

// newEnrichStage builds the chain and the enrich stage from config.
func newEnrichStage(cfg config.Config, log *slog.Logger, reg prometheus.Registerer, o enrichStageOptions) (*stage.Stage, error) {
	chain, err := buildChain(cfg, log, reg)
	if err != nil {
		return nil, err
	}
	k := cfg.Kafka
	sc := stage.Config{
		Brokers:      k.Brokers,
		GroupID:      k.Groups.Enrich,
		CleanTopic:   k.Topics.Clean,
		DLQTopic:     k.Topics.DLQ,
		BatchSize:    cfg.Enrich.BatchSize,
		BatchTimeout: cfg.Enrich.BatchTimeout,
		Workers:      cfg.Enrich.Workers,
		Resume:       o.resume,
		Permanent:    o.permanent,
	}
	if o.produce || cfg.Enrich.ProduceEnriched {
		sc.EnrichedTopic = k.Topics.Enriched
	}
	return stage.New(sc, chain, o.sink, stage.Settings{Logger: log, Registerer: reg})
}

func newEnrichStageCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "enrich-stage",
		Short: "Run the enrich stage: posts.clean -> enriched posts",
		Long: `Enrich-stage joins the kafka.groups.enrich consumer group on
kafka.topics.clean, runs the enrichment chain (enrich.chain, spread over
enrich.workers goroutines per batch) on batches of up to enrich.batch_size
posts or enrich.batch_timeout, and produces every enriched post as JSON to
kafka.topics.enriched keyed by post_id, where the sink stage picks it up.
Records that are not clean posts go to kafka.topics.dlq with stage=enrich.
A batch's offsets are committed only after its produces are acknowledged.
(In 'undertone run' the ClickHouse writer is called inline instead, and
producing to kafka.topics.enriched follows enrich.produce_enriched.)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := newDaemon(cmd, g, "enrich")
			if err != nil {
				return err
			}
			cfg, ctx := d.cfg, cmd.Context()
			k := cfg.Kafka
			if err := stream.EnsureTopics(ctx, k.Brokers, k.Partitions, k.ReplicationFactor, k.Topics.Clean, k.Topics.Enriched, k.Topics.DLQ); err != nil {
				return err
			}
			st, err := newEnrichStage(cfg, d.logger, d.registry, enrichStageOptions{produce: true})
			if err != nil {
				return err
			}
			d.logger.Info("enrich stage starting", "brokers", k.Brokers, "clean", k.Topics.Clean,
				"enriched", k.Topics.Enriched, "dlq", k.Topics.DLQ, "group", k.Groups.Enrich,
				"chain", cfg.Enrich.Chain, "workers", cfg.Enrich.Workers, "batch_size", cfg.Enrich.BatchSize)
			return d.run(ctx, st.Run)
		},
	}
}
