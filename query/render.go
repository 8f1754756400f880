package query

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/undertone/undertone/post"
)

// Formats lists the output formats of Render.
var Formats = []string{"table", "json", "csv"}

// tabular is implemented by every result: a header and rows of cells, plus
// footnotes for the table format.
type tabular interface {
	table() (header []string, rows [][]string, notes []string)
}

// Render writes a query result as an aligned text table, indented JSON or
// CSV (header row first). Table and CSV omit nothing the JSON holds per
// row, but summary fields appear only as table footnotes.
func Render(w io.Writer, result any, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(result)
	case "csv", "table":
	default:
		return fmt.Errorf("query: unknown format %q (allowed: %s)", format, strings.Join(Formats, ", "))
	}
	t, ok := result.(tabular)
	if !ok {
		return fmt.Errorf("query: %T has no table form", result)
	}
	header, rows, notes := t.table()
	if format == "csv" {
		cw := csv.NewWriter(w)
		if err := cw.Write(header); err != nil {
			return err
		}
		if err := cw.WriteAll(rows); err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(header, "\t")))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(rows) == 0 {
		fmt.Fprintln(w, "(no rows)")
	}
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
	return nil
}

func u(n uint64) string    { return strconv.FormatUint(n, 10) }
func f4(x float64) string  { return strconv.FormatFloat(x, 'f', 4, 64) }
func f3(x float64) string  { return strconv.FormatFloat(x, 'f', 3, 64) }
func pct(x float64) string { return strconv.FormatFloat(x*100, 'f', 1, 64) + "%" }
func pval(p float64) string {
	if p < 0.0001 {
		return "<0.0001"
	}
	return strconv.FormatFloat(p, 'f', 4, 64)
}

func suppressedNote(n, k int) []string {
	if n == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%d group(s) with fewer than %d distinct authors suppressed.", n, k)}
}

func (r ThemesResult) table() ([]string, [][]string, []string) {
	h := []string{"theme", "posts", "share", "authors", "avg_sentiment"}
	var rows [][]string
	if r.Volume != nil {
		rows = append(rows, []string{"(all)", u(r.Volume.Posts), pct(1), u(r.Volume.Authors), f4(r.Volume.AvgSentiment)})
	}
	for _, t := range r.Themes {
		rows = append(rows, []string{t.Theme, u(t.Posts), pct(t.Share), u(t.Authors), f4(t.AvgSentiment)})
	}
	notes := append([]string{fmt.Sprintf("topic %s, %s to %s", r.Topic, r.Period.From, r.Period.To)}, suppressedNote(r.Suppressed, r.MinAuthors)...)
	return h, rows, notes
}

// authorsColumn returns the cells before, then authors when with is set,
// then after: the optional authors column of trend and share of voice.
func authorsColumn(with bool, before []string, authors string, after ...string) []string {
	if with {
		before = append(before, authors)
	}
	return append(before, after...)
}

func (r TrendResult) table() ([]string, [][]string, []string) {
	// Authors are there only when asked for (--authors); a shown point
	// always has at least one.
	withAuthors := len(r.Rows) > 0 && r.Rows[0].Authors > 0
	h := authorsColumn(withAuthors, []string{"start", "series", "posts"}, "authors", "avg_sentiment")
	rows := make([][]string, 0, len(r.Rows))
	for _, t := range r.Rows {
		rows = append(rows, authorsColumn(withAuthors, []string{t.Start, t.Series, u(t.Posts)}, u(t.Authors), f4(t.AvgSentiment)))
	}
	notes := append([]string{fmt.Sprintf("topic %s, %s to %s, per %s", r.Topic, r.Period.From, r.Period.To, r.Interval)}, suppressedNote(r.Suppressed, r.MinAuthors)...)
	if r.Truncated {
		notes = append(notes, "truncated at query.max_rows")
	}
	return h, rows, notes
}

