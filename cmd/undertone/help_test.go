package main

import (
	"bytes"
	"strings"
	"testing"
	"unicode"

	"github.com/spf13/cobra"
)

// TestHelp walks every subcommand: each has a one-line Short that starts
// with a capital letter and has no final period, does something (RunE or
// subcommands), and renders --help without error.
func TestHelp(t *testing.T) {
	root := newRootCmd()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			return
		}
		t.Run(c.CommandPath(), func(t *testing.T) {
			s := c.Short
			if s == "" {
				t.Fatal("no Short description")
			}
			if r := []rune(s)[0]; !unicode.IsUpper(r) {
				t.Errorf("Short %q does not start with a capital letter", s)
			}
			if strings.HasSuffix(s, ".") || strings.Contains(s, "\n") {
				t.Errorf("Short %q must be one line without a final period", s)
			}
			if c.RunE == nil && c.Run == nil && !c.HasSubCommands() {
				t.Error("command neither runs nor has subcommands")
			}
			var out bytes.Buffer
			r := newRootCmd()
			r.SetOut(&out)
			r.SetErr(&out)
			args := append(strings.Fields(c.CommandPath())[1:], "--help")
			r.SetArgs(args)
			if err := r.Execute(); err != nil {
				t.Fatalf("%v --help: %v", args, err)
			}
			if !strings.Contains(out.String(), "Usage:") {
				t.Fatalf("%v --help printed no usage:\n%s", args, out.String())
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// TestConfigPrintRedacts runs `undertone config print` and checks that the
// secrets set in the environment do not appear.
func TestConfigPrintRedacts(t *testing.T) {
	const key = "test-only-pseudonym-key-0123456789"
	t.Setenv("UNDERTONE_PRIVACY_PSEUDONYM_KEY", key)
	t.Setenv("UNDERTONE_CLICKHOUSE_PASSWORD", "test-only-password-xyz")
	var out bytes.Buffer
	r := newRootCmd()
	r.SetOut(&out)
	r.SetErr(&out)
	r.SetArgs([]string{"config", "print", "--config", ""})
	if err := r.Execute(); err != nil {
		t.Fatalf("config print: %v", err)
	}
	got := out.String()
	if strings.Contains(got, key) || strings.Contains(got, "test-only-password-xyz") {
		t.Fatalf("config print shows a secret:\n%s", got)
	}
	if !strings.Contains(got, "pseudonym_key: <redacted>") || !strings.Contains(got, "brokers:") {
		t.Fatalf("config print output unexpected:\n%s", got)
	}
}

func TestSetFlag(t *testing.T) {
	t.Setenv("UNDERTONE_PRIVACY_PSEUDONYM_KEY", "test-only-pseudonym-key-0123456789")
	for _, tc := range []struct {
		name    string
		args    []string
		want    string
		wantErr string
	}{
		{name: "int", args: []string{"--set", "sink.batch_size=5000"}, want: "batch_size: 5000"},
		{name: "list", args: []string{"--set", "kafka.brokers=a:1,b:2"}, want: "- a:1\n    - b:2"},
		{name: "duration", args: []string{"--set", "sink.batch_timeout=3s"}, want: "batch_timeout: 3s"},
		{name: "unknown key", args: []string{"--set", "kafka.topik=x"}, wantErr: `config: flag sets unknown key "kafka.topik" (did you mean "kafka.topics.*"?)`},
		{name: "not key=value", args: []string{"--set", "sink.batch_size"}, wantErr: `--set "sink.batch_size": want key=value`},
		{name: "invalid value", args: []string{"--set", "log.level=loud"}, wantErr: `invalid config: log.level = "loud": allowed: debug, info, warn, error`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			r := newRootCmd()
			r.SetOut(&out)
			r.SetErr(&out)
			r.SetArgs(append([]string{"config", "print", "--config", ""}, tc.args...))
			err := r.Execute()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), tc.want) {
				t.Fatalf("output lacks %q:\n%s", tc.want, out.String())
			}
		})
	}
}
