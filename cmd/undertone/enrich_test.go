package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/undertone/undertone/post"
)

func runEnrichCLI(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	t.Setenv("UNDERTONE_PRIVACY_PSEUDONYM_KEY", "0123456789abcdef0123")
	t.Setenv("UNDERTONE_ENRICH_TOPICS_FILE", filepath.Join("..", "..", "config", "topics.yaml"))
	root := newRootCmd()
	var out, errw bytes.Buffer
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errw)
	root.SetArgs(append([]string{"--config", ""}, args...))
	err = root.ExecuteContext(t.Context())
	return out.String(), errw.String(), err
}

func TestEnrichCommand(t *testing.T) {
	in := `{"id":"1","text":"How do I cancel my Acme Phone plan?"}` + "\n" +
		"not json\n" +
		`{"id":"3","text":"Beta Mobile is better than Acme","source":"forum","created_at":"2026-01-01T00:00:00Z"}` + "\n"
	out, errs, err := runEnrichCLI(t, in, "enrich")
	var ee exitError
	if !errors.As(err, &ee) || ee.code != 1 {
		t.Fatalf("err = %v, want exit code 1 (one bad line)", err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("stdout has %d lines:\n%s", len(lines), out)
	}
	var first, second post.Enriched
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &second); err != nil {
		t.Fatal(err)
	}
	if first.ID != "1" || first.Source != "offline" || len(first.Topics) == 0 || len(first.Intents) == 0 ||
		first.Enrichers["entity"] == "" || first.Enrichers["emotion"] == "" || len(first.Emotions) != 28 {
		t.Errorf("first = %+v", first)
	}
	if second.ID != "3" || second.Source != "forum" {
		t.Errorf("second = %+v", second)
	}
	if !strings.Contains(errs, `{"line":2,"reason":"malformed_json"`) {
		t.Errorf("stderr lacks the error record:\n%s", errs)
	}

	// All good: exit 0, output to a file.
	path := filepath.Join(t.TempDir(), "out.jsonl")
	if _, _, err := runEnrichCLI(t, `{"id":"1","text":"fine"}`+"\n", "enrich", "--output", path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || strings.Count(string(b), "\n") != 1 {
		t.Fatalf("output file: %q %v", b, err)
	}
}

func TestTopicsTestCommand(t *testing.T) {
	out, _, err := runEnrichCLI(t, "my acme phone died\nnothing here\n", "topics", "test", "--query", `"acme phone"`, "--input", "-")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "line 1: my [acme phone] died") || !strings.Contains(out, "1 of 2 posts match") {
		t.Errorf("output:\n%s", out)
	}
	_, _, err = runEnrichCLI(t, "", "topics", "test", "--query", "acme OR")
	var ee exitError
	if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(ee.msg, "line 1, column 8") {
		t.Errorf("err = %v", err)
	}
	out, _, err = runEnrichCLI(t, "", "topics", "test", "--topics", filepath.Join("..", "..", "config", "topics.yaml"))
	if err != nil || !strings.Contains(out, "ok: ") {
		t.Errorf("topics file check: %v\n%s", err, out)
	}
}
