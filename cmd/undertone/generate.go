package main

import (
	"errors"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/undertone/undertone/config"
	"github.com/undertone/undertone/ingest/generate"
)

func newGenerateCmd() *cobra.Command {
	var (
		posts       int
		days        int
		seed        uint64
		topicsFile  string
		start       string
		output      string
		invalidRate float64
		eventTopic  string
	)
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Write realistic synthetic posts as JSONL",
		Long: `Generate writes synthetic posts (schema v1 JSONL) about the topics of the
taxonomy file: four sources (microblog, forum, reviews, confessions), a mix
of fears, joys, frustrations, disappointments, desires, confusion, questions
and neutral chatter, typos, emoji, hashtags, some personal data for ingest
to scrub, a Zipf-distributed author pool, weekly seasonality, about 5%
non-English posts and an emerging fear (the event topic's battery
overheating and swelling) that grows over the last 5 days. The same flags
give the same bytes.

The range is --days days starting at --start (UTC midnight); without
--start it ends at today's UTC midnight.`,
		Example: `  undertone generate --posts 100000 --days 30 --seed 1 > posts.jsonl
  undertone generate --posts 1000 --days 7 --seed 2 --start 2026-03-01 --invalid-rate 0.02 -o demo.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tax, err := config.LoadTopics(topicsFile)
			if err != nil {
				return err
			}
			var st time.Time
			if start == "" {
				st = time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -days)
			} else {
				st, err = parseDay(start)
				if err != nil {
					return err
				}
			}
			topics := make([]generate.Topic, 0, len(tax.Topics))
			for _, t := range tax.Topics {
				topics = append(topics, generate.Topic{ID: t.ID, Name: t.Name, Kind: t.Kind, Aliases: t.Aliases, Features: t.Features})
			}
			g, err := generate.New(generate.Config{
				Posts: posts, Days: days, Seed: seed, Start: st, Topics: topics,
				InvalidRate: invalidRate, EventTopic: eventTopic,
			})
			if err != nil {
				return err
			}
			var w io.Writer = cmd.OutOrStdout()
			if output != "" && output != "-" {
				f, err := os.Create(output)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			if _, err := g.WriteTo(w); err != nil {
				return err
			}
			if f, ok := w.(*os.File); ok && f != os.Stdout {
				return f.Close()
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&posts, "posts", 10000, "number of posts to write")
	f.IntVar(&days, "days", 30, "days the posts span")
	f.Uint64Var(&seed, "seed", 1, "random seed (same seed, same output)")
	f.StringVar(&topicsFile, "topics", "config/topics.yaml", "topic taxonomy file")
	f.StringVar(&start, "start", "", "first day of the range, YYYY-MM-DD or RFC 3339 (default: the range ends today at 00:00 UTC)")
	f.StringVarP(&output, "output", "o", "-", "output file, - for stdout")
	f.Float64Var(&invalidRate, "invalid-rate", 0, "share of records (0..1) made invalid, to exercise the dead-letter path")
	f.StringVar(&eventTopic, "event-topic", "", "topic id of the emerging-fear event (default acme-phone, else the first product with a battery)")
	return cmd
}

func parseDay(s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, errors.New("--start: want YYYY-MM-DD or an RFC 3339 timestamp")
	}
	return t.UTC(), nil
}
