package topic_test

import (
	"testing"

	"github.com/undertone/undertone/enrich/topic"
	"github.com/undertone/undertone/post"
)

func TestHighlight(t *testing.T) {
	tests := []struct {
		text  string
		spans []post.Span
		want  string
	}{
		{"my acme phone", []post.Span{{Start: 3, End: 13}}, "my [acme phone]"},
		{"😀 acme x acme", []post.Span{{Start: 2, End: 6}, {Start: 9, End: 13}}, "😀 [acme] x [acme]"},
		{"none", nil, "none"},
		{"acme phone", []post.Span{{Start: 0, End: 4}, {Start: 0, End: 10}}, "[acme phone]"},
		{"acme big phone", []post.Span{{Start: 0, End: 4}, {Start: 9, End: 14}}, "[acme] big [phone]"},
	}
	for _, tt := range tests {
		if got := topic.Highlight(tt.text, tt.spans); got != tt.want {
			t.Errorf("Highlight(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
	_, err := topic.Parse("acme OR\n (beta OR )")
	se := err.(*topic.SyntaxError)
	if got, want := topic.Caret("acme OR\n (beta OR )", se), "   (beta OR )\n            ^"; got != want {
		t.Errorf("Caret =\n%s\nwant\n%s", got, want)
	}
}
