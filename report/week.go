package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Week is an ISO 8601 week (Monday to Sunday), such as 2026-W47.
type Week struct {
	Year int
	Num  int
}

// ParseWeek parses "YYYY-Www" (also accepts "YYYYWww" and "YYYY-ww").
func ParseWeek(s string) (Week, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.ReplaceAll(t, "-", "")
	y, w, ok := strings.Cut(t, "W")
	if !ok {
		if len(t) == 6 {
			y, w = t[:4], t[4:]
		} else {
			return Week{}, fmt.Errorf("report: week %q: want YYYY-Www such as 2026-W47", s)
		}
	}
	year, err1 := strconv.Atoi(y)
	num, err2 := strconv.Atoi(w)
	if err1 != nil || err2 != nil || year < 1970 || year > 9999 || num < 1 || num > 53 {
		return Week{}, fmt.Errorf("report: week %q: want YYYY-Www such as 2026-W47", s)
	}
	wk := Week{Year: year, Num: num}
	if got := WeekOf(wk.Start(time.UTC)); got != wk {
		return Week{}, fmt.Errorf("report: week %q: %d has no week %d", s, year, num)
	}
	return wk, nil
}

// WeekOf returns the ISO week that contains t (in t's location).
func WeekOf(t time.Time) Week {
	y, w := t.ISOWeek()
	return Week{Year: y, Num: w}
}

// String formats the week as YYYY-Www.
func (w Week) String() string { return fmt.Sprintf("%04d-W%02d", w.Year, w.Num) }

// Start returns Monday 00:00 of the week in loc.
func (w Week) Start(loc *time.Location) time.Time {
	// January 4th is always in week 1.
	jan4 := time.Date(w.Year, time.January, 4, 0, 0, 0, 0, loc)
	offset := (int(jan4.Weekday()) + 6) % 7 // days since Monday
	return time.Date(w.Year, time.January, 4-offset+(w.Num-1)*7, 0, 0, 0, 0, loc)
}

// End returns the Monday 00:00 after the week in loc (exclusive end).
func (w Week) End(loc *time.Location) time.Time {
	s := w.Start(loc)
	return time.Date(s.Year(), s.Month(), s.Day()+7, 0, 0, 0, 0, loc)
}

// Prev returns the week before w.
func (w Week) Prev() Week {
	s := w.Start(time.UTC)
	return WeekOf(s.AddDate(0, 0, -7))
}

// LastComplete returns the last ISO week that ended at or before now in loc:
// on Monday 07:00 of week 48 it is week 47.
func LastComplete(now time.Time, loc *time.Location) Week {
	return WeekOf(now.In(loc)).Prev()
}
