package query_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/undertone/undertone/query"
)

func sampleThemes() query.ThemesResult {
	return query.ThemesResult{
		Topic: "acme-phone", Period: query.Period{From: "2026-03-01", To: "2026-03-31"},
		Volume: &query.Stats{Posts: 1000, Authors: 300, AvgSentiment: -0.1234},
		Themes: []query.ThemeRow{
			{Theme: "fears", Stats: query.Stats{Posts: 420, Authors: 150, AvgSentiment: -0.5}, Share: 0.42},
			{Theme: "joys", Stats: query.Stats{Posts: 80, Authors: 41, AvgSentiment: 0.61}, Share: 0.08},
		},
		Suppressed: 2, MinAuthors: 5,
	}
}

func TestRenderTable(t *testing.T) {
	var b bytes.Buffer
	if err := query.Render(&b, sampleThemes(), "table"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	if !strings.HasPrefix(lines[0], "THEME") || !strings.Contains(lines[2], "fears") || !strings.Contains(b.String(), "2 group(s) with fewer than 5 distinct authors suppressed") {
		t.Fatalf("table:\n%s", b.String())
	}
	// Aligned: every row's "posts" column starts at the same offset.
	col := strings.Index(lines[0], "POSTS")
	for _, l := range lines[1:4] {
		if len(l) <= col || l[col-1] != ' ' || l[col] == ' ' {
			t.Fatalf("column not aligned at %d in %q", col, l)
		}
	}
}

func TestRenderCSVAndJSON(t *testing.T) {
	var b bytes.Buffer
	if err := query.Render(&b, sampleThemes(), "csv"); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(recs) != 4 || recs[0][0] != "theme" || recs[2][0] != "fears" || recs[2][1] != "420" {
		t.Fatalf("csv %v %v", recs, err)
	}
	b.Reset()
	if err := query.Render(&b, sampleThemes(), "json"); err != nil {
		t.Fatal(err)
	}
	var back query.ThemesResult
	if err := json.Unmarshal(b.Bytes(), &back); err != nil || back.Themes[0].Share != 0.42 || back.Volume.Posts != 1000 {
		t.Fatalf("json %v %+v", err, back)
	}
	if err := query.Render(&b, sampleThemes(), "xml"); err == nil {
		t.Fatal("unknown format accepted")
	}
}

func TestRenderEveryResult(t *testing.T) {
	lift := 1.5
	for _, r := range []any{
		query.TrendResult{Rows: []query.TrendRow{{Start: "2026-03-02", Series: "all"}}},
		query.MoversResult{By: "entity", Rows: []query.MoverRow{{Topic: "a", Entity: "Battery", Lift: &lift, Significant: true}, {Topic: "a", Entity: "New"}}},
		query.DriversResult{Entities: []query.DriverRow{{Name: "Battery"}}, Terms: []query.DriverRow{{Name: "swell"}}, TermsSampled: true},
		query.DriversResult{Entities: []query.DriverRow{{Name: "Battery", Authors: 17}}, AuthorsUpTo: 16},
		query.QuotesResult{Quotes: []query.Quote{{Text: "line one\nline two", Source: "reddit"}}, Suppressed: true, MinAuthors: 5},
		query.SOVResult{Rows: []query.SOVRow{{Topic: "a", Themes: []query.SOVTheme{{Theme: "fears", Share: 0.5}}}}},
	} {
		for _, f := range query.Formats {
			var b bytes.Buffer
			if err := query.Render(&b, r, f); err != nil || b.Len() == 0 {
				t.Fatalf("%T %s: %v", r, f, err)
			}
		}
	}
}

// TestRenderAuthorsColumn: trend and share of voice show an authors column
// only when the rows carry authors (asked for with authors=true).
func TestRenderAuthorsColumn(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    any
		head string
	}{
		{"trend", query.TrendResult{Rows: []query.TrendRow{{Start: "2026-03-02", Series: "all", Posts: 9}}}, "start,series,posts,avg_sentiment"},
		{"trend+authors", query.TrendResult{Rows: []query.TrendRow{{Start: "2026-03-02", Series: "all", Posts: 9, Authors: 7}}}, "start,series,posts,authors,avg_sentiment"},
		{"sov", query.SOVResult{Theme: "fears", Rows: []query.SOVRow{{Topic: "a", Posts: 9}}}, "topic,posts,share,avg_sentiment"},
		{"sov+authors", query.SOVResult{Theme: "fears", Rows: []query.SOVRow{{Topic: "a", Posts: 9, Authors: 7}}}, "topic,posts,share,authors,avg_sentiment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := query.Render(&b, tc.r, "csv"); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(b.String(), "\n")
			if lines[0] != tc.head || strings.Count(lines[1], ",") != strings.Count(tc.head, ",") {
				t.Errorf("csv:\n%s\nwant header %q and as many cells", b.String(), tc.head)
			}
		})
	}
}

// TestRenderDriversAuthorsBound: drivers counted from the daily aggregate
// say how far their authors are exact.
func TestRenderDriversAuthorsBound(t *testing.T) {
	for _, tc := range []struct {
		r    query.DriversResult
		want bool
	}{
		{query.DriversResult{Entities: []query.DriverRow{{Name: "Battery", Authors: 17}}, AuthorsUpTo: 16}, true},
		{query.DriversResult{Entities: []query.DriverRow{{Name: "Battery", Authors: 40}}}, false},
	} {
		var b bytes.Buffer
		if err := query.Render(&b, tc.r, "table"); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(b.String(), "authors: exact up to 16, 17 means more"); got != tc.want {
			t.Errorf("AuthorsUpTo %d: note shown %v, want %v:\n%s", tc.r.AuthorsUpTo, got, tc.want, b.String())
		}
	}
}
