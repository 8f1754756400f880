package topic_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/undertone/undertone/enrich/topic"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, query, want string
	}{
		{"empty", "  ", "line 1, column 1: empty query"},
		{"dangling or", "acme OR", "line 1, column 8: expected a term, a \"phrase\", ( or NOT after OR, found end of query"},
		{"dangling and", "acme AND )", "line 1, column 10: expected a term, a \"phrase\", ( or NOT after AND, found \")\""},
		{"unclosed paren", "(acme OR beta", "line 1, column 14: expected \")\" to close the \"(\" at line 1, column 1, found end of query"},
		{"stray close", "acme)", `line 1, column 5: unexpected ")": no "(" to close`},
		{"unterminated phrase", `"acme phone`, `line 1, column 1: unterminated phrase`},
		{"near without n", "acme NEAR phone", "line 1, column 6: NEAR needs a distance"},
		{"near bad n", "acme NEAR/x phone", `line 1, column 11: expected a distance from 0 to 100 after NEAR/, found "x"`},
		{"near with not", "acme NEAR/2 (NOT phone)", "line 1, column 13: right operand of NEAR/2 contains NOT"},
		{"unknown field", "acme author:bob", `line 1, column 6: unknown field "author"`},
		{"only not", "NOT acme", "line 1, column 1: query can match posts that contain none of its terms"},
		{"only field", "lang:en", "line 1, column 1: query can match posts that contain none of its terms"},
		{"not field", "acme OR NOT source:x", "line 1, column 1: query can match posts that contain none of its terms"},
		{"inner star", "ac*me", `line 1, column 1: wildcard * is only allowed at the end of a word`},
		{"second line", "acme OR\n  (beta OR )", "line 2, column 12: expected a term, a \"phrase\", ( or NOT after OR, found \")\""},
		{"empty group", "acme ()", "line 1, column 7: empty group"},
		{"lowercase near", "NEAR/3 acme", "line 1, column 1: expected a term, a \"phrase\" or (, found NEAR/3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := topic.Parse(tt.query)
			if err == nil {
				t.Fatalf("Parse(%q) = nil error, want %q", tt.query, tt.want)
			}
			var se *topic.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T is not a *SyntaxError", err)
			}
			if got := err.Error(); len(got) < len(tt.want) || got[:len(tt.want)] != tt.want {
				t.Errorf("Parse(%q) error\n got %q\nwant prefix %q", tt.query, got, tt.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		name, query, text, source, lang string
		want                            bool
		spans                           string
	}{
		{"term", "acme", "I love ACME!", "", "", true, "[{7 11}]"},
		{"term no substring", "acme", "acmes and acmeville", "", "", false, ""},
		{"possessive", "acme", "Acme's phone", "", "", true, "[{0 4}]"},
		{"hashtag", "acmephone", "#AcmePhone rocks", "", "", true, "[{1 10}]"},
		{"implicit and", "acme battery", "acme has a good battery", "", "", true, "[{0 4} {16 23}]"},
		{"implicit and missing", "acme battery", "acme has a good screen", "", "", false, ""},
		{"or", "acme OR beta", "beta is fine", "", "", true, "[{0 4}]"},
		{"not", "acme NOT phone", "acme phone", "", "", false, ""},
		{"not ok", "acme NOT phone", "acme buds", "", "", true, "[{0 4}]"},
		{"phrase", `"acme phone"`, "my Acme  Phone died", "", "", true, "[{3 14}]"},
		{"phrase order", `"acme phone"`, "phone acme", "", "", false, ""},
		{"phrase wildcard", `"acme earbud*"`, "acme earbuds", "", "", true, "[{0 12}]"},
		{"wildcard", "earbud*", "EARBUDS broke", "", "", true, "[{0 7}]"},
		{"near within", "acme NEAR/3 battery", "acme phone's awful battery", "", "", true, "[{0 4} {19 26}]"},
		{"near too far", "acme NEAR/2 battery", "acme phone has awful battery", "", "", false, ""},
		{"near reversed", "acme NEAR/1 battery", "battery of acme", "", "", true, "[{0 7} {11 15}]"},
		{"near group", "acme NEAR/2 (phone OR screen*)", "acme big screens", "", "", true, "[{0 4} {9 16}]"},
		{"precedence", "a b OR c", "c", "", "", true, "[{0 1}]"},
		{"parens", "a (b OR c)", "c", "", "", false, ""},
		{"explicit and", "a AND (b OR c)", "a c", "", "", true, "[{0 1} {2 3}]"},
		{"source", "acme source:reddit", "acme", "Reddit", "", true, "[{0 4}]"},
		{"source miss", "acme source:reddit", "acme", "twitter", "", false, ""},
		{"lang region", "acme lang:en", "acme", "", "en-GB", true, "[{0 4}]"},
		{"lang other", "acme NOT lang:de", "acme", "", "de", false, ""},
		{"unicode", "café", "Le CAFÉ est bon", "", "", true, "[{3 7}]"},
		{"lowercase operators are words", "acme and beta", "acme beta", "", "", false, ""},
		{"hyphen word", "wi-fi", "the wi fi is bad", "", "", true, "[{4 9}]"},
		{"emoji", "acme", "😡 acme 😡", "", "", true, "[{2 6}]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := topic.Compile([]topic.Definition{{ID: "t", Query: tt.query}})
			if err != nil {
				t.Fatal(err)
			}
			hits := m.Match(tt.text, tt.source, tt.lang)
			if got := len(hits) == 1; got != tt.want {
				t.Fatalf("match %q in %q = %v, want %v", tt.query, tt.text, got, tt.want)
			}
			if tt.want {
				if got := fmt.Sprint(hits[0].Spans); got != tt.spans {
					t.Errorf("spans = %s, want %s", got, tt.spans)
				}
			}
		})
	}
}

func TestCompileAliasesAndErrors(t *testing.T) {
	m, err := topic.Compile([]topic.Definition{
		{ID: "a", Aliases: []string{"Acme Phone", "AcmePhone"}},
		{ID: "b", Query: "beta"},
	})
	if err != nil {
		t.Fatal(err)
	}
	hits := m.Match("acmephone vs beta", "", "")
	if len(hits) != 2 || hits[0].ID != "a" || hits[1].ID != "b" {
		t.Fatalf("hits = %+v", hits)
	}
	_, err = topic.Compile([]topic.Definition{{ID: "bad", Query: "acme OR"}})
	var de *topic.DefinitionError
	if !errors.As(err, &de) || de.ID != "bad" {
		t.Fatalf("err = %v, want DefinitionError for bad", err)
	}
}
