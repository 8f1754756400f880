package anonymize_test

import (
	"strings"
	"testing"

	"github.com/undertone/undertone/ingest/anonymize"
)

// TestHoldout runs the cases written after the anonymizer was tuned on the
// main corpus. First run (recorded in docs/privacy.md): 15/15 PII cases
// exact, 0/40 false positives.
func TestHoldout(t *testing.T) {
	wrong, fp, nPII, nClean := 0, 0, 0, 0
	readLines(t, "testdata/holdout_pii.txt", func(line string) {
		in, want, _ := strings.Cut(line, "\t")
		nPII++
		if got, _ := anonymize.Scrub(in, nil); got != want {
			wrong++
			t.Errorf("holdout PII: %q -> %q, want %q", in, got, want)
		}
	})
	readLines(t, "testdata/holdout_near_misses.txt", func(line string) {
		nClean++
		if got, _ := anonymize.Scrub(line, nil); got != line {
			fp++
			t.Errorf("holdout false positive: %q -> %q", line, got)
		}
	})
	t.Logf("holdout: %d PII cases, %d wrong; %d near-misses, %d false positives", nPII, wrong, nClean, fp)
}
