package chart_test

import (
	"encoding/xml"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/undertone/undertone/report/chart"
)

// wellFormed parses s as XML.
func wellFormed(t *testing.T, s string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, s)
		}
	}
}

func TestLine(t *testing.T) {
	c := chart.Line{
		Title:  `Posts <script>alert("x")</script> & more`,
		Labels: []string{"Mon", "Tue", "Wed", "Thu"},
		Series: []chart.Series{
			{Name: "All", Values: []float64{10, 20, math.NaN(), 40}},
			{Name: `Fears "quoted"`, Values: []float64{1, 2, 3, 4}, Color: "#D55E00"},
		},
		ZeroBased: true, MarkFrom: 2, MarkTo: 4,
	}
	svg := c.SVG()
	wellFormed(t, svg)
	if strings.Contains(svg, "<script") {
		t.Error("title not escaped")
	}
	if got := strings.Count(svg, "<polyline"); got != 2 {
		t.Errorf("%d polylines, want 2 (the NaN gap leaves one segment plus a point)", got)
	}
	if !strings.Contains(svg, "<circle") {
		t.Error("isolated point after the gap not drawn")
	}
	if svg != c.SVG() {
		t.Error("output is not deterministic")
	}
}

func TestLineEmptyAndFlat(t *testing.T) {
	for _, c := range []chart.Line{
		{Title: "empty"},
		{Title: "flat", Labels: []string{"a", "b"}, Series: []chart.Series{{Name: "x", Values: []float64{5, 5}}}},
		{Title: "one", Labels: []string{"a"}, Series: []chart.Series{{Name: "x", Values: []float64{5}}}},
	} {
		svg := c.SVG()
		wellFormed(t, svg)
		if strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
			t.Errorf("%s: NaN/Inf in output", c.Title)
		}
	}
}

func TestBars(t *testing.T) {
	c := chart.Bars{Title: "Themes", Items: []chart.Bar{
		{Label: "fears", Value: 0.3, Previous: 0.1, Highlight: true},
		{Label: "joys & <love>", Value: 0.2, Previous: 0.25},
	}, Format: chart.Percent}
	svg := c.SVG()
	wellFormed(t, svg)
	for _, want := range []string{"30%", "joys &amp; &lt;love&gt;", chart.Palette[1], "This week", "Last week"} {
		if !strings.Contains(svg, want) {
			t.Errorf("svg lacks %q", want)
		}
	}
	wellFormed(t, chart.Bars{}.SVG())
}

func TestCompact(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 950: "950", 1234: "1.2k", 25000: "25k", 3.4e6: "3.4M", 2.5: "2.5", -1500: "-1.5k"} {
		if got := chart.Compact(v); got != want {
			t.Errorf("Compact(%v) = %q, want %q", v, got, want)
		}
	}
}
