package report_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/query"
	"github.com/undertone/undertone/report"
)

// fakeSource answers like the query layer for one topic: 1000 posts this
// week (2026-W47) and 800 the week before; fears jump from 100 to 300.
type fakeSource struct {
	cur time.Time
}

func (f fakeSource) vol(fl query.Filter) float64 {
	v := 800.0
	if !fl.From.Before(f.cur) {
		v = 1000
	}
	switch fl.Sentiment {
	case "positive":
		return v * 0.4
	case "negative":
		return v * 0.3
	}
	return v
}

func (f fakeSource) Themes(_ context.Context, r query.ThemesRequest) (query.ThemesResult, error) {
	v := f.vol(r.Filter)
	res := query.ThemesResult{Topic: r.Filter.Topics[0], Volume: &query.Stats{Posts: uint64(v), Authors: uint64(v / 2)}}
	fears, joys := 100.0, 250.0
	if !r.Filter.From.Before(f.cur) {
		fears, joys = 300, 200
	}
	res.Themes = []query.ThemeRow{
		{Theme: "fears", Stats: query.Stats{Posts: uint64(fears), Authors: 90, AvgSentiment: -0.5}, Share: fears / v},
		{Theme: "joys", Stats: query.Stats{Posts: uint64(joys), Authors: 80, AvgSentiment: 0.6}, Share: joys / v},
	}
	return res, nil
}

func (f fakeSource) Trend(_ context.Context, r query.TrendRequest) (query.TrendResult, error) {
	var res query.TrendResult
	for d := r.Filter.From; d.Before(r.Filter.To); d = d.AddDate(0, 0, 1) {
		n := uint64(100)
		if r.Filter.Sentiment != "" {
			n = 30
		}
		res.Rows = append(res.Rows, query.TrendRow{Start: d.Format(time.DateOnly), Series: "all", Posts: n},
			query.TrendRow{Start: d.Format(time.DateOnly), Series: "fears", Posts: 10})
	}
	return res, nil
}

func (f fakeSource) Movers(_ context.Context, r query.MoversRequest) (query.MoversResult, error) {
	lift := 2.4
	if r.By == "entity" {
		return query.MoversResult{Rows: []query.MoverRow{
			{Topic: r.Filter.Topics[0], Entity: "Acme Phone", Posts: 1000, PrevPosts: 800, Share: 1, PrevShare: 1, Lift: &lift, Z: 9, P: 1e-9, Significant: true},
			{Topic: r.Filter.Topics[0], Entity: "Battery", Posts: 250, PrevPosts: 60, Share: 0.25, PrevShare: 0.075, Lift: &lift, Z: 9, P: 1e-9, Significant: true},
		}}, nil
	}
	z, p := query.TwoProportionZ(300, 1000, 100, 800)
	down := 0.64
	return query.MoversResult{Rows: []query.MoverRow{
		{Topic: r.Filter.Topics[0], Theme: "fears", Posts: 300, PrevPosts: 100, Share: 0.3, PrevShare: 0.125, Lift: &lift, Z: z, P: p, Significant: p < r.Alpha},
		{Topic: r.Filter.Topics[0], Theme: "joys", Posts: 200, PrevPosts: 250, Share: 0.2, PrevShare: 0.3125, Lift: &down, Z: -5, P: 1e-6, Significant: true},
	}}, nil
}

func (f fakeSource) Drivers(_ context.Context, r query.DriversRequest) (query.DriversResult, error) {
	return query.DriversResult{
		Entities: []query.DriverRow{{Name: "Acme Phone", Count: 300, Lift: 1.01, Z: 1}, {Name: "Battery", Count: 200, Lift: 3, Z: 9}},
		Terms:    []query.DriverRow{{Name: "afraid", Count: 20, Lift: 5, Z: 4}, {Name: "overheating", Count: 90, Lift: 4, Z: 8}},
	}, nil
}

