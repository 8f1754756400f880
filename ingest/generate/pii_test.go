package generate_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"regexp"
	"testing"

	"github.com/undertone/undertone/ingest/anonymize"
	"github.com/undertone/undertone/ingest/generate"
	"github.com/undertone/undertone/post"
)

var (
	// What the generator injects: e-mails, @handles, phone numbers.
	injected = regexp.MustCompile(`@|\+\d|555|07700`)
	// What must not survive scrubbing.
	leak = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]{2,}|@[A-Za-z0-9_]|\d[\d ().-]{6,}\d`)
)

// TestScrubGeneratedPosts measures the anonymizer on 20k synthetic posts:
// no injected PII may survive, and posts without PII must come out
// unchanged (the false-positive rate on realistic chatter).
func TestScrubGeneratedPosts(t *testing.T) {
	out := gen(t, generate.Config{Posts: 20000, Days: 30, Seed: 11})
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	var withPII, leaks, clean, fp int
	for sc.Scan() {
		var p post.Post
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		got, n := anonymize.Scrub(p.Text, nil)
		if injected.MatchString(p.Text) {
			withPII++
			if m := leak.FindString(got); m != "" {
				leaks++
				t.Errorf("leak %q in %q -> %q", m, p.Text, got)
			}
			continue
		}
		clean++
		if n.Total() > 0 {
			fp++
			t.Errorf("false positive: %q -> %q", p.Text, got)
		}
	}
	t.Logf("generated posts: %d with injected PII, %d leaks; %d without, %d changed (false positives)", withPII, leaks, clean, fp)
	if withPII < 500 {
		t.Fatalf("only %d posts with PII", withPII)
	}
}
