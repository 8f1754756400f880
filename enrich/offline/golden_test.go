package offline_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/undertone/undertone/enrich"
	"github.com/undertone/undertone/enrich/enrichtest"
	"github.com/undertone/undertone/enrich/entity"
	"github.com/undertone/undertone/enrich/intent"
	"github.com/undertone/undertone/enrich/offline"
	"github.com/undertone/undertone/enrich/topic"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.golden")

// goldenChain is the chain the golden files pin: this package's enrichers
// (entity, topic, intent). Sentiment and emotion keep goldens of their own,
// so a retrained model does not churn these.
func goldenChain(t testing.TB) *enrich.Chain {
	t.Helper()
	tax := enrichtest.Taxonomy(t)
	reg, err := enrich.NewRegistry(
		entity.NewFactory(enrichtest.EntityEntries(tax)),
		topic.NewFactory(enrichtest.TopicDefinitions(tax)),
		intent.NewFactory(),
	)
	if err != nil {
		t.Fatal(err)
	}
	c, err := reg.Build([]string{"entity", "topic", "intent"}, nil, enrich.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestGolden runs testdata/fixtures.jsonl through the offline path
// (anonymization included) and compares each enriched post, as sorted
// indented JSON, with testdata/golden/<case>.golden. Run with -update to
// rewrite them, then review the diff.
func TestGolden(t *testing.T) {
	f, err := os.Open("testdata/fixtures.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []string
	var in bytes.Buffer
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var fx struct {
			Case string          `json:"case"`
			Post json.RawMessage `json:"post"`
		}
		if err := json.Unmarshal(sc.Bytes(), &fx); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, fx.Case)
		in.Write(fx.Post)
		in.WriteByte('\n')
	}
	var out, errs bytes.Buffer
	st, err := offline.Run(t.Context(), offline.Config{Workers: 3, BatchSize: 2}, preparer(t), goldenChain(t), &in, &out, &errs)
	if err != nil {
		t.Fatal(err)
	}
	if st.Failed != 0 {
		t.Fatalf("%d fixtures failed: %s", st.Failed, errs.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(cases) {
		t.Fatalf("got %d output lines for %d fixtures", len(lines), len(cases))
	}
	for i, name := range cases {
		t.Run(name, func(t *testing.T) {
			var v any
			if err := json.Unmarshal([]byte(lines[i]), &v); err != nil {
				t.Fatal(err)
			}
			got, _ := json.MarshalIndent(v, "", "  ") // maps: sorted keys
			got = append(got, '\n')
			path := filepath.Join("testdata", "golden", name+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from golden:\n%s", path, got)
			}
		})
	}
}

// TestRunOrderAndErrors checks input order over many batches and workers,
// error records with line numbers, and blank lines.
func TestRunOrderAndErrors(t *testing.T) {
	var in bytes.Buffer
	for i := range 1000 {
		switch {
		case i%97 == 5:
			in.WriteString("{broken\n")
		case i%101 == 7:
			in.WriteString("\n")
		default:
			in.WriteString(`{"id":"` + itoa(i) + `","text":"Acme post ` + itoa(i) + `"}` + "\n")
		}
	}
	var out, errw bytes.Buffer
	st, err := offline.Run(t.Context(), offline.Config{Workers: 4, BatchSize: 7}, preparer(t), goldenChain(t), &in, &out, &errw)
	if err != nil {
		t.Fatal(err)
	}
	prev := -1
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var p struct {
			ID     string `json:"id"`
			Source string `json:"source"`
		}
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			t.Fatal(err)
		}
		id := atoi(p.ID)
		if id <= prev {
			t.Fatalf("output out of order: %d after %d", id, prev)
		}
		if p.Source != "offline" {
			t.Fatalf("default source = %q", p.Source)
		}
		prev = id
		n++
	}
	var errLines []offline.LineError
	dec := json.NewDecoder(&errw)
	for {
		var le offline.LineError
		if err := dec.Decode(&le); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		errLines = append(errLines, le)
	}
	if st.Failed != len(errLines) || st.Posts != n || len(errLines) != 11 {
		t.Fatalf("stats %+v, %d error records, %d posts", st, len(errLines), n)
	}
	if errLines[0].Line != 6 || errLines[0].Reason != "invalid" {
		t.Errorf("first error record = %+v, want line 6", errLines[0])
	}
}

// A line over MaxLineBytes is skipped with an error record; the run goes on.
func TestRunLongLine(t *testing.T) {
	in := `{"id":"1","text":"a"}` + "\n" + `{"id":"2","text":"` + strings.Repeat("x", 5000) + `"}` + "\n" + `{"id":"3","text":"c"}`
	var out, errw bytes.Buffer
	st, err := offline.Run(t.Context(), offline.Config{MaxLineBytes: 1000}, preparer(t), goldenChain(t), strings.NewReader(in), &out, &errw)
	if err != nil {
		t.Fatal(err)
	}
	if st.Posts != 2 || st.Failed != 1 || !strings.Contains(errw.String(), `{"line":2,"reason":"record_too_large"`) {
		t.Fatalf("stats %+v, stderr %s", st, errw.String())
	}
	if !strings.Contains(out.String(), `"id":"3"`) {
		t.Errorf("line after the long one missing (no trailing newline): %s", out.String())
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	pr, pw := io.Pipe()
	defer pw.Close()
	_, err := offline.Run(ctx, offline.Config{}, preparer(t), goldenChain(t), pr, io.Discard, io.Discard)
	if err == nil {
		t.Fatal("want an error from a cancelled run")
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }
func atoi(s string) int {
	var i int
	_ = json.Unmarshal([]byte(s), &i)
	return i
}