func (r MoversResult) table() ([]string, [][]string, []string) {
	h := []string{"topic", r.By, "posts", "prev_posts", "share", "prev_share", "lift", "z", "p", "significant"}
	rows := make([][]string, 0, len(r.Rows))
	for _, m := range r.Rows {
		name := m.Theme
		if r.By == "entity" {
			name = m.Entity
		}
		lift := "new"
		if m.Lift != nil {
			lift = f3(*m.Lift)
		}
		sig := ""
		if m.Significant {
			sig = "yes"
		}
		rows = append(rows, []string{m.Topic, name, u(m.Posts), u(m.PrevPosts), pct(m.Share), pct(m.PrevShare), lift, f3(m.Z), pval(m.P), sig})
	}
	notes := append([]string{fmt.Sprintf("%s to %s versus %s to %s", r.Period.From, r.Period.To, r.Previous.From, r.Previous.To)}, suppressedNote(r.Suppressed, r.MinAuthors)...)
	return h, rows, notes
}

func (r DriversResult) table() ([]string, [][]string, []string) {
	h := []string{"kind", "name", "type", "count", "baseline", "authors", "lift", "z", "p"}
	var rows [][]string
	for _, d := range r.Entities {
		rows = append(rows, []string{"entity", d.Name, d.Type, u(d.Count), u(d.Baseline), u(d.Authors), f3(d.Lift), f3(d.Z), pval(d.P)})
	}
	for _, d := range r.Terms {
		rows = append(rows, []string{"term", d.Name, "", u(d.Count), u(d.Baseline), u(d.Authors), f3(d.Lift), f3(d.Z), pval(d.P)})
	}
	notes := []string{fmt.Sprintf("topic %s x %s: %d of %d posts, %s to %s", r.Topic, r.Theme, r.ThemePosts, r.TopicPosts, r.Period.From, r.Period.To)}
	if r.TermsSampled {
		notes = append(notes, fmt.Sprintf("sampled: the %d most recent posts of the theme, the %d most recent of the topic", r.ThemeSample, r.TopicSample))
	}
	if r.AuthorsUpTo > 0 {
		notes = append(notes, fmt.Sprintf("authors: exact up to %d, %d means more", r.AuthorsUpTo, r.AuthorsUpTo+1))
	}
	return h, rows, append(notes, suppressedNote(r.Suppressed, r.MinAuthors)...)
}

func (r QuotesResult) table() ([]string, [][]string, []string) {
	h := []string{"day", "source", "lang", "sentiment", "similar", "text"}
	rows := make([][]string, 0, len(r.Quotes))
	for _, q := range r.Quotes {
		rows = append(rows, []string{q.Day, q.Source, q.Lang, f3(q.Sentiment), u(q.Similar), strings.Join(strings.Fields(q.Text), " ")})
	}
	var notes []string
	if r.Suppressed {
		notes = append(notes, fmt.Sprintf("suppressed: fewer than %d distinct authors in %s x %s", r.MinAuthors, r.Topic, r.Theme))
	}
	return h, rows, notes
}

func (r SOVResult) table() ([]string, [][]string, []string) {
	// Authors are there only when asked for (--authors).
	withAuthors := len(r.Rows) > 0 && r.Rows[0].Authors > 0
	h := authorsColumn(withAuthors, []string{"topic", "posts", "share"}, "authors", "avg_sentiment")
	themes := post.Themes[:]
	if r.Theme == "" {
		h = append(h, themes...)
	}
	rows := make([][]string, 0, len(r.Rows))
	for _, s := range r.Rows {
		row := authorsColumn(withAuthors, []string{s.Topic, u(s.Posts), pct(s.Share)}, u(s.Authors), f4(s.AvgSentiment))
		if r.Theme == "" {
			for _, th := range themes {
				cell := "-"
				for _, t := range s.Themes {
					if t.Theme == th {
						cell = pct(t.Share)
					}
				}
				row = append(row, cell)
			}
		}
		rows = append(rows, row)
	}
	notes := []string{fmt.Sprintf("%s to %s, %d posts in total", r.Period.From, r.Period.To, r.Total)}
	if r.Theme != "" {
		notes[0] += " (theme " + r.Theme + ")"
	}
	return h, rows, append(notes, suppressedNote(r.Suppressed, r.MinAuthors)...)
}
