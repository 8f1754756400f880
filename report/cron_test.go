package report_test

import (
	"testing"
	"time"

	"github.com/undertone/undertone/report"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestCronNext(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	ny := mustLoc(t, "America/New_York")
	tests := []struct {
		name  string
		spec  string
		loc   *time.Location
		after time.Time
		want  []time.Time // successive activations
	}{
		{"weekly monday 07:00 berlin winter", "0 7 * * 1", berlin,
			time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)}},
		{"weekly across spring forward keeps 07:00 local", "0 7 * * mon", berlin,
			time.Date(2026, 3, 24, 0, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2026, 3, 30, 5, 0, 0, 0, time.UTC)}},
		{"weekly across fall back keeps 07:00 local", "0 7 * * 1", berlin,
			time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2026, 10, 26, 6, 0, 0, 0, time.UTC)}},
		{"skipped 02:30 fires once at 03:30 CEST", "30 2 * * *", berlin,
			time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC), time.Date(2026, 3, 30, 0, 30, 0, 0, time.UTC)}},
		{"repeated 02:30 fires once", "30 2 * * *", berlin,
			time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), time.Date(2026, 10, 26, 1, 30, 0, 0, time.UTC)}},
		{"hourly across spring forward: no duplicate", "0 * * * *", ny,
			time.Date(2026, 3, 8, 6, 30, 0, 0, time.UTC), // 01:30 EST
			[]time.Time{time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC), time.Date(2026, 3, 8, 8, 0, 0, 0, time.UTC)}},
		{"hourly across fall back: each wall hour once", "0 * * * *", ny,
			time.Date(2026, 11, 1, 4, 30, 0, 0, time.UTC), // 00:30 EDT
			[]time.Time{time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 7, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)}},
		{"steps and lists", "*/20 9,17 * * *", time.UTC,
			time.Date(2026, 1, 1, 9, 20, 0, 0, time.UTC),
			[]time.Time{time.Date(2026, 1, 1, 9, 40, 0, 0, time.UTC), time.Date(2026, 1, 1, 17, 0, 0, 0, time.UTC)}},
		{"dom or dow", "0 0 1 * fri", time.UTC,
			time.Date(2026, 4, 28, 0, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 5, 8, 0, 0, 0, 0, time.UTC)}},
		{"sunday as 7", "0 0 * * 7", time.UTC,
			time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)}},
		{"@weekly is monday midnight", "@weekly", time.UTC,
			time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)}},
		{"leap day", "0 0 29 2 *", time.UTC,
			time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := report.ParseCron(tt.spec, tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			at := tt.after
			for i, want := range tt.want {
				got := s.Next(at)
				if !got.Equal(want) {
					t.Fatalf("activation %d after %v = %v, want %v", i, at, got.UTC(), want)
				}
				at = got
			}
		})
	}
}

func TestCronNever(t *testing.T) {
	s, err := report.ParseCron("0 0 31 2 *", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Next(time.Now()); !got.IsZero() {
		t.Errorf("Next = %v, want zero", got)
	}
}

func TestCronPrev(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	s, err := report.ParseCron("0 7 * * 1", berlin)
	if err != nil {
		t.Fatal(err)
	}
	// Tuesday: the last due run was Monday 07:00 Berlin.
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	got, ok := s.Prev(now, 8*24*time.Hour)
	if !ok || !got.Equal(time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)) {
		t.Errorf("Prev = %v %v", got, ok)
	}
	// Exactly at the activation counts.
	if got, ok := s.Prev(time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC), time.Hour); !ok || got.Hour() != 7 {
		t.Errorf("Prev at activation = %v %v", got, ok)
	}
	// Outside the window: nothing.
	if _, ok := s.Prev(now, 24*time.Hour); ok {
		t.Error("Prev found a run outside the window")
	}
}

func TestCronParseErrors(t *testing.T) {
	for _, spec := range []string{"", "* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "5-1 * * * *", "*/0 * * * *", "x * * * *", "@often"} {
		if _, err := report.ParseCron(spec, time.UTC); err == nil {
			t.Errorf("ParseCron(%q) succeeded", spec)
		}
	}
}

func TestWeek(t *testing.T) {
	w, err := report.ParseWeek("2026-W47")
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Start(time.UTC); !got.Equal(time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("start = %v", got)
	}
	if w.String() != "2026-W47" || w.Prev().String() != "2026-W46" {
		t.Errorf("string/prev = %s %s", w, w.Prev())
	}
	if got := (report.Week{Year: 2027, Num: 1}).Prev().String(); got != "2026-W53" {
		t.Errorf("2027-W01 prev = %s", got)
	}
	if _, err := report.ParseWeek("2025-W53"); err == nil {
		t.Error("2025 has no week 53")
	}
	berlin := mustLoc(t, "Europe/Berlin")
	if got := report.LastComplete(time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC), berlin).String(); got != "2026-W47" {
		t.Errorf("last complete = %s", got)
	}
}
