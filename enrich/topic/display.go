package topic

import (
	"strings"

	"github.com/undertone/undertone/post"
)

// Highlight returns text with each span wrapped in [ and ]; overlapping
// spans are merged first. spans are rune ranges sorted by Start (as
// Hit.Spans are).
func Highlight(text string, spans []post.Span) string {
	if len(spans) == 0 {
		return text
	}
	merged := []post.Span{spans[0]}
	for _, sp := range spans[1:] {
		last := &merged[len(merged)-1]
		if sp.Start <= last.End {
			last.End = max(last.End, sp.End)
			continue
		}
		merged = append(merged, sp)
	}
	var sb strings.Builder
	r, si := 0, 0
	for _, c := range text {
		if si < len(merged) && merged[si].Start == r {
			sb.WriteByte('[')
		}
		sb.WriteRune(c)
		r++
		if si < len(merged) && merged[si].End == r {
			sb.WriteByte(']')
			si++
		}
	}
	return sb.String()
}

// Caret renders the query line an error points at with a ^ under its
// column, for terminals.
func Caret(src string, e *SyntaxError) string {
	lines := strings.Split(src, "\n")
	if e.Line < 1 || e.Line > len(lines) {
		return ""
	}
	line := lines[e.Line-1]
	pad := strings.Repeat(" ", max(0, e.Column-1))
	return "  " + line + "\n  " + pad + "^"
}
