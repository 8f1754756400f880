//go:build integration

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/testenv"
	"github.com/undertone/undertone/query/querytest"
	"github.com/undertone/undertone/report"
	"github.com/undertone/undertone/store"
)

// TestReportCommand runs `undertone report` against a store filled with the
// query package's generated rows, then `report --deliver` twice into a
// directory destination: the second run finds the week done in the ledger.
func TestReportCommand(t *testing.T) {
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
				t.Fatal(err)
			}
		}
	}
	if err := querytest.Insert(t.Context(), conn, db, querytest.Generate(3000, 3)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "c.yaml")
	cfg := "reports:\n  settle: 200ms\n  destinations:\n    - name: archive\n      type: dir\n      path: " + filepath.Join(dir, "delivered") + "\n      reports: true\n"
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("UNDERTONE_PRIVACY_PSEUDONYM_KEY", "0123456789abcdef0123")
	t.Setenv("UNDERTONE_ENRICH_TOPICS_FILE", filepath.Join("..", "..", "config", "topics.yaml"))
	t.Setenv("UNDERTONE_CLICKHOUSE_DATABASE", db)
	week := report.WeekOf(querytest.Now.AddDate(0, 0, -27)).String()
	run := func(args ...string) string {
		t.Helper()
		root := newRootCmd()
		var out, errw bytes.Buffer
		root.SetOut(&out)
		root.SetErr(&errw)
		root.SetArgs(append([]string{"--config", cfgPath, "--clickhouse-addr", addr}, args...))
		if err := root.ExecuteContext(t.Context()); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errw.String())
		}
		return out.String() + errw.String()
	}
	formats := "html,md"
	if _, err := report.FindChromium(""); err == nil {
		formats += ",pdf"
	}
	start := time.Now()
	out := run("report", "--week", week, "--topics", "acme-phone,beta-mobile", "--format", formats, "--out", filepath.Join(dir, "out"))
	t.Logf("report in %v:\n%s", time.Since(start), out)
	for _, f := range strings.Split(formats, ",") {
		p := filepath.Join(dir, "out", "undertone-"+week+"."+f)
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
	if !strings.Contains(out, "Emerging this week: fears around Acme Phone") {
		t.Errorf("headline missing from output:\n%s", out)
	}

	out = run("report", "--week", week, "--topics", "acme-phone", "--format", "html", "--deliver")
	if !strings.Contains(out, "outcome=ran") {
		t.Errorf("first delivery: %s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "delivered", "undertone-"+week+".html")); err != nil {
		t.Error(err)
	}
	out = run("report", "--week", week, "--topics", "acme-phone", "--format", "html", "--deliver")
	if !strings.Contains(out, "outcome=done") {
		t.Errorf("second delivery was not skipped: %s", out)
	}
}
