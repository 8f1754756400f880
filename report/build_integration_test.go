//go:build integration

package report_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/undertone/undertone/internal/testenv"
	"github.com/undertone/undertone/query"
	"github.com/undertone/undertone/query/querytest"
	"github.com/undertone/undertone/report"
	"github.com/undertone/undertone/store"
)

// storeWith creates a fresh database with the store's schema and returns a
// connection to it.
func storeWith(t *testing.T) (driver.Conn, string) {
	t.Helper()
	addr := testenv.ClickHouse(t)
	db := testenv.Database(t, addr)
	conn := testenv.Conn(t, addr, db)
	migs, err := store.Migrations(store.Schema{Database: db})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range migs {
		for _, st := range m.Statements {
			if err := conn.Exec(t.Context(), st); err != nil {
				t.Fatalf("migration %d: %v", m.Version, err)
			}
		}
	}
	return conn, db
}

// TestBuildFromQuery builds a report over the query package's generated
// data set: acme-phone's fears jump 30 days before its end.
func TestBuildFromQuery(t *testing.T) {
	conn, db := storeWith(t)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	if err := querytest.Insert(ctx, conn, db, querytest.Generate(8000, 7)); err != nil {
		t.Fatal(err)
	}
	q, err := query.New(conn, query.Options{Database: db, MinAuthors: 5, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// The week that starts right after the jump, compared with the one before.
	week := report.WeekOf(querytest.Now.AddDate(0, 0, -27))
	start := time.Now()
	d, err := report.Build(ctx, q, report.BuildOptions{
		Week: week, Topics: []report.TopicRef{{ID: querytest.Acme, Name: "Acme Phone"}, {ID: querytest.Beta, Name: "Beta Mobile"}, {ID: querytest.Tiny, Name: "Tiny"}},
		MinVolume: 20, Alpha: 0.05, MinAuthors: 5, DashboardURL: "https://undertone.example",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("built %s in %v", week, time.Since(start))
	acme := d.Topics[0]
	if acme.Volume.Current == 0 || acme.Volume.Previous == 0 {
		t.Fatalf("acme volume = %+v", acme.Volume)
	}
	em := acme.Emerging()
	if len(em) == 0 || em[0].Theme != "fears" {
		t.Fatalf("acme emerging = %+v, want fears first", em)
	}
	if !strings.Contains(d.Headline, "fears") || !strings.Contains(d.Headline, "Acme Phone") {
		t.Errorf("headline = %q", d.Headline)
	}
	fears := acme.Theme("fears")
	if len(fears.Quotes) == 0 || len(fears.Quotes) > report.MaxQuotes {
		t.Errorf("fears quotes = %d", len(fears.Quotes))
	}
	if len(fears.Drivers) == 0 || fears.Drivers[0].Term != "Battery" {
		t.Errorf("fears drivers = %+v, want Battery first", fears.Drivers)
	}
	if len(acme.Daily) != 28 {
		t.Errorf("daily points = %d, want 28", len(acme.Daily))
	}
	// k-anonymity: the 3-author topic shows nothing.
	if tiny := d.Topics[2]; tiny.Volume.Current != 0 || len(tiny.Movers) != 0 || !tiny.Suppressed || !strings.Contains(tiny.Summary, "withheld") {
		t.Errorf("tiny topic leaked or not marked suppressed: %+v %q", tiny.Volume, tiny.Summary)
	}
	var html bytes.Buffer
	if err := report.RenderHTML(&html, d); err != nil {
		t.Fatal(err)
	}
	writeArtifact(t, "query-report.html", html.Bytes())
}

func TestAlertsFromQuery(t *testing.T) {
	conn, db := storeWith(t)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	if err := querytest.Insert(ctx, conn, db, querytest.Generate(8000, 7)); err != nil {
		t.Fatal(err)
	}
	q, err := query.New(conn, query.Options{Database: db, MinAuthors: 5, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var got []report.Message
	sink := destFunc(func(m report.Message) error { got = append(got, m); return nil })
	ledger := &report.MemLedger{}
	a := &report.Alerter{Source: q, Ledger: ledger, Deliverer: report.NewDeliverer([]report.Destination{sink}, report.Retry{Attempts: 1}, nil, nil),
		DashboardURL: "https://undertone.example"}
	rule := report.AlertRule{Name: "acme-fears", Topic: querytest.Acme, TopicName: "Acme Phone", Theme: "fears", MinLift: 1.5, MaxP: 0.01, MinVolume: 20, Days: 7, Cooldown: 24 * time.Hour}
	jump := querytest.Now.AddDate(0, 0, -30).Truncate(24 * time.Hour)
	slot := jump.Add(6*24*time.Hour + 10*time.Hour) // window = the 7 days after the jump
	ev, err := a.Evaluate(ctx, rule, slot)
	if err != nil || !ev.Fired {
		t.Fatalf("evaluation = %+v, %v; want fired", ev, err)
	}
	if len(got) != 1 || !strings.Contains(got[0].Link, "/topic?") || !strings.Contains(got[0].Link, "topic=acme-phone") || !strings.Contains(got[0].Link, "theme=fears") {
		t.Fatalf("messages = %+v", got)
	}
	// An hour later: still above threshold, but cooling down.
	ev, err = a.Evaluate(ctx, rule, slot.Add(time.Hour))
	if err != nil || ev.Fired || !strings.HasPrefix(ev.Reason, "cooling down") {
		t.Fatalf("second evaluation = %+v, %v; want cooling down", ev, err)
	}
	// Joys did not jump: no alert.
	joys := rule
	joys.Name, joys.Theme = "acme-joys", "joys"
	if ev, err := a.Evaluate(ctx, joys, slot); err != nil || ev.Fired {
		t.Fatalf("joys = %+v %v, want not fired", ev, err)
	}
	neg := rule
	neg.Name, neg.Theme, neg.MinLift = "acme-negative", report.ThemeSentiment, 1.05
	ev, err = a.Evaluate(ctx, neg, slot)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("negative share: %s", fmt.Sprintf("%.3f -> %.3f p=%.4f fired=%v %s", ev.PrevShr, ev.Share, ev.P, ev.Fired, ev.Reason))
}

type destFunc func(report.Message) error

func (destFunc) Name() string                                        { return "func" }
func (f destFunc) Deliver(_ context.Context, m report.Message) error { return f(m) }
