package report_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/report"
)

// sample is a small hand-made report: Acme Phone with a rising battery fear.
func sample() report.Data {
	wk := report.Week{Year: 2026, Num: 47}
	from, to := wk.Start(time.UTC), wk.End(time.UTC)
	theme := func(name string, cur, prev, total, ptotal float64) report.ThemeStat {
		return report.ThemeStat{Theme: name, Posts: report.Metric{Current: cur, Previous: prev},
			Share: report.Metric{Current: cur / total, Previous: prev / ptotal}, Authors: int(cur * 0.9), Sentiment: -0.2}
	}
	acme := report.TopicData{ID: "acme-phone", Name: "Acme Phone",
		Volume:       report.Metric{Current: 1200, Previous: 1000},
		NetSentiment: report.Metric{Current: -8, Previous: 4},
		Authors:      1100,
		Link:         report.TopicLink("https://undertone.example", "acme-phone", "", from, to),
	}
	acme.Themes = []report.ThemeStat{
		theme("fears", 300, 100, 1200, 1000), theme("frustrations", 150, 140, 1200, 1000),
		theme("disappointments", 80, 70, 1200, 1000), theme("joys", 350, 380, 1200, 1000),
		theme("desires", 120, 110, 1200, 1000), theme("confusion", 3, 2, 1200, 1000),
	}
	acme.Themes[5].Suppressed = true
	acme.Themes[0].Drivers = []report.Driver{{Term: "battery", Kind: "term", Posts: 210, Lift: 3.4}, {Term: "overheating", Kind: "term", Posts: 60, Lift: 2.8}}
	acme.Themes[0].Quotes = []report.Quote{
		{Text: "Scared my Acme Phone battery will swell <again> & *burn*", Source: "forum", CreatedAt: from.Add(30 * time.Hour)},
		{Text: "the battery drains so fast I'm worried it's dying", Source: "reviews", CreatedAt: from.Add(50 * time.Hour)},
		{Text: "third quote", Source: "social", CreatedAt: from.Add(70 * time.Hour)},
		{Text: "fourth quote is never shown", Source: "social", CreatedAt: from.Add(90 * time.Hour)},
	}
	acme.Themes[3].Quotes = []report.Quote{{Text: "Love the camera on my Acme", Source: "social", CreatedAt: from.Add(10 * time.Hour)}}
	z, p := report.ZTest(300, 1200, 100, 1000)
	acme.Movers = []report.Mover{
		{Theme: "fears", Posts: report.Metric{Current: 300, Previous: 100}, Share: acme.Themes[0].Share, Lift: acme.Themes[0].Lift(), Z: z, P: p, Significant: true},
		{Theme: "joys", Posts: report.Metric{Current: 350, Previous: 380}, Share: acme.Themes[3].Share, Lift: acme.Themes[3].Lift(), Z: -2, P: 0.04, Significant: true},
	}
	for d := -21; d < 7; d++ {
		day := from.AddDate(0, 0, d)
		n := 140 + (d+21)%5*5
		fears := 14
		if d >= 0 {
			fears = 40 + d*2
		}
		acme.Daily = append(acme.Daily, report.DailyPoint{Day: day, Posts: n, NetSentiment: float64(5 - max(d, 0)*2),
			Themes: map[string]int{"fears": fears, "joys": 50}})
	}
	beta := report.TopicData{ID: "beta-bank", Name: "Beta Bank", Volume: report.Metric{Current: 0, Previous: 12}}
	d := report.Data{Title: "Undertone weekly insight", Week: wk, From: from, To: to, PrevFrom: from.AddDate(0, 0, -7),
		Timezone: "UTC", GeneratedAt: time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC), DashboardURL: "https://undertone.example",
		Topics: []report.TopicData{acme, beta}, Methodology: report.DefaultMethodology(), MinAuthors: 5}
	d.Methodology.Scores = []report.ModelScore{{Model: "emotion", Metric: "macro F1 (dev)", Value: 0.5}}
	report.Summarize(&d)
	return d
}

