package main

import (
	"github.com/spf13/cobra"

	"github.com/undertone/undertone/config"
	"github.com/undertone/undertone/ingest"
	"github.com/undertone/undertone/stream"
)

// preparerConfig builds the ingest Preparer's config from the privacy and
// ingest sections (also used by the offline enrich command).
func preparerConfig(cfg config.Config) ingest.PreparerConfig {
	return ingest.PreparerConfig{
		PseudonymKey:   []byte(cfg.Privacy.PseudonymKey),
		PseudonymKeyID: cfg.Privacy.PseudonymKeyID,
		MaxTextBytes:   cfg.Ingest.MaxTextBytes,
		Languages:      cfg.Ingest.Languages,
		OtherLang:      cfg.Ingest.OtherLang,
	}
}

// ingestStageConfig builds the ingest stage config from the kafka and
// ingest sections.
func ingestStageConfig(cfg config.Config) ingest.StageConfig {
	return ingest.StageConfig{
		Brokers:      cfg.Kafka.Brokers,
		GroupID:      cfg.Kafka.Groups.Ingest,
		RawTopic:     cfg.Kafka.Topics.Raw,
		CleanTopic:   cfg.Kafka.Topics.Clean,
		DLQTopic:     cfg.Kafka.Topics.DLQ,
		BatchSize:    cfg.Ingest.BatchSize,
		BatchTimeout: cfg.Ingest.BatchTimeout,
	}
}

func newIngestCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "ingest",
		Short: "Run the ingest stage: posts.raw -> posts.clean (+ posts.dlq)",
		Long: `Ingest joins the kafka.groups.ingest consumer group on kafka.topics.raw,
validates, normalizes, detects the language of and anonymizes every record,
and produces clean posts to kafka.topics.clean keyed by post_id. Rejected
records go to kafka.topics.dlq with their original bytes and the headers
reason, stage, source_topic, source_partition and source_offset. Offsets
are committed only after both produces are acknowledged. Metrics are served
on admin.addr (/metrics).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := newDaemon(cmd, g, "ingest")
			if err != nil {
				return err
			}
			cfg, ctx := d.cfg, cmd.Context()
			k := cfg.Kafka
			if err := stream.EnsureTopics(ctx, k.Brokers, k.Partitions, k.ReplicationFactor, k.Topics.Raw, k.Topics.Clean, k.Topics.DLQ); err != nil {
				return err
			}
			prep, err := ingest.NewPreparer(preparerConfig(cfg))
			if err != nil {
				return err
			}
			st, err := ingest.NewStage(ingestStageConfig(cfg), prep, ingest.Settings{Logger: d.logger, Registerer: d.registry})
			if err != nil {
				return err
			}
			d.logger.Info("ingest starting", "brokers", k.Brokers, "raw", k.Topics.Raw, "clean", k.Topics.Clean,
				"dlq", k.Topics.DLQ, "group", k.Groups.Ingest, "batch_size", cfg.Ingest.BatchSize,
				"max_text_bytes", cfg.Ingest.MaxTextBytes, "other_lang", cfg.Ingest.OtherLang)
			return d.run(ctx, st.Run)
		},
	}
}
