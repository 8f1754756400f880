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

func TestRecentWindow(t *testing.T) {
	to := time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)
	f := Filter{From: to.AddDate(0, 0, -30), To: to} // 720 hours
	for _, tc := range []struct {
		name   string
		posts  uint64
		sample int
		slack  float64
		want   time.Time
	}{
		{"fits in the sample", 4000, 5000, 1.25, f.From},
		{"whole period asked for", 720000, 5000, 0, f.From},
		// 5,000 of 720,000 posts over 720 h at 1.25 x the rate: 6.25 h,
		// rounded up, plus an hour.
		{"busy group", 720000, 5000, 1.25, to.Add(-8 * time.Hour)},
		{"twice the rate", 72000, 500, 2, to.Add(-11 * time.Hour)},
		{"window would exceed the period", 6000, 5000, 2, f.From},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := recentWindow(f, tc.posts, tc.sample, tc.slack)
			if !got.From.Equal(tc.want) || !got.To.Equal(f.To) {
				t.Errorf("window %v..%v, want %v..%v", got.From, got.To, tc.want, f.To)
			}
		})
	}
}

// TestSpans: the days and full ISO weeks of a period, which together cover
// it exactly once.
func TestSpans(t *testing.T) {
	d := func(s string) time.Time {
		v, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	str := func(rs [][2]time.Time) string {
		out := ""
		for _, r := range rs {
			out += "[" + r[0].Format(time.DateOnly) + " " + r[1].Format(time.DateOnly) + ")"
		}
		return out
	}
	for _, tc := range []struct {
		name, from, to, days, weeks string
	}{
		{"edges", "2026-02-10", "2026-03-21", "[2026-02-10 2026-02-16)[2026-03-16 2026-03-21)", "[2026-02-16 2026-03-16)"},
		{"whole weeks", "2026-03-02", "2026-03-30", "", "[2026-03-02 2026-03-30)"},
		{"no full week", "2026-03-03", "2026-03-08", "[2026-03-03 2026-03-08)", ""},
		{"one edge", "2026-01-31", "2026-03-30", "[2026-01-31 2026-02-02)", "[2026-02-02 2026-03-30)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			days, weeks := spans(d(tc.from), d(tc.to))
			if str(days) != tc.days || str(weeks) != tc.weeks {
				t.Errorf("days %s weeks %s, want %s and %s", str(days), str(weeks), tc.days, tc.weeks)
			}
			covered := 0
			for _, r := range append(days, weeks...) {
				covered += int(r[1].Sub(r[0]).Hours() / 24)
			}
			if want := int(d(tc.to).Sub(d(tc.from)).Hours() / 24); covered != want {
				t.Errorf("%d days covered, want %d", covered, want)
			}
		})
	}
}
