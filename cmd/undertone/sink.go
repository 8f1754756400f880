package main

import (
	"github.com/spf13/cobra"

	"github.com/undertone/undertone/sink"
	"github.com/undertone/undertone/store"
	"github.com/undertone/undertone/stream"
)

func newSinkCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "sink",
		Short: "Run the sink stage: enriched posts -> ClickHouse",
		Long: `Sink joins the kafka.groups.sink consumer group on kafka.topics.enriched and
stores every enriched post in ClickHouse exactly once: each batch (up to
sink.batch_size posts or sink.batch_timeout) is one INSERT into posts, from
which materialized views fill mentions and the daily aggregates; post_ids
already stored are skipped, and each partition resumes after the highest
offset stored for it. While ClickHouse is unavailable the batch is retried
with backoff (up to sink.max_backoff) and nothing more is fetched. Invalid
records go to kafka.topics.dlq. See docs/delivery.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := newDaemon(cmd, g, "sink")
			if err != nil {
				return err
			}
			cfg, ctx := d.cfg, cmd.Context()
			if err := migrateOnStart(ctx, cfg, d.logger); err != nil {
				return err
			}
			sc := storeConfig(cfg)
			conn, err := store.Dial(ctx, sc, d.logger)
			if err != nil {
				return err
			}
			defer conn.Close()
			k := cfg.Kafka
			if err := stream.EnsureTopics(ctx, k.Brokers, k.Partitions, k.ReplicationFactor, k.Topics.Enriched, k.Topics.DLQ); err != nil {
				return err
			}
			set := store.Settings{Logger: d.logger, Registerer: d.registry}
			w, err := store.NewWriter(conn, sc.Schema(), store.WriterConfig{SourceTopic: k.Topics.Enriched, MaxBackoff: cfg.Sink.MaxBackoff}, set)
			if err != nil {
				return err
			}
			st, err := sink.NewStage(sink.StageConfig{
				Brokers:      k.Brokers,
				GroupID:      k.Groups.Sink,
				Topic:        k.Topics.Enriched,
				DLQTopic:     k.Topics.DLQ,
				BatchSize:    cfg.Sink.BatchSize,
				BatchTimeout: cfg.Sink.BatchTimeout,
				MaxBackoff:   cfg.Sink.MaxBackoff,
			}, w, sink.Settings{Logger: d.logger, Registerer: d.registry})
			if err != nil {
				return err
			}
			d.addCheck("clickhouse", conn.Ping)
			d.logger.Info("sink starting", "brokers", k.Brokers, "topic", k.Topics.Enriched, "group", k.Groups.Sink,
				"clickhouse", sc.Addr, "database", sc.Database, "cluster", sc.Cluster,
				"batch_size", cfg.Sink.BatchSize, "batch_timeout", cfg.Sink.BatchTimeout.String())
			return d.run(ctx, st.Run)
		},
	}
}
