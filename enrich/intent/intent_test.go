package intent_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/undertone/undertone/enrich/intent"
	"github.com/undertone/undertone/post"
)

type labeled struct {
	Text    string   `json:"text"`
	Intents []string `json:"intents"`
}

func loadLabeled(t testing.TB, name string) []labeled {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labeled
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l labeled
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("labeled.jsonl: %v", err)
		}
		out = append(out, l)
	}
	return out
}

// TestLabeledSet reports precision and recall per intent on the
// hand-written labeled sets and fails if any falls below a floor.
// labeled.jsonl is the set the rules were tuned on (optimistic numbers);
// heldout.jsonl was written after the rules were frozen.
func TestLabeledSet(t *testing.T) {
	for _, tc := range []struct {
		file       string
		minP, minR float64
	}{
		{"labeled.jsonl", 0.8, 0.7},
		{"heldout.jsonl", 0.7, 0.5},
		// heldout2.jsonl was written after the second pass and never used
		// for tuning: the honest estimate (complaint recall is 0 there:
		// factual complaints without complaint words). Report only.
		{"heldout2.jsonl", 0, 0},
		// heldout3.jsonl was written after the third pass: the current
		// honest estimate. Report only.
		{"heldout3.jsonl", 0, 0},
		// fresh4.jsonl (108 posts) and fresh5.jsonl (60 posts) were written
		// together, before the fourth pass; the fourth pass was tuned on
		// fresh4's errors only, so fresh5 is the honest estimate after it.
		{"fresh4.jsonl", 0, 0},
		{"fresh5.jsonl", 0, 0},
		// fresh6.jsonl (55 posts) was written after version 4 and never
		// tuned on: with fresh5, 115 never-tuned posts.
		{"fresh6.jsonl", 0, 0},
	} {
		t.Run(tc.file, func(t *testing.T) { testLabeled(t, tc.file, tc.minP, tc.minR) })
	}
}

func testLabeled(t *testing.T, file string, minP, minR float64) {
	e, err := intent.New(intent.Config{})
	if err != nil {
		t.Fatal(err)
	}
	set := loadLabeled(t, file)
	type counts struct{ tp, fp, fn int }
	per := map[string]*counts{}
	for _, n := range post.Intents {
		per[n] = &counts{}
	}
	for _, l := range set {
		got := e.Classify(l.Text)
		for _, n := range post.Intents {
			g, w := slices.Contains(got, n), slices.Contains(l.Intents, n)
			switch {
			case g && w:
				per[n].tp++
			case g && !w:
				per[n].fp++
				if testing.Verbose() {
					t.Logf("FP %-14s %q", n, l.Text)
				}
			case !g && w:
				per[n].fn++
				if testing.Verbose() {
					t.Logf("FN %-14s %q", n, l.Text)
				}
			}
		}
	}
	t.Logf("%d labeled posts", len(set))
	for _, n := range post.Intents {
		c := per[n]
		p := float64(c.tp) / float64(max(1, c.tp+c.fp))
		r := float64(c.tp) / float64(max(1, c.tp+c.fn))
		t.Logf("%-15s precision %.2f recall %.2f (tp %d fp %d fn %d)", n, p, r, c.tp, c.fp, c.fn)
		if p < minP || r < minR {
			t.Errorf("%s: precision %.2f recall %.2f below floor %.2f/%.2f", n, p, r, minP, minR)
		}
	}
}

func TestNegation(t *testing.T) {
	e, err := intent.New(intent.Config{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want []string
	}{
		{"I am cancelling my plan", []string{"churn"}},
		{"I am not cancelling my plan", []string{}},
		{"would not recommend", []string{"complaint"}},
		{"highly recommend it", []string{"recommendation"}},
		{"", []string{}},
	}
	for _, tt := range tests {
		if got := e.Classify(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("Classify(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

func TestDisabled(t *testing.T) {
	if _, err := intent.New(intent.Config{Disabled: []string{"nope"}}); err == nil {
		t.Fatal("want error for unknown intent")
	}
	e, err := intent.New(intent.Config{Disabled: []string{"question"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(e.Classify("how do I cancel?")); got != "[churn]" {
		t.Errorf("got %s", got)
	}
}
