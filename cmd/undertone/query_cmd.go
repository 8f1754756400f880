package main

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/undertone/undertone/query"
)

// queryFlags are the filter flags every query subcommand takes; they map
// one to one onto the HTTP API's parameters and go through the same
// validation.
type queryFlags struct {
	format string
	json   bool
	csv    bool
	strs   map[string]*string
}

func (qf *queryFlags) add(fs *pflag.FlagSet, name, usage string) {
	qf.strs[name] = fs.String(strings.ReplaceAll(name, "_", "-"), "", usage)
}

// values builds the API parameters from the flags that were set.
func (qf *queryFlags) values(cmd *cobra.Command) url.Values {
	v := url.Values{}
	for name, p := range qf.strs {
		if cmd.Flags().Changed(strings.ReplaceAll(name, "_", "-")) {
			v.Set(name, *p)
		}
	}
	return v
}

func (qf *queryFlags) outFormat() (string, error) {
	f := qf.format
	if qf.json {
		f = "json"
	}
	if qf.csv {
		f = "csv"
	}
	if !slices.Contains(query.Formats, f) {
		return "", fmt.Errorf("--format %q: allowed: %s", f, strings.Join(query.Formats, ", "))
	}
	return f, nil
}

func newQueryCmd(g *globalFlags) *cobra.Command {
	root := &cobra.Command{
		Use:   "query",
		Short: "Ask analyst questions from the terminal",
		Long: `Query runs the same queries as the HTTP API (/api/v1/...) directly against
ClickHouse and prints an aligned table, or JSON (--json) or CSV (--csv).
Flags mirror the API parameters: --topic, --period (7d, 4w, 3m) or
--from/--to (YYYY-MM-DD, inclusive), --source, --lang (comma-separated),
--sentiment negative|neutral|positive, --theme. Groups with fewer than
privacy.min_authors distinct authors are suppressed here too.`,
	}
	type sub struct {
		use, short string
		extra      [][2]string
		run        func(q *query.Querier, cmd *cobra.Command, v url.Values) (any, error)
	}
	now := time.Now
	subs := []sub{
		{"themes", "Theme breakdown of a topic (posts, share, authors, sentiment)", nil,
			func(q *query.Querier, cmd *cobra.Command, v url.Values) (any, error) {
				r, err := query.ParseThemes(v, now())
				if err != nil {
					return nil, err
				}
				return q.Themes(cmd.Context(), r)
			}},
		{"trend", "Volume, sentiment and themes per day or ISO week", [][2]string{{"interval", "day or week"}, {"authors", "true: also distinct authors per point (slower)"}},
			func(q *query.Querier, cmd *cobra.Command, v url.Values) (any, error) {
				r, err := query.ParseTrend(v, now())
				if err != nil {
					return nil, err
				}
				return q.Trend(cmd.Context(), r)
			}},
		{"movers", "What changed versus the previous period of equal length", [][2]string{
			{"by", "theme or entity"}, {"min_volume", "minimum posts in one of the periods (default 10)"},
			{"alpha", "significance level (default 0.05)"}, {"limit", "rows (default 50)"}},
			func(q *query.Querier, cmd *cobra.Command, v url.Values) (any, error) {
				r, err := query.ParseMovers(v, now(), q.MaxRows())
				if err != nil {
					return nil, err
				}
				return q.Movers(cmd.Context(), r)
			}},
		{"drivers", "Entities and terms over-represented in a topic x theme", [][2]string{
			{"kind", "both, entities or terms"}, {"min_count", "minimum posts (default 5)"}, {"limit", "rows per list (default 20)"}},
			func(q *query.Querier, cmd *cobra.Command, v url.Values) (any, error) {
				r, err := query.ParseDrivers(v, now(), q.MaxRows())
				if err != nil {
					return nil, err
				}
				return q.Drivers(cmd.Context(), r)
			}},
		{"quotes", "Representative anonymized posts for a topic x theme", [][2]string{
			{"order", "recent or typical"}, {"limit", "quotes (default 5, at most 50)"}},
			func(q *query.Querier, cmd *cobra.Command, v url.Values) (any, error) {
				r, err := query.ParseQuotes(v, now())
				if err != nil {
					return nil, err
				}
				return q.Quotes(cmd.Context(), r)
			}},
		{"sov", "Share of voice and side-by-side topic comparison", [][2]string{{"authors", "true: also distinct authors per topic (slower)"}},
			func(q *query.Querier, cmd *cobra.Command, v url.Values) (any, error) {
				r, err := query.ParseSOV(v, now())
				if err != nil {
					return nil, err
				}
				return q.SOV(cmd.Context(), r)
			}},
	}
	for _, s := range subs {
		qf := &queryFlags{strs: map[string]*string{}}
		c := &cobra.Command{
			Use:   s.use,
			Short: s.short,
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				format, err := qf.outFormat()
				if err != nil {
					return err
				}
				cfg, err := g.load()
				if err != nil {
					return err
				}
				q, conn, err := openQuerier(cfg, newLogger(cfg.Log, cmd.ErrOrStderr()))
				if err != nil {
					return err
				}
				defer conn.Close()
				res, err := s.run(q, cmd, qf.values(cmd))
				if err != nil {
					return flagError(err)
				}
				return query.Render(cmd.OutOrStdout(), res, format)
			},
		}
		fs := c.Flags()
		qf.add(fs, "topic", "topic id (movers and sov: comma-separated, default all)")
		qf.add(fs, "period", "period length ending at --to: Nd, Nw or Nm (default 30d)")
		qf.add(fs, "from", "first day, YYYY-MM-DD (UTC)")
		qf.add(fs, "to", "last day included, YYYY-MM-DD (default today)")
		qf.add(fs, "source", "sources, comma-separated")
		qf.add(fs, "lang", "languages, comma-separated")
		qf.add(fs, "sentiment", "negative, neutral or positive")
		qf.add(fs, "theme", "themes, comma-separated (drivers, quotes: exactly one)")
		for _, e := range s.extra {
			qf.add(fs, e[0], e[1])
		}
		fs.StringVar(&qf.format, "format", "table", "output: table, json or csv")
		fs.BoolVar(&qf.json, "json", false, "print JSON (same as --format json)")
		fs.BoolVar(&qf.csv, "csv", false, "print CSV (same as --format csv)")
		root.AddCommand(c)
	}
	return root
}

// flagError rewords a parameter error in terms of the CLI flag.
func flagError(err error) error {
	var pe *query.ParamError
	if !errors.As(err, &pe) {
		return err
	}
	flag := "--" + strings.ReplaceAll(pe.Param, "_", "-")
	if pe.Value != "" {
		return fmt.Errorf("%s %q: %s", flag, pe.Value, pe.Allowed)
	}
	return fmt.Errorf("%s: %s", flag, pe.Allowed)
}
