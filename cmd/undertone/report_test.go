package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/undertone/undertone/config"
	"github.com/undertone/undertone/report"
)

func TestReportWiring(t *testing.T) {
	dir := t.TempDir()
	urlFile := filepath.Join(dir, "hook")
	passFile := filepath.Join(dir, "pass")
	if err := os.WriteFile(urlFile, []byte("https://hooks.example/T/B/secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(passFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Enrich.TopicsFile = "../../config/topics.yaml"
	cfg.Reports.Destinations = []config.ReportDestination{
		{Name: "archive", Type: "dir", Path: dir, Reports: true},
		{Name: "team", Type: "email", SMTPAddr: "127.0.0.1:25", From: "u@example.com", To: []string{"a@example.com"}, PasswordFile: passFile, Reports: true, Alerts: true},
		{Name: "chat", Type: "webhook", URLFile: urlFile, Alerts: true},
	}
	del, err := newDeliverer(cfg, nil, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	names := func(ds []report.Destination) string {
		var s []string
		for _, d := range ds {
			s = append(s, d.Name())
		}
		return strings.Join(s, ",")
	}
	if got := names(destinations(cfg, del, "reports")); got != "archive,team" {
		t.Errorf("report destinations = %s", got)
	}
	if got := names(destinations(cfg, del, "alerts")); got != "team,chat" {
		t.Errorf("alert destinations = %s", got)
	}
	all := del.Destinations()
	if e := all[1].(report.Email); e.Password != "s3cret" {
		t.Errorf("password_file not read")
	}
	if w := all[2].(report.Webhook); w.URL != "https://hooks.example/T/B/secret" {
		t.Errorf("url_file not read: %q", w.URL)
	}

	refs, _, err := topicRefs(cfg)
	if err != nil || len(refs) == 0 {
		t.Fatalf("topics = %v, %v", refs, err)
	}
	cfg.Reports.Topics = []string{"no-such-topic"}
	if _, _, err := topicRefs(cfg); err == nil {
		t.Error("unknown topic accepted")
	}
}
