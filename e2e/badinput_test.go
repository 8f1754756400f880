//go:build integration

package e2e_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/ingest"
)

var update = flag.Bool("update", false, "rewrite docs/bad-input.md from the bad-input catalogue test")

const cataloguePath = "../docs/bad-input.md"

// badInput is one bad input tried on one interface and what the user saw.
type badInput struct {
	iface, kind, input, seen string
}

type catalogue struct {
	t       *testing.T
	entries []badInput
	scrub   []*regexp.Regexp
	dir     string
}

func (c *catalogue) add(iface, kind, input, seen string) {
	for _, re := range c.scrub {
		seen = re.ReplaceAllString(seen, "<addr>")
	}
	if c.dir != "" {
		seen = strings.ReplaceAll(seen, c.dir, "<dir>")
		input = strings.ReplaceAll(input, c.dir, "<dir>")
	}
	seen = strings.TrimSpace(seen)
	if len(seen) > 480 {
		seen = seen[:450] + fmt.Sprintf("…(%d bytes)", len(seen))
	}
	if seen == "" {
		c.t.Errorf("%s / %s: no error shown for %q", iface, kind, input)
	}
	c.entries = append(c.entries, badInput{iface, kind, input, seen})
}

// TestBadInputCatalogue tries each kind of bad input on every interface
// (Kafka records, the HTTP collector, API parameters, config files, CLI
// flags, topic queries) against the real binary and records the exact
// error a user sees. With -update (or UNDERTONE_UPDATE_CATALOGUE=1) it
// writes docs/bad-input.md; otherwise it fails when the file is stale.
func TestBadInputCatalogue(t *testing.T) {
	c := &catalogue{t: t, dir: t.TempDir(), scrub: []*regexp.Regexp{regexp.MustCompile(`127\.0\.0\.1:\d+`)}}
	kafkaRecords(t, c)
	cliAndConfig(t, c)
	topicQueries(t, c)
	p := newPipeline(t, 1)
	p.migrate()
	run := p.start("run")
	waitHTTP(t, "http://"+p.serveAddr+"/healthz", run)
	collector(t, c, p)
	apiParams(t, c, p)
	run.stop(t)

	doc := render(c.entries)
	if *update || os.Getenv("UNDERTONE_UPDATE_CATALOGUE") == "1" {
		if err := os.WriteFile(cataloguePath, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s: %d entries", cataloguePath, len(c.entries))
		return
	}
	old, err := os.ReadFile(cataloguePath)
	if err != nil || string(old) != doc {
		t.Errorf("%s is not up to date (%d entries); regenerate: go test -tags integration -run TestBadInputCatalogue ./e2e/ -update", cataloguePath, len(c.entries))
	}
}

func waitHTTP(t *testing.T, url string, pr *proc) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if pr.exited() {
			t.Fatalf("process exited: %v\n%s", pr.err, tail(pr.out.String(), 30))
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("%s not answering after 2 minutes", url)
}

func kafkaRecords(t *testing.T, c *catalogue) {
	prep, err := ingest.NewPreparer(ingest.PreparerConfig{
		PseudonymKey: []byte(pseudonymKey), PseudonymKeyID: "k1", MaxTextBytes: 20000, Languages: []string{"en"}, OtherLang: "dlq",
	})
	if err != nil {
		t.Fatal(err)
	}
	const ok = `"id":"a1","source":"forum","text":"hello there","created_at":"2026-11-01T10:00:00Z"`
	cases := []struct{ kind, rec string }{
		{"not JSON", `not json`},
		{"truncated JSON", `{"id":"a1",`},
		{"binary / invalid UTF-8", "\xff\xfe\x00junk"},
		{"JSON array, not object", `[1,2]`},
		{"JSON string, not object", `"hello"`},
		{"unknown field", `{` + ok + `,"extra":1}`},
		{"wrong type (id number)", `{"id":7,"source":"forum","text":"t","created_at":"2026-11-01T10:00:00Z"}`},
		{"wrong type (meta nested)", `{` + ok + `,"meta":{"a":{"b":1}}}`},
		{"missing text", `{"id":"a1","source":"forum","created_at":"2026-11-01T10:00:00Z"}`},
		{"blank text", `{"id":"a1","source":"forum","text":"   ","created_at":"2026-11-01T10:00:00Z"}`},
		{"missing created_at", `{"id":"a1","source":"forum","text":"t"}`},
		{"null id", `{"id":null,"source":"forum","text":"t","created_at":"2026-11-01T10:00:00Z"}`},
		{"created_at not RFC 3339", `{"id":"a1","source":"forum","text":"t","created_at":"yesterday"}`},
		{"created_at without zone", `{"id":"a1","source":"forum","text":"t","created_at":"2026-11-01 10:00:00"}`},
		{"schema_version 2", `{"schema_version":2,` + ok + `}`},
		{"source with spaces", `{"id":"a1","source":"my forum","text":"t","created_at":"2026-11-01T10:00:00Z"}`},
		{"lang not BCP 47", `{` + ok + `,"lang":"english!"}`},
		{"language not accepted (other_lang dlq)", `{` + ok + `,"lang":"fr"}`},
		{"id too long", `{"id":"` + strings.Repeat("x", 600) + `","source":"forum","text":"t","created_at":"2026-11-01T10:00:00Z"}`},
		{"text over max_text_bytes (20000)", `{"id":"a1","source":"forum","text":"` + strings.Repeat("word ", 4001) + `","created_at":"2026-11-01T10:00:00Z"}`},
		{"control character in id", `{"id":"a\u0001b","source":"forum","text":"t","created_at":"2026-11-01T10:00:00Z"}`},
	}
	for _, cs := range cases {
		_, err := prep.Prepare([]byte(cs.rec))
		var re *ingest.RejectError
		if !errors.As(err, &re) {
			t.Errorf("kafka record %s: accepted or unclassified (%v)", cs.kind, err)
			continue
		}
		c.add("Kafka record (posts.raw → ingest)", cs.kind, short(cs.rec),
			fmt.Sprintf("DLQ header reason=%s; log/response detail: %s", re.Reason, re.Error()))
	}
}

// short shows an input compactly: quoted when not plain, long runs cut.
func short(s string) string {
	if len(s) > 120 {
		s = s[:100] + fmt.Sprintf("…(%d bytes)", len(s))
	}
	if !isPrintable(s) {
		return fmt.Sprintf("%q", s)
	}
	return s
}

func isPrintable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0xfffd {
			return false
		}
	}
	return strings.ToValidUTF8(s, "") == s
}