func (f fakeSource) Quotes(_ context.Context, r query.QuotesRequest) (query.QuotesResult, error) {
	if r.Filter.Themes[0] == "joys" {
		return query.QuotesResult{Suppressed: true}, nil
	}
	var qs []query.Quote
	for i := range 4 {
		qs = append(qs, query.Quote{Text: fmt.Sprintf("quote %d about the battery", i), Source: "forum", Day: "2026-11-18"})
	}
	return query.QuotesResult{Quotes: qs}, nil
}

func buildOpts() report.BuildOptions {
	wk, _ := report.ParseWeek("2026-W47")
	return report.BuildOptions{Week: wk, Topics: []report.TopicRef{{ID: "acme-phone", Name: "Acme Phone"}}, MinVolume: 20, Alpha: 0.05,
		MinAuthors: 5, DashboardURL: "https://u.example", Now: time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)}
}

func fake() fakeSource { return fakeSource{cur: time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)} }

func TestBuild(t *testing.T) {
	d, err := report.Build(t.Context(), fake(), buildOpts())
	if err != nil {
		t.Fatal(err)
	}
	tp := d.Topics[0]
	if tp.Volume != (report.Metric{Current: 1000, Previous: 800}) || tp.NetSentiment.Current != 10 {
		t.Errorf("volume %+v net %+v", tp.Volume, tp.NetSentiment)
	}
	em := tp.Emerging()
	if len(em) != 2 || em[0].Theme != "fears" || em[1].Entity != "Battery" {
		t.Errorf("emerging = %+v, want fears then the Battery entity (not the topic itself)", em)
	}
	fears := tp.Theme("fears")
	if len(fears.Drivers) < 2 || fears.Drivers[0].Term != "Battery" || fears.Drivers[1].Term != "overheating" {
		t.Errorf("drivers = %+v, want Battery (entity) then overheating (highest z term)", fears.Drivers)
	}
	if tp.Theme("joys").Suppressed != true || len(tp.Theme("joys").Quotes) != 0 {
		t.Errorf("joys = %+v, want suppressed", tp.Theme("joys"))
	}
	if len(tp.Daily) != 28 || tp.Daily[0].Posts != 100 || tp.Daily[0].NetSentiment != 0 {
		t.Errorf("daily = %d points, first %+v", len(tp.Daily), tp.Daily[0])
	}
	if !strings.Contains(d.Headline, "fears around Acme Phone (2.4×, 300 posts vs 100), driven by “Battery” and “overheating”.") {
		t.Errorf("headline = %q", d.Headline)
	}
	if !strings.Contains(tp.Link, "/topic?from=2026-11-16&period=custom&to=2026-11-22&topic=acme-phone") {
		t.Errorf("link = %q", tp.Link)
	}
}

func TestReporterRunWeek(t *testing.T) {
	dir := t.TempDir()
	var hooked int
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hooked++ }))
	defer hook.Close()
	del := report.NewDeliverer([]report.Destination{report.Dir{Label: "dir", Path: dir}, report.Webhook{Label: "chat", URL: hook.URL}},
		report.Retry{Attempts: 1}, nil, nil)
	r := &report.Reporter{Source: fake(), Options: buildOpts(), Formats: []string{"html", "md"}, Deliverer: del}
	detail, err := r.RunWeek(t.Context(), r.Options.Week)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Week    string
		Results []report.Result
	}
	if err := json.Unmarshal([]byte(detail), &got); err != nil || got.Week != "2026-W47" || len(got.Results) != 2 || !got.Results[0].OK {
		t.Fatalf("detail = %s (%v)", detail, err)
	}
	for _, f := range []string{"undertone-2026-W47.html", "undertone-2026-W47.md", "charts/acme-phone-daily.svg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if hooked != 1 {
		t.Errorf("webhook called %d times", hooked)
	}

	// Every destination failing is an error, so the scheduler retries.
	r.Deliverer = del.To([]report.Destination{report.Webhook{Label: "down", URL: "http://127.0.0.1:1/"}})
	if _, err := r.RunWeek(t.Context(), r.Options.Week); err == nil {
		t.Error("run with every destination down succeeded")
	}
	// A missing Chromium does not stop the report.
	r.Deliverer = del.To([]report.Destination{report.Dir{Label: "dir", Path: dir}})
	r.Formats = []string{"html", "pdf"}
	r.Printer = report.Printer{Chromium: "/nonexistent/chromium"}
	detail, err = r.RunWeek(t.Context(), r.Options.Week)
	if err != nil || !strings.Contains(detail, "pdf_error") {
		t.Errorf("run without chromium = %s, %v", detail, err)
	}
}

