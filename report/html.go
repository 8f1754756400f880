package report

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/undertone/undertone/report/chart"
)

//go:embed templates/*
var templates embed.FS

// MaxQuotes is the most quotes a highlighted theme shows.
const MaxQuotes = 3

// HighlightThemes are the themes every topic section details, in order.
var HighlightThemes = []string{"fears", "joys", "frustrations", "desires"}

var funcs = template.FuncMap{
	"pct":     func(v float64) string { return fmt.Sprintf("%.0f%%", v*100) },
	"int":     func(v float64) string { return fmt.Sprintf("%d", int(math.Round(v))) },
	"signed":  func(v float64) string { return fmt.Sprintf("%+.0f", v) },
	"lift":    liftPhrase,
	"pvalue":  func(p float64) string { return "p " + pValue(p) },
	"date":    func(t time.Time) string { return t.Format("Mon 2 Jan 2006") },
	"stamp":   func(t time.Time) string { return t.Format("2006-01-02 15:04 MST") },
	"day":     func(t time.Time) string { return t.Format("2 Jan") },
	"pctchg":  pctChange,
	"ptschg":  func(m Metric) string { return fmt.Sprintf("%+.0f pts", m.Delta()) },
	"shrchg":  func(m Metric) string { return fmt.Sprintf("%+.1f pts", m.Delta()*100) },
	"up":      func(v float64) bool { return v > 0 },
	"down":    func(v float64) bool { return v < 0 },
	"svg":     func(s string) template.HTML { return template.HTML(s) }, // chart output is escaped by package chart
	"quotes":  func(q []Quote) []Quote { return q[:min(len(q), MaxQuotes)] },
	"drivers": func(d []Driver) []Driver { return d[:min(len(d), 5)] },
	"title":   func(s string) string { return strings.ToUpper(s[:1]) + s[1:] },
	"prevend": func(t time.Time) time.Time { return t.AddDate(0, 0, -1) },
}

func pctChange(m Metric) string {
	p, ok := m.PctChange()
	if !ok {
		if m.Current == 0 {
			return "—"
		}
		return "new"
	}
	return fmt.Sprintf("%+.0f%%", p)
}

// view is what the templates see: the data plus its rendered charts.
type view struct {
	Data
	Sections []section
	Inline   bool // HTML: inline SVG; Markdown: chart file names
}

type section struct {
	TopicData
	DailyChart, SentimentChart, ThemesChart string // SVG markup (HTML) or file name (Markdown)
	Highlights                              []ThemeStat
	Anchor                                  string
}

func newView(d Data, inline bool) view {
	v := view{Data: d, Inline: inline}
	for _, t := range d.Topics {
		s := section{TopicData: t, Anchor: "topic-" + slug(t.ID)}
		if inline {
			s.DailyChart = DailyChart(t, d.From, d.To).SVG()
			s.SentimentChart = SentimentChart(t, d.From, d.To).SVG()
			s.ThemesChart = ThemesChart(t).SVG()
		} else {
			s.DailyChart, s.SentimentChart, s.ThemesChart = ChartFiles(t)
		}
		seen := map[string]bool{}
		for _, name := range HighlightThemes {
			seen[name] = true
			s.Highlights = append(s.Highlights, t.Theme(name))
		}
		for _, m := range t.Emerging() {
			if m.Theme != "" && !seen[m.Theme] {
				seen[m.Theme] = true
				s.Highlights = append(s.Highlights, t.Theme(m.Theme))
			}
		}
		v.Sections = append(v.Sections, s)
	}
	return v
}

// ChartFiles are the file names of a topic's charts beside a Markdown
// report.
func ChartFiles(t TopicData) (daily, sentiment, themes string) {
	base := "charts/" + slug(t.ID)
	return base + "-daily.svg", base + "-sentiment.svg", base + "-themes.svg"
}

var htmlTmpl = template.Must(template.New("report.html.tmpl").Funcs(funcs).ParseFS(templates, "templates/report.html.tmpl"))

// RenderHTML writes the report as one self-contained HTML document (inline
// CSS and SVG; no scripts, fonts or images fetched from anywhere). It is
// safe for concurrent use.
func RenderHTML(w io.Writer, d Data) error {
	var buf bytes.Buffer
	if err := htmlTmpl.Execute(&buf, newView(d, true)); err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// TopicLink returns the dashboards' Topic view of topic (optionally focused
// on theme) for the days [from, to), as the dashboards read their URL state:
// <base>/topic?topic=<id>&theme=<theme>&period=custom&from=YYYY-MM-DD&to=YYYY-MM-DD
// (to inclusive). It is empty when base is empty.
func TopicLink(base, topic, theme string, from, to time.Time) string {
	if base == "" {
		return ""
	}
	q := url.Values{}
	q.Set("topic", topic)
	if theme != "" {
		q.Set("theme", theme)
	}
	q.Set("period", "custom")
	q.Set("from", from.UTC().Format(time.DateOnly))
	q.Set("to", to.UTC().Add(-time.Nanosecond).Format(time.DateOnly))
	return strings.TrimRight(base, "/") + "/topic?" + q.Encode()
}

func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}

var _ = chart.Compact
