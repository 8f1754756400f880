package textfeat_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/undertone/undertone/internal/textfeat"
	"github.com/undertone/undertone/post"
)

func norms(d *textfeat.Doc) []string {
	out := make([]string, len(d.Tokens))
	for i := range d.Tokens {
		out[i] = string(d.Norm(i))
	}
	return out
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
	}{
		{"words and punctuation", "Hello, World!!!", []string{"hello", ",", "world", "!!"}},
		{"elongation squashed", "sooooo goooood", []string{"soo", "good"}},
		{"emoticons and emoji", "great :) 😡😡 <3", []string{"great", ":)", "😡", "😡", "<3"}},
		{"hashtag camel case", "#NotHappy #fail", []string{"not", "happy", "fail"}},
		{"mentions urls numbers", "@bob see https://x.co/a?b=1 now 42", []string{"<user>", "see", "<url>", "now", "<num>"}},
		{"apostrophes", "I don’t can't", []string{"i", "don't", "can't"}},
	}
	var d textfeat.Doc
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d.Tokenize(tc.text)
			got := norms(&d)
			if len(got) != len(tc.want) {
				t.Fatalf("tokens %q, want %q", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("tokens %q, want %q", got, tc.want)
				}
			}
		})
	}
}

func TestRuneOffsets(t *testing.T) {
	var d textfeat.Doc
	text := "Ünïcode café rocks"
	d.Tokenize(text)
	r := []rune(text)
	for i, tok := range d.Tokens {
		if got := string(r[tok.Start:tok.End]); got != []string{"Ünïcode", "café", "rocks"}[i] {
			t.Errorf("token %d span %q", i, got)
		}
	}
}

func TestNegationScope(t *testing.T) {
	var d textfeat.Doc
	d.Tokenize("I don't like it. I like it")
	for i, tok := range d.Tokens {
		neg := tok.Flags&textfeat.FlagNeg != 0
		want := i >= 2 && i <= 3 // like, it (before the full stop)
		if neg != want {
			t.Errorf("token %q negated=%v, want %v", d.Norm(i), neg, want)
		}
	}
}

func TestRule(t *testing.T) {
	score := func(s string) float32 {
		var d textfeat.Doc
		d.Tokenize(s)
		return d.Rule(0, len(d.Tokens)).Compound
	}
	tests := []struct {
		name     string
		less     string
		more     string
		lessSign int
	}{
		{"negation flips", "this is not good", "this is good", -1},
		{"intensifier boosts", "this is good", "this is very good", 1},
		{"diminisher dampens", "this is slightly good", "this is good", 1},
		{"caps emphasise", "this is good", "this is GOOD", 1},
		{"exclamation emphasises", "this is good", "this is good!!!", 1},
		{"emoji count", "ok", "ok 😍", 0},
		{"but: later clause dominates", "it is great but the battery is terrible", "it is terrible but the battery is great", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, m := score(tc.less), score(tc.more)
			if !(l < m) {
				t.Errorf("score(%q)=%.3f, want < score(%q)=%.3f", tc.less, l, tc.more, m)
			}
			if tc.lessSign < 0 && l >= 0 {
				t.Errorf("score(%q)=%.3f, want negative", tc.less, l)
			}
		})
	}
}

func TestClauses(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"I love my Acme but I'm scared of Beta's battery", []string{"I love my Acme", "but I'm scared of Beta's battery"}},
		{"Great phone. Awful support!", []string{"Great phone.", "Awful support!"}},
		{"Although it is cheap, it breaks; however I keep it", []string{"Although it is cheap, it breaks;", "however I keep it"}},
		{"Fast while the other one lags?", []string{"Fast", "while the other one lags?"}},
	}
	var d textfeat.Doc
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			d.Tokenize(tc.text)
			cl := d.Clauses(nil)
			r := []rune(tc.text)
			var got []string
			for _, c := range cl {
				got = append(got, string(r[d.Tokens[c.Start].Start:d.Tokens[c.End-1].End]))
			}
			if len(got) != len(tc.want) {
				t.Fatalf("clauses %q, want %q", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("clauses %q, want %q", got, tc.want)
				}
			}
		})
	}
}