func TestAlerter(t *testing.T) {
	var got []report.Message
	sink := destFn(func(m report.Message) error { got = append(got, m); return nil })
	ledger := &report.MemLedger{}
	a := &report.Alerter{Source: fake(), Ledger: ledger, Deliverer: report.NewDeliverer([]report.Destination{sink}, report.Retry{Attempts: 1}, nil, nil),
		DashboardURL: "https://u.example"}
	rule := report.AlertRule{Name: "acme-fears", Topic: "acme-phone", TopicName: "Acme Phone", Theme: "fears", MinLift: 1.5, MaxP: 0.01, MinVolume: 50, Cooldown: 24 * time.Hour}
	slot := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	ev, err := a.Evaluate(t.Context(), rule, slot)
	if err != nil || !ev.Fired {
		t.Fatalf("ev = %+v %v", ev, err)
	}
	if len(got) != 1 || got[0].Link != "https://u.example/topic?from=2026-11-16&period=custom&theme=fears&to=2026-11-22&topic=acme-phone" {
		t.Fatalf("messages = %+v", got)
	}
	if !strings.Contains(got[0].Headline, "fears about Acme Phone up 2.4×") {
		t.Errorf("headline = %q", got[0].Headline)
	}
	if ev, _ := a.Evaluate(t.Context(), rule, slot.Add(23*time.Hour)); ev.Fired || !strings.HasPrefix(ev.Reason, "cooling down") {
		t.Errorf("within cool-down: %+v", ev)
	}
	if ev, _ := a.Evaluate(t.Context(), rule, slot.Add(25*time.Hour)); !ev.Fired {
		t.Errorf("after cool-down: %+v", ev)
	}
	strict := rule
	strict.Name, strict.MinLift = "strict", 3
	if ev, _ := a.Evaluate(t.Context(), strict, slot); ev.Fired || !strings.HasPrefix(ev.Reason, "lift") {
		t.Errorf("lift below threshold fired: %+v", ev)
	}
	joys := rule
	joys.Name, joys.Theme = "joys", "joys"
	if ev, _ := a.Evaluate(t.Context(), joys, slot); ev.Fired || ev.Reason != "not rising" {
		t.Errorf("falling theme fired: %+v", ev)
	}
	neg := rule
	neg.Name, neg.Theme, neg.MinLift, neg.MaxP = "neg", report.ThemeSentiment, 0, 1
	if ev, err := a.Evaluate(t.Context(), neg, slot); err != nil || ev.Fired || ev.Share != 0.3 {
		t.Errorf("negative share = %+v %v (same 30%% both weeks: not rising)", ev, err)
	}
}

type destFn func(report.Message) error

func (destFn) Name() string                                        { return "fn" }
func (f destFn) Deliver(_ context.Context, m report.Message) error { return f(m) }

func BenchmarkRenderHTML(b *testing.B) {
	d, err := report.Build(context.Background(), fake(), buildOpts())
	if err != nil {
		b.Fatal(err)
	}
	d.Topics = append(d.Topics, d.Topics[0], d.Topics[0], d.Topics[0], d.Topics[0], d.Topics[0], d.Topics[0])
	b.ReportAllocs()
	for b.Loop() {
		if _, err := report.Render(context.Background(), d, []string{"html", "md"}, report.Printer{}); err != nil {
			b.Fatal(err)
		}
	}
}
