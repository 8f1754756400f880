package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// Rendered is one report in the requested formats.
type Rendered struct {
	// Base is the file name stem: undertone-2026-W47.
	Base string
	// Files maps relative paths (Base.html, Base.md, charts/*.svg,
	// Base.pdf) to their content.
	Files map[string][]byte
	HTML  []byte
	PDF   []byte
}

// Render renders d in formats (html, md, pdf). PDF needs the HTML and
// Chromium: when Chromium is missing Render returns everything else and an
// error wrapping ErrNoChromium.
func Render(ctx context.Context, d Data, formats []string, printer Printer) (Rendered, error) {
	r := Rendered{Base: "undertone-" + d.Week.String(), Files: map[string][]byte{}}
	for _, f := range formats {
		if f != "html" && f != "md" && f != "pdf" {
			return r, fmt.Errorf("report: unknown format %q (allowed: html, md, pdf)", f)
		}
	}
	var html bytes.Buffer
	if err := RenderHTML(&html, d); err != nil {
		return r, err
	}
	r.HTML = html.Bytes()
	if slices.Contains(formats, "html") {
		r.Files[r.Base+".html"] = r.HTML
	}
	if slices.Contains(formats, "md") {
		doc, charts, err := MarkdownFiles(d)
		if err != nil {
			return r, err
		}
		r.Files[r.Base+".md"] = doc
		for k, v := range charts {
			r.Files[k] = v
		}
	}
	if slices.Contains(formats, "pdf") {
		pdf, err := printer.PDF(ctx, r.HTML)
		if err != nil {
			return r, err
		}
		r.PDF = pdf
		r.Files[r.Base+".pdf"] = pdf
	}
	return r, nil
}

// PlainText is a short plain-text version of the report for e-mail bodies
// and chat: the headline and each topic's summary.
func PlainText(d Data) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, week %s\n\n%s\n", d.Title, d.Week, d.Headline)
	for _, t := range d.Topics {
		fmt.Fprintf(&b, "\n%s\n%s\n", t.Name, t.Summary)
		if t.Link != "" {
			fmt.Fprintf(&b, "%s\n", t.Link)
		}
	}
	return b.String()
}

// Reporter builds, renders and delivers the weekly report; Job wraps it
// for the Scheduler.
type Reporter struct {
	Source Source
	// Options is the template of every run; Week and Now are set per run.
	Options   BuildOptions
	Formats   []string
	Printer   Printer
	Deliverer *Deliverer
	// Location decides which week is "last week" at a slot.
	Location *time.Location
	Logger   *slog.Logger
}

// RunWeek builds, renders and delivers the report of week. It returns
// an error (and delivers nothing) when the data cannot be read or the
// report cannot be rendered, and also when every destination failed, so
// the run can be retried; otherwise the JSON detail lists each
// destination's result.
func (r *Reporter) RunWeek(ctx context.Context, week Week) (string, error) {
	log := r.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opt := r.Options
	opt.Week = week
	opt.Now = time.Now()
	start := time.Now()
	d, err := Build(ctx, r.Source, opt)
	if err != nil {
		return "", err
	}
	built := time.Since(start)
	rd, err := Render(ctx, d, r.Formats, r.Printer)
	var pdfErr string
	if errors.Is(err, ErrNoChromium) {
		// Deliver what we have: a missing browser must not stop the
		// Monday report.
		log.Warn("report pdf skipped", "err", err)
		pdfErr = err.Error()
	} else if err != nil {
		return "", err
	}
	log.Info("report rendered", "week", week.String(), "topics", len(d.Topics), "build", built.Round(time.Millisecond),
		"render", (time.Since(start) - built).Round(time.Millisecond), "files", len(rd.Files))
	msg := Message{
		Kind: "report", Subject: fmt.Sprintf("%s %s", d.Title, week), Headline: d.Headline,
		Text: PlainText(d), Link: d.DashboardURL, HTML: rd.HTML, Files: rd.Files,
	}
	if rd.PDF != nil {
		msg.Attachments = []Attachment{{Name: rd.Base + ".pdf", ContentType: "application/pdf", Data: rd.PDF}}
	}
	var results []Result
	if r.Deliverer != nil {
		results = r.Deliverer.Deliver(ctx, msg)
	}
	detail, _ := json.Marshal(struct {
		Week     string   `json:"week"`
		Headline string   `json:"headline"`
		PDFError string   `json:"pdf_error,omitempty"`
		Results  []Result `json:"results"`
	}{week.String(), d.Headline, pdfErr, results})
	if len(results) > 0 && !slices.ContainsFunc(results, func(x Result) bool { return x.OK }) {
		return string(detail), fmt.Errorf("report: every destination failed: %s", detail)
	}
	return string(detail), nil
}

// Job returns the scheduler job of the weekly report: on each slot it
// reports on the last complete ISO week, once per week.
func (r *Reporter) Job(s *Schedule, catchUp time.Duration) Job {
	loc := r.Location
	if loc == nil {
		loc = s.Location()
	}
	return Job{
		Name: "weekly-report", Kind: "report", Schedule: s, CatchUp: catchUp,
		Period: func(slot time.Time) string { return LastComplete(slot, loc).String() },
		Run: func(ctx context.Context, slot time.Time, period string) (string, error) {
			w, err := ParseWeek(period)
			if err != nil {
				return "", err
			}
			return r.RunWeek(ctx, w)
		},
	}
}
