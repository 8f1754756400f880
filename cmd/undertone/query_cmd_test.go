package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/undertone/undertone/internal/auth"
)

func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	t.Setenv("UNDERTONE_PRIVACY_PSEUDONYM_KEY", "0123456789abcdef-test")
	var out bytes.Buffer
	r := newRootCmd()
	r.SetOut(&out)
	r.SetErr(&out)
	r.SetIn(strings.NewReader("ut_from_stdin\n"))
	r.SetArgs(append(args, "--config", ""))
	err := r.Execute()
	return out.String(), err
}

func TestTokenCommands(t *testing.T) {
	out, err := runCLI(t, "token", "new", "--name", "ci", "--scopes", "read,ingest")
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(strings.TrimPrefix(strings.SplitN(out, "\n", 2)[0], "token (shown once; give it to the client): "))
	if !strings.HasPrefix(secret, auth.TokenPrefix) || !strings.Contains(out, "sha256: "+auth.Hash(secret)) || !strings.Contains(out, "scopes: [read, ingest]") {
		t.Fatalf("token new:\n%s", out)
	}
	if out, err := runCLI(t, "token", "hash", "abc"); err != nil || strings.TrimSpace(out) != auth.Hash("abc") {
		t.Fatalf("token hash arg: %q %v", out, err)
	}
	if out, err := runCLI(t, "token", "hash"); err != nil || strings.TrimSpace(out) != auth.Hash("ut_from_stdin") {
		t.Fatalf("token hash stdin: %q %v", out, err)
	}
	if _, err := runCLI(t, "token", "new", "--scopes", "root"); err == nil {
		t.Fatal("unknown scope accepted")
	}
}

// TestQueryFlagErrors: parameters are validated before ClickHouse is
// contacted, and errors name the flag.
func TestQueryFlagErrors(t *testing.T) {
	cases := []struct {
		args []string
		flag string
	}{
		{[]string{"query", "themes"}, "--topic"},
		{[]string{"query", "themes", "--topic", "x' OR 1=1"}, "--topic"},
		{[]string{"query", "trend", "--topic", "a", "--interval", "month"}, "--interval"},
		{[]string{"query", "movers", "--min-volume", "0"}, "--min-volume"},
		{[]string{"query", "quotes", "--topic", "a"}, "--theme"},
		{[]string{"query", "sov", "--period", "7y"}, "--period"},
		{[]string{"query", "drivers", "--topic", "a", "--theme", "fears", "--format", "xml"}, "--format"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			_, err := runCLI(t, append(c.args, "--clickhouse-addr", "127.0.0.1:1")...)
			if err == nil || !strings.HasPrefix(err.Error(), c.flag) {
				t.Fatalf("err %v, want one naming %s", err, c.flag)
			}
		})
	}
}