func TestSummarize(t *testing.T) {
	d := sample()
	if !strings.Contains(d.Headline, "fears around Acme Phone") {
		t.Errorf("headline = %q, want the fears mover", d.Headline)
	}
	s := d.Topics[0].Summary
	for _, want := range []string{"1200 posts", "up 20%", "Net sentiment was -8 (down 12 points)", "Emerging: fears is up 2.5×", "“battery”"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
	if !strings.Contains(d.Topics[1].Summary, "No posts about Beta Bank") {
		t.Errorf("empty topic summary = %q", d.Topics[1].Summary)
	}
}

func TestRenderHTML(t *testing.T) {
	var buf bytes.Buffer
	if err := report.RenderHTML(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{
		"<svg", "Acme Phone", "battery", "&lt;again&gt; &amp; *burn*", "Methodology", "break-before: page",
		"https://undertone.example/topic?from=2026-11-16&amp;period=custom&amp;to=2026-11-22&amp;topic=acme-phone", "macro F1",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("html lacks %q", want)
		}
	}
	for _, bad := range []string{"<again>", "fourth quote", "<script", "<link", "src=", "url(", "@import"} {
		if strings.Contains(html, bad) {
			t.Errorf("html contains %q", bad)
		}
	}
	writeArtifact(t, "report.html", buf.Bytes())
}

func TestRenderMarkdown(t *testing.T) {
	doc, charts, err := report.MarkdownFiles(sample())
	if err != nil {
		t.Fatal(err)
	}
	md := string(doc)
	for _, want := range []string{"# Undertone weekly insight", "![Posts per day](charts/acme-phone-daily.svg)", `\*burn\*`, "| fears |"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if len(charts) != 6 {
		t.Errorf("got %d chart files, want 6", len(charts))
	}
	for name, svg := range charts {
		if !bytes.HasPrefix(svg, []byte("<svg")) || !bytes.HasSuffix(svg, []byte("</svg>")) {
			t.Errorf("%s is not an svg", name)
		}
	}
	writeArtifact(t, "report.md", doc)
}

func TestPDF(t *testing.T) {
	if _, err := report.FindChromium(""); err != nil {
		t.Skip("chromium not installed: ", err)
	}
	var buf bytes.Buffer
	if err := report.RenderHTML(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	pdf, err := report.Printer{}.PDF(t.Context(), buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	writeArtifact(t, "report.pdf", pdf)
	CheckPDF(t, pdf, 3)
}

func TestPDFWithoutChromium(t *testing.T) {
	_, err := report.Printer{Chromium: "/nonexistent/chromium"}.PDF(context.Background(), []byte("<html></html>"))
	if !errors.Is(err, report.ErrNoChromium) {
		t.Fatalf("err = %v, want ErrNoChromium", err)
	}
}

// CheckPDF converts pdf to PNG pages with pdftoppm and checks that there
// are at least minPages pages and none of them is blank.
func CheckPDF(t testing.TB, pdf []byte, minPages int) {
	t.Helper()
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Log("pdftoppm not installed (apt-get install poppler-utils): page check skipped")
		return
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "r.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftoppm", "-r", "30", "-gray", in, filepath.Join(dir, "page")).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "page-*.pgm"))
	if len(pages) < minPages {
		t.Fatalf("pdf has %d pages, want >= %d", len(pages), minPages)
	}
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if dark := darkFraction(t, b); dark < 0.0001 {
			t.Errorf("%s looks blank (%.4f of pixels dark)", filepath.Base(p), dark)
		}
	}
}

// darkFraction parses a binary PGM (P5, maxval 255) and returns the share
// of pixels darker than mid-grey.
func darkFraction(t testing.TB, b []byte) float64 {
	t.Helper()
	fields := 0
	i := 0
	for fields < 4 && i < len(b) {
		for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
			i++
		}
		if i < len(b) && b[i] == '#' {
			for i < len(b) && b[i] != '\n' {
				i++
			}
			continue
		}
		for i < len(b) && !(b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
			i++
		}
		fields++
	}
	pix := b[i+1:]
	if len(pix) == 0 {
		t.Fatal("empty pgm")
	}
	dark := 0
	for _, v := range pix {
		if v < 128 {
			dark++
		}
	}
	return float64(dark) / float64(len(pix))
}

// writeArtifact keeps a rendered file for a person to look at when
// UNDERTONE_REPORT_ARTIFACTS names a directory.
func writeArtifact(t testing.TB, name string, b []byte) {
	dir := os.Getenv("UNDERTONE_REPORT_ARTIFACTS")
	if dir == "" {
		return
	}
	if err := report.WriteFile(filepath.Join(dir, name), b); err != nil {
		t.Fatal(err)
	}
}

func TestRenderSuppressedTopic(t *testing.T) {
	d := sample()
	d.Topics[1].Suppressed = true
	report.Summarize(&d)
	var buf bytes.Buffer
	if err := report.RenderHTML(&buf, d); err != nil {
		t.Fatal(err)
	}
	doc, _, err := report.MarkdownFiles(d)
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]string{"html": buf.String(), "md": string(doc)} {
		if !strings.Contains(s, "fewer than 5 distinct authors") || !strings.Contains(s, "withheld to protect their anonymity") {
			t.Errorf("%s does not say the topic is withheld", name)
		}
	}
}