func TestSpanClauses(t *testing.T) {
	var d textfeat.Doc
	text := "I love my Acme but I'm scared of Beta's battery"
	d.Tokenize(text)
	cl := d.Clauses(nil)
	if got := d.SpanClauses(cl, []post.Span{{Start: 10, End: 14}}, nil); len(got) != 1 || got[0] != 0 {
		t.Errorf("Acme clauses %v, want [0]", got)
	}
	if got := d.SpanClauses(cl, []post.Span{{Start: 33, End: 37}, {Start: 33, End: 37}}, nil); len(got) != 1 || got[0] != 1 {
		t.Errorf("Beta clauses %v, want [1]", got)
	}
}

func TestTopicClauses(t *testing.T) {
	span := func(text, term string) []post.Span {
		i := strings.Index(text, term)
		start := len([]rune(text[:i]))
		return []post.Span{{Start: start, End: start + len([]rune(term))}}
	}
	tests := []struct {
		name  string
		text  string
		terms []string // one term per topic
		want  [][]int  // clause indices per topic
	}{
		{"own clauses", "I love my Acme but I'm scared of Beta's battery", []string{"Acme", "Beta"}, [][]int{{0}, {1}}},
		{"follow-up sentence inherits", "My Acme Phone battery looks swollen. Scared to use it.", []string{"Acme Phone"}, [][]int{{0, 1}}},
		{"leading clause goes to the first topic", "So scared. Acme battery is swelling. Beta is fine.", []string{"Acme", "Beta"}, [][]int{{0, 1}, {2}}},
		{"inherits from the last mention", "Acme is great. Beta overheats. It burned me!", []string{"Acme", "Beta"}, [][]int{{0}, {1, 2}}},
		{"clause naming both", "Acme and Beta both lag. Annoying.", []string{"Acme", "Beta"}, [][]int{{0, 1}, {0, 1}}},
	}
	var d textfeat.Doc
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d.Tokenize(tc.text)
			cl := d.Clauses(nil)
			topics := make([]post.TopicHit, len(tc.terms))
			for i, term := range tc.terms {
				topics[i] = post.TopicHit{ID: term, Spans: span(tc.text, term)}
			}
			for i := range topics {
				got := d.TopicClauses(cl, topics, i, nil)
				if fmt.Sprint(got) != fmt.Sprint(tc.want[i]) {
					t.Errorf("topic %s: clauses %v, want %v", tc.terms[i], got, tc.want[i])
				}
			}
		})
	}
}

func TestCues(t *testing.T) {
	tests := []struct {
		text          string
		desire, fears bool
	}{
		{"I wish it had a bigger screen", true, false},
		{"if only they shipped faster", true, false},
		{"I would love a blue one", true, false},
		{"can't wait for the launch", true, false},
		{"I'm worried that it will break", false, true},
		{"afraid of the price going up", false, true},
		{"what if it explodes", false, true},
		{"I am not worried about it", false, false},
		{"it works fine", false, false},
	}
	var d textfeat.Doc
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			d.Tokenize(tc.text)
			de, fe := d.Cues(0, len(d.Tokens))
			if de != tc.desire || fe != tc.fears {
				t.Errorf("Cues = %v, %v; want %v, %v", de, fe, tc.desire, tc.fears)
			}
		})
	}
}

func BenchmarkTokenizeFeatures(b *testing.B) {
	var d textfeat.Doc
	text := "I love my Acme phone but I'm sooo scared of Beta's battery!!! #NotHappy 😡 https://x.co/a"
	var dense [textfeat.NumDense]float32
	b.ReportAllocs()
	for b.Loop() {
		d.Tokenize(text)
		d.Features(0, len(d.Tokens), 18)
		d.Dense(0, len(d.Tokens), dense[:])
	}
}

func TestEntities(t *testing.T) {
	var d textfeat.Doc
	d.Tokenize("fish &amp; chips &lt;3")
	got := norms(&d)
	if len(got) != 3 || got[2] != "<3" {
		t.Fatalf("tokens %q", got)
	}
}
