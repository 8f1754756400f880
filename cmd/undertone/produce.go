package main

import (
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/undertone/undertone/ingest"
	"github.com/undertone/undertone/stream"
)

func newProduceCmd(g *globalFlags) *cobra.Command {
	var (
		input       string
		format      string
		topic       string
		batchSize   int
		sendInvalid bool
	)
	cmd := &cobra.Command{
		Use:   "produce",
		Short: "Publish posts (JSONL or CSV) to posts.raw",
		Long: `Produce validates every record exactly as the ingest stage would and
publishes the valid ones to the raw topic (kafka.topics.raw unless --topic)
in batches, keyed by source and id. JSONL records are sent as they are
(ingest anonymizes them); CSV rows (a header row naming schema v1 fields and
meta.KEY columns) are sent as schema v1 JSON.

Every rejected record is reported on stderr with its line number and reason;
the exit code is 1 when any record was rejected. On a terminal, progress
(records/s, rejected) is shown on stderr.`,
		Example: `  undertone generate --posts 100000 --seed 1 | undertone produce --input -
  undertone produce --input posts.csv --format csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			if topic == "" {
				topic = cfg.Kafka.Topics.Raw
			}
			var r io.Reader = cmd.InOrStdin()
			if input != "-" {
				f, err := os.Open(input)
				if err != nil {
					return err
				}
				defer f.Close()
				r = f
			}
			prep, err := ingest.NewPreparer(preparerConfig(cfg))
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			k := cfg.Kafka
			if err := stream.EnsureTopics(ctx, k.Brokers, k.Partitions, k.ReplicationFactor, topic); err != nil {
				return err
			}
			w := stream.NewWriter(k.Brokers, topic)
			defer w.Close()
			stderr := cmd.ErrOrStderr()
			tty := isTerminal(stderr)
			start := time.Now()
			var lastDraw atomic.Int64
			opts := ingest.ProduceOptions{
				Format:      format,
				BatchSize:   batchSize,
				SendInvalid: sendInvalid,
				OnReject: func(line int, re *ingest.RejectError) {
					if tty {
						fmt.Fprint(stderr, "\r\033[K")
					}
					fmt.Fprintf(stderr, "line %d: rejected: %v\n", line, re)
				},
			}
			if tty {
				opts.OnProgress = func(st ingest.ProduceStats) {
					now := time.Now()
					if now.UnixMilli()-lastDraw.Load() < 200 {
						return
					}
					lastDraw.Store(now.UnixMilli())
					rate := float64(st.Records) / now.Sub(start).Seconds()
					fmt.Fprintf(stderr, "\r\033[K%d records, %d sent, %d rejected, %.0f records/s", st.Records, st.Sent, st.Rejected, rate)
				}
			}
			st, err := ingest.Produce(ctx, r, w, prep, opts)
			if tty {
				fmt.Fprint(stderr, "\r\033[K")
			}
			elapsed := time.Since(start)
			fmt.Fprintf(stderr, "produced %d of %d records to %s in %s (%.0f records/s), %d rejected\n",
				st.Sent, st.Records, topic, elapsed.Round(time.Millisecond), float64(st.Records)/max(elapsed.Seconds(), 1e-9), st.Rejected)
			if err != nil {
				return err
			}
			if cerr := w.Close(); cerr != nil {
				return cerr
			}
			if st.Rejected > 0 {
				return exitError{code: 1, msg: fmt.Sprintf("%d records rejected", st.Rejected)}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&input, "input", "i", "", "input file, - for stdin (required)")
	f.StringVar(&format, "format", "jsonl", "input format: jsonl or csv")
	f.StringVar(&topic, "topic", "", "topic to publish to (default kafka.topics.raw)")
	f.IntVar(&batchSize, "batch-size", 1000, "records per produce request")
	f.BoolVar(&sendInvalid, "send-invalid", false, "publish rejected records too (they still count as rejected), to exercise the dead-letter path")
	_ = cmd.MarkFlagRequired("input")
	return cmd
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