// undertone runs the binary with a clean environment (dev key set) and
// returns its exit code and combined output.
func undertone(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = repoRoot() // relative defaults such as config/topics.yaml resolve as for a user in the checkout
	cmd.Env = append(append(os.Environ(), "UNDERTONE_CONFIG=", "UNDERTONE_PRIVACY_PSEUDONYM_KEY="+pseudonymKey), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String()
}

func cliAndConfig(t *testing.T, c *catalogue) {
	cli := []struct {
		kind string
		args []string
	}{
		{"unknown command", []string{"frobnicate"}},
		{"unknown flag", []string{"generate", "--postz", "5"}},
		{"flag value of the wrong type", []string{"generate", "--posts", "many"}},
		{"negative count", []string{"generate", "--posts", "-5"}},
		{"bad date", []string{"generate", "--posts", "5", "--start", "2026-13-01"}},
		{"unknown subcommand", []string{"migrate", "sideways"}},
		{"unexpected argument", []string{"generate", "--posts", "5", "extra"}},
		{"bad produce format", []string{"produce", "--input", "x.jsonl", "--format", "xml"}},
		{"missing input file", []string{"enrich", "--input", "does-not-exist.jsonl", "--output", "-"}},
		{"bad report week", []string{"report", "--week", "2026-W99", "--format", "md", "--out", c.dir}},
		{"bad log level", []string{"config", "validate", "--log-level", "loud"}},
	}
	for _, cs := range cli {
		code, out := undertone(t, nil, cs.args...)
		// Known gap, recorded as is: a command group given an unknown
		// subcommand prints its help and exits 0.
		if code == 0 && cs.kind != "unknown subcommand" {
			t.Errorf("undertone %v: exit 0", cs.args)
		}
		c.add("CLI flags and arguments", cs.kind, "undertone "+strings.Join(cs.args, " "), fmt.Sprintf("exit %d: %s", code, firstLines(out, 3)))
	}
	files := []struct{ kind, yaml string }{
		{"YAML syntax error", "kafka:\n  brokers: [127.0.0.1:9092\n"},
		{"unknown key (typo)", "kafka:\n  brokerz: [127.0.0.1:9092]\n"},
		{"unknown section", "kafkaa:\n  brokers: [127.0.0.1:9092]\n"},
		{"wrong type", "ingest:\n  batch_size: lots\n"},
		{"bad duration", "sink:\n  batch_timeout: 5 parsecs\n"},
		{"out-of-range value", "ingest:\n  batch_size: 0\n"},
		{"bad enum", "log:\n  format: xml\n"},
		{"empty broker list", "kafka:\n  brokers: []\n"},
		{"pseudonym key in the file", "privacy:\n  pseudonym_key: short\n"},
	}
	for i, f := range files {
		path := filepath.Join(c.dir, fmt.Sprintf("bad%d.yaml", i))
		if err := os.WriteFile(path, []byte(f.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out := undertone(t, nil, "config", "validate", "--config", path)
		if code == 0 {
			t.Errorf("config %q: exit 0", f.yaml)
		}
		c.add("Config file (undertone config validate --config F)", f.kind, strings.ReplaceAll(strings.TrimSpace(f.yaml), "\n", "⏎"), fmt.Sprintf("exit %d: %s", code, firstLines(out, 3)))
	}
	envs := []struct{ kind, env string }{
		{"pseudonym key too short", "UNDERTONE_PRIVACY_PSEUDONYM_KEY=short"},
		{"pseudonym key missing", "UNDERTONE_PRIVACY_PSEUDONYM_KEY="},
		{"bad duration in env", "UNDERTONE_SINK_BATCH_TIMEOUT=soon"},
	}
	for _, e := range envs {
		code, out := undertone(t, []string{e.env}, "config", "validate")
		if code == 0 {
			t.Errorf("env %s: exit 0", e.env)
		}
		c.add("Environment (UNDERTONE_*)", e.kind, e.env, fmt.Sprintf("exit %d: %s", code, firstLines(out, 3)))
	}
}

func topicQueries(t *testing.T, c *catalogue) {
	for _, q := range []string{`"acme phone`, `acme AND`, `(acme OR beta`, `acme)`, `NOT acme`, `lang:en`, `acme NEAR/x battery`,
		`acme NEAR/3 NOT beta`, `*phone`, `colour:red`, `OR acme`} {
		code, out := undertone(t, nil, "topics", "test", "--query", q)
		if code == 0 {
			t.Errorf("topic query %q: exit 0", q)
		}
		c.add("Topic query language (undertone topics test --query Q; same errors in topics.yaml)", "", q, fmt.Sprintf("exit %d: %s", code, firstLines(out, 3)))
	}
}

func collector(t *testing.T, c *catalogue, p *pipeline) {
	base := "http://" + p.serveAddr + ingest.CollectorPath
	valid := `{"id":"c1","source":"forum","text":"hello","created_at":"2026-11-01T10:00:00Z"}`
	cases := []struct {
		kind, method, ctype, body string
	}{
		{"wrong method", http.MethodGet, "", ""},
		{"empty body", http.MethodPost, "application/json", ""},
		{"not JSON", http.MethodPost, "application/json", "hello"},
		{"bad record in an array", http.MethodPost, "application/json", `[` + valid + `,{"id":"c2"}]`},
		{"bad NDJSON line", http.MethodPost, "application/x-ndjson", valid + "\n{oops\n"},
		{"unsupported content type", http.MethodPost, "text/csv", "id,text\n1,hi\n"},
		{"gzip header but plain body", http.MethodPost, "application/json", valid},
		{"body over the limit (9 MiB)", http.MethodPost, "application/x-ndjson", strings.Repeat(valid+"\n", 9<<20/len(valid))},
	}
	for _, cs := range cases {
		req, _ := http.NewRequest(cs.method, base, strings.NewReader(cs.body))
		if cs.ctype != "" {
			req.Header.Set("Content-Type", cs.ctype)
		}
		if cs.kind == "gzip header but plain body" {
			req.Header.Set("Content-Encoding", "gzip")
		}
		status, body := do(t, req)
		c.add("HTTP collector (POST /v1/posts)", cs.kind, fmt.Sprintf("%s %s (%s) %s", cs.method, ingest.CollectorPath, cs.ctype, short(cs.body)),
			fmt.Sprintf("%d %s", status, body))
	}
}

func apiParams(t *testing.T, c *catalogue, p *pipeline) {
	for _, target := range []string{
		"/api/v1/themes", "/api/v1/themes?topic=acme&period=7y", "/api/v1/themes?topic=acme&from=2026-02-30",
		"/api/v1/themes?topic=acme&from=2026-03-10&to=2026-03-01", "/api/v1/themes?topic=acme&theme=fear",
		"/api/v1/themes?topic=acme&lang=EN", "/api/v1/themes?topic=acme&topic=beta", "/api/v1/themes?topic=acme%27%20OR%201%3D1%20--",
		"/api/v1/trend?topic=acme&interval=month", "/api/v1/movers?limit=100000", "/api/v1/movers?min_volume=0", "/api/v1/movers?alpha=NaN",
		"/api/v1/quotes?topic=acme&theme=fears&order=random", "/api/v1/drivers?topic=acme", "/api/v1/nope",
		"/api/v1/../../etc/passwd", "/static/..%2f..%2fgo.mod",
	} {
		req, _ := http.NewRequest(http.MethodGet, "http://"+p.serveAddr+target, nil)
		status, body := do(t, req)
		if status < 300 {
			t.Errorf("GET %s: %d", target, status)
		}
		c.add("Query API parameters (GET)", "", target, fmt.Sprintf("%d %s", status, body))
	}
}

func do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 60 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, " ⏎ ")
}

func render(entries []badInput) string {
	var b strings.Builder
	b.WriteString("# Bad input catalogue\n\n")
	b.WriteString("GENERATED by `TestBadInputCatalogue` (e2e/badinput_test.go) against the real binary; do not edit.\n")
	b.WriteString("Regenerate: `go test -tags integration -run TestBadInputCatalogue ./e2e/ -update` (services up).\n")
	b.WriteString("A normal run fails when this file is stale. `<addr>` and `<dir>` replace run-specific addresses and paths.\n")
	iface := ""
	for _, e := range entries {
		if e.iface != iface {
			iface = e.iface
			fmt.Fprintf(&b, "\n## %s\n\n", iface)
			if e.kind != "" {
				b.WriteString("| Bad input | Tried | What the user sees |\n|---|---|---|\n")
			} else {
				b.WriteString("| Tried | What the user sees |\n|---|---|\n")
			}
		}
		if e.kind != "" {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", cell(e.kind), code(e.input), cell(e.seen))
		} else {
			fmt.Fprintf(&b, "| %s | %s |\n", code(e.input), cell(e.seen))
		}
	}
	return b.String()
}

func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ⏎ ", "`", "'").Replace(s)
}

func code(s string) string {
	if s == "" {
		return "(empty)"
	}
	return "`" + strings.NewReplacer("|", `\|`, "\n", "⏎", "`", "'").Replace(s) + "`"
}
