package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/config"
)

const reportsYAML = `
reports:
  enabled: true
  schedule: "0 7 * * 1"
  timezone: Europe/Berlin
  formats: [html, pdf]
  destinations:
    - name: archive
      type: dir
      path: /var/lib/undertone/reports
      reports: true
    - name: team
      type: email
      smtp_addr: smtp.example.com:587
      from: undertone@example.com
      to: [insights@example.com]
      username: undertone
      password_env: SMTP_PASSWORD
      tls: mandatory
      attach_pdf: true
      reports: true
      alerts: true
    - name: slack
      type: webhook
      url_file: /run/secrets/slack
      alerts: true
  alerts:
    enabled: true
    rules:
      - name: acme-fears
        topic: acme-phone
        theme: fears
        min_lift: 1.5
        max_p: 0.01
        min_volume: 30
        cooldown: 24h
`

func writeYAML(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReportsSection(t *testing.T) {
	t.Parallel()
	c, err := config.Load(config.Options{Path: writeYAML(t, reportsYAML), LookupEnv: withKey()})
	if err != nil {
		t.Fatal(err)
	}
	r := c.Reports
	if len(r.Destinations) != 3 || r.Destinations[1].To[0] != "insights@example.com" || !r.Destinations[1].AttachPDF {
		t.Errorf("destinations = %+v", r.Destinations)
	}
	if len(r.Alerts.Rules) != 1 || r.Alerts.Rules[0].Cooldown != 24*time.Hour || r.Alerts.Rules[0].MinLift != 1.5 {
		t.Errorf("rules = %+v", r.Alerts.Rules)
	}
	if r.Settle != 5*time.Second || r.Ledger != "clickhouse" {
		t.Errorf("defaults lost: %+v", r)
	}
}

func TestReportsSectionErrors(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, from, to, want string }{
		{"bad type", "type: webhook\n      url_file", "type: pigeon\n      url_file", "reports.destinations[2].type"},
		{"duplicate destination", "name: slack", "name: team", "reports.destinations[2].name"},
		{"nothing selected", "      alerts: true\n  alerts:", "      alerts: false\n  alerts:", "reports.destinations[2]"},
		{"bad theme", "theme: fears", "theme: dread", "reports.alerts.rules[0].theme"},
		{"bad p", "max_p: 0.01", "max_p: 2", "reports.alerts.rules[0].max_p"},
		{"bad schedule", `schedule: "0 7 * * 1"`, `schedule: "mondays"`, "reports.schedule"},
		{"no recipients", "to: [insights@example.com]", "to: []", "reports.destinations[1].to"},
		{"unknown key", "min_volume: 30", "min_volumes: 30", "min_volumes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := strings.Replace(reportsYAML, tc.from, tc.to, 1)
			if body == reportsYAML {
				t.Fatalf("replacement %q not found", tc.from)
			}
			_, err := config.Load(config.Options{Path: writeYAML(t, body), LookupEnv: withKey()})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to name %s", err, tc.want)
			}
		})
	}
}
