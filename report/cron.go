package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule is a parsed five-field cron expression evaluated in one time
// zone: minute hour day-of-month month day-of-week. Fields accept *, n,
// a-b, lists (a,b), steps (*/n, a-b/n), month names (jan-dec), weekday
// names (sun-sat, with 0 and 7 both Sunday) and the macros @hourly,
// @daily, @weekly (Monday 00:00), @monthly and @yearly. As in classic
// cron, when both day fields are restricted a day matches either.
//
// Times are wall-clock times in the zone. Across daylight-saving changes
// every matching wall-clock time fires once: a time skipped by a spring
// forward fires at the instant the clocks jump to (02:30 becomes 03:30),
// and a time repeated by a fall back fires once, at its first occurrence.
type Schedule struct {
	spec                   string
	loc                    *time.Location
	minute, hour, dom, dow uint64
	month                  uint64
	domStar, dowStar       bool
}

var macros = map[string]string{
	"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
	"@weekly": "0 0 * * 1", "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
}

var monthNames = map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}
var dayNames = map[string]int{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}

// ParseCron parses spec for the time zone loc (nil means UTC).
func ParseCron(spec string, loc *time.Location) (*Schedule, error) {
	if loc == nil {
		loc = time.UTC
	}
	s := &Schedule{spec: spec, loc: loc}
	expr := strings.TrimSpace(spec)
	if m, ok := macros[strings.ToLower(expr)]; ok {
		expr = m
	}
	f := strings.Fields(expr)
	if len(f) != 5 {
		return nil, fmt.Errorf("report: cron %q: want 5 fields (minute hour day-of-month month day-of-week) or a macro such as @weekly", spec)
	}
	var err error
	if s.minute, _, err = field(f[0], 0, 59, nil); err != nil {
		return nil, fmt.Errorf("report: cron %q: minute: %w", spec, err)
	}
	if s.hour, _, err = field(f[1], 0, 23, nil); err != nil {
		return nil, fmt.Errorf("report: cron %q: hour: %w", spec, err)
	}
	if s.dom, s.domStar, err = field(f[2], 1, 31, nil); err != nil {
		return nil, fmt.Errorf("report: cron %q: day of month: %w", spec, err)
	}
	if s.month, _, err = field(f[3], 1, 12, monthNames); err != nil {
		return nil, fmt.Errorf("report: cron %q: month: %w", spec, err)
	}
	if s.dow, s.dowStar, err = field(f[4], 0, 7, dayNames); err != nil {
		return nil, fmt.Errorf("report: cron %q: day of week: %w", spec, err)
	}
	if s.dow&(1<<7) != 0 { // 7 is Sunday too
		s.dow |= 1
	}
	return s, nil
}

// String returns the spec and zone.
func (s *Schedule) String() string { return s.spec + " " + s.loc.String() }

// Location returns the schedule's time zone.
func (s *Schedule) Location() *time.Location { return s.loc }

func field(f string, lo, hi int, names map[string]int) (set uint64, star bool, err error) {
	for _, part := range strings.Split(f, ",") {
		rng, stepStr, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			if step, err = strconv.Atoi(stepStr); err != nil || step < 1 {
				return 0, false, fmt.Errorf("bad step %q", stepStr)
			}
		}
		a, b := lo, hi
		switch {
		case rng == "*":
			star = star || !hasStep
		default:
			as, bs, isRange := strings.Cut(rng, "-")
			if a, err = value(as, lo, hi, names); err != nil {
				return 0, false, err
			}
			b = a
			if isRange {
				if b, err = value(bs, lo, hi, names); err != nil {
					return 0, false, err
				}
				if b < a {
					return 0, false, fmt.Errorf("range %q runs backwards", rng)
				}
			} else if hasStep {
				b = hi
			}
		}
		for v := a; v <= b; v += step {
			set |= 1 << uint(v)
		}
	}
	return set, star, nil
}

func value(s string, lo, hi int, names map[string]int) (int, error) {
	if v, ok := names[strings.ToLower(s)]; ok {
		return v, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%q is not a number in %d-%d", s, lo, hi)
	}
	return v, nil
}

func (s *Schedule) dayMatches(t time.Time) bool {
	if s.month&(1<<uint(t.Month())) == 0 {
		return false
	}
	domOK := s.dom&(1<<uint(t.Day())) != 0
	dowOK := s.dow&(1<<uint(t.Weekday())) != 0
	switch {
	case s.domStar && s.dowStar:
		return true
	case s.domStar:
		return dowOK
	case s.dowStar:
		return domOK
	default:
		return domOK || dowOK
	}
}

// maxSearchDays bounds Next's search (a schedule such as 30 2 31 2 * never
// fires).
const maxSearchDays = 5 * 366

// Next returns the first activation strictly after t, or the zero time when
// the schedule never fires.
func (s *Schedule) Next(t time.Time) time.Time {
	start := t.In(s.loc)
	y, m, d := start.Date()
	for i := 0; i < maxSearchDays; i++ {
		day := time.Date(y, m, d+i, 12, 0, 0, 0, s.loc)
		if !s.dayMatches(day) {
			continue
		}
		for h := range 24 {
			if s.hour&(1<<uint(h)) == 0 || (i == 0 && h < start.Hour()) {
				continue
			}
			for mi := range 60 {
				if s.minute&(1<<uint(mi)) == 0 {
					continue
				}
				c := first(time.Date(day.Year(), day.Month(), day.Day(), h, mi, 0, 0, s.loc))
				if c.After(t) {
					return c
				}
			}
		}
	}
	return time.Time{}
}

// first returns the first occurrence of c's wall-clock time: when a fall
// back repeats the hour, time.Date may pick either pass.
func first(c time.Time) time.Time {
	e := c.Add(-time.Hour)
	if e.Hour() == c.Hour() && e.Minute() == c.Minute() {
		return e
	}
	return c
}

// Prev returns the last activation at or before t that is no older than
// window, and whether there is one.
func (s *Schedule) Prev(t time.Time, window time.Duration) (time.Time, bool) {
	var last time.Time
	c := s.Next(t.Add(-window - time.Nanosecond))
	for !c.IsZero() && !c.After(t) {
		last = c
		c = s.Next(c)
	}
	return last, !last.IsZero()
}
