package query

import (
	"testing"
	"time"
)

func TestWeekStart(t *testing.T) {
	d := func(s string) time.Time {
		v, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name, from, to, ws, we string
	}{
		{"monday to monday", "2026-03-02", "2026-03-30", "2026-03-02", "2026-03-30"},
		{"mid-week edges", "2026-02-10", "2026-03-21", "2026-02-16", "2026-03-16"},
		{"sunday end", "2026-03-03", "2026-03-08", "2026-03-09", "2026-03-02"}, // no full week
		{"to is monday", "2026-03-04", "2026-03-16", "2026-03-09", "2026-03-16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws, we := weekStart(d(tc.from)), weekStart(d(tc.to).AddDate(0, 0, -6))
			if ws.Format(time.DateOnly) != tc.ws || we.Format(time.DateOnly) != tc.we {
				t.Fatalf("weeks of [%s, %s) = [%s, %s), want [%s, %s)", tc.from, tc.to, ws.Format(time.DateOnly), we.Format(time.DateOnly), tc.ws, tc.we)
			}
			if ws.Weekday() != time.Monday || we.Weekday() != time.Monday {
				t.Fatal("not Mondays")
			}
		})
	}
}
