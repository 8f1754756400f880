package query

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/undertone/undertone/post"
)

// ParamError is a request parameter that failed validation. The HTTP API
// answers it with 400 and a body naming the parameter and what is allowed.
type ParamError struct {
	Param   string // parameter name as in the URL
	Value   string // offending value, truncated; empty when missing
	Allowed string // what would have been accepted
}

// Error implements error: the parameter, the value and what is allowed.
func (e *ParamError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("parameter %s: %s", e.Param, e.Allowed)
	}
	return fmt.Sprintf("parameter %s=%q: %s", e.Param, e.Value, e.Allowed)
}

// Limits on request parameters. They bound the SQL a request can produce.
const (
	MaxValueLen   = 64  // characters in one parameter value
	MaxListValues = 20  // values in one list parameter (source=a,b,...)
	MaxPeriodDays = 732 // longest period a query may cover
	DefaultDays   = 30  // period when neither period nor from/to is given
)

var (
	slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
	langRE = regexp.MustCompile(`^[a-z]{2,3}(-[a-z0-9]{1,8}){0,3}$`)
	// periodRE accepts 7d, 12w, 3m (months of 30 days).
	periodRE = regexp.MustCompile(`^([1-9][0-9]{0,3})([dwm])$`)
)

// Sentiments lists the accepted sentiment filter values.
var Sentiments = []string{post.LabelNegative, post.LabelNeutral, post.LabelPositive}

// Filter is the common filter every query accepts. From is the first day
// included and To the first day excluded, both at 00:00 UTC. Empty lists
// mean "any".
type Filter struct {
	Topics    []string
	From, To  time.Time
	Sources   []string
	Langs     []string
	Sentiment string
	Themes    []string
}

// byPost reports whether f filters on a property of the post (source,
// lang or sentiment): the dimensions the whole-volume aggregates
// (q_entity_day, q_driver_day) do not have.
func (f Filter) byPost() bool {
	return len(f.Sources) > 0 || len(f.Langs) > 0 || f.Sentiment != ""
}

// dimension returns the one kind of post property f filters on as a
// dimension of q_theme_dims and q_driver_dims (dimSource, dimLang,
// dimSentiment) with its values. ok is false when f filters on none or on
// more than one kind.
func (f Filter) dimension() (dim int, values []string, ok bool) {
	n := 0
	if len(f.Sources) > 0 {
		dim, values, n = dimSource, f.Sources, n+1
	}
	if len(f.Langs) > 0 {
		dim, values, n = dimLang, f.Langs, n+1
	}
	if f.Sentiment != "" {
		dim, values, n = dimSentiment, []string{f.Sentiment}, n+1
	}
	return dim, values, n == 1
}

// Days is the number of days the filter's period covers.
func (f Filter) Days() int { return int(f.To.Sub(f.From).Hours() / 24) }

// Previous returns the filter moved back by its own length: the period the
// movers query compares against.
func (f Filter) Previous() Filter {
	p := f
	d := f.To.Sub(f.From)
	p.From, p.To = f.From.Add(-d), f.From
	return p
}

// params reads and validates url.Values.
type params struct {
	v   url.Values
	now time.Time
}

// newParams starts reading v after rejecting parameters other than the
// filter's and extra.
func newParams(v url.Values, now time.Time, extra ...string) (*params, error) {
	p := &params{v: v, now: now.UTC()}
	return p, p.only(extra...)
}

func bad(param, value, allowed string) *ParamError {
	if len(value) > MaxValueLen {
		value = value[:MaxValueLen] + "..."
	}
	return &ParamError{Param: param, Value: value, Allowed: allowed}
}

// one returns the single value of name ("" when absent).
func (p *params) one(name string) (string, error) {
	vs := p.v[name]
	switch {
	case len(vs) == 0:
		return "", nil
	case len(vs) > 1:
		return "", bad(name, strings.Join(vs, ","), "give this parameter once")
	case len(vs[0]) > MaxValueLen:
		return "", bad(name, vs[0], fmt.Sprintf("at most %d characters", MaxValueLen))
	}
	return vs[0], nil
}

// list returns the values of name, split on commas and deduplicated; each
// must match re.
func (p *params) list(name string, re *regexp.Regexp, allowed string) ([]string, error) {
	var out []string
	for _, raw := range p.v[name] {
		for s := range strings.SplitSeq(raw, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			if len(s) > MaxValueLen || !re.MatchString(s) {
				return nil, bad(name, s, allowed)
			}
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
			if len(out) > MaxListValues {
				return nil, bad(name, raw, fmt.Sprintf("at most %d values", MaxListValues))
			}
		}
	}
	return out, nil
}

func (p *params) enum(name string, allowed []string, def string) (string, error) {
	s, err := p.one(name)
	if err != nil {
		return "", err
	}
	if s == "" {
		return def, nil
	}
	if !slices.Contains(allowed, s) {
		return "", bad(name, s, "one of "+strings.Join(allowed, ", "))
	}
	return s, nil
}

// flag parses a true/false parameter; absent is false.
func (p *params) flag(name string) (bool, error) {
	v, err := p.enum(name, []string{"true", "false"}, "false")
	return v == "true", err
}

func (p *params) enumList(name string, allowed []string) ([]string, error) {
	re := regexp.MustCompile(`^(` + strings.Join(allowed, "|") + `)$`)
	return p.list(name, re, "comma-separated values from "+strings.Join(allowed, ", "))
}

func (p *params) intIn(name string, def, lo, hi int) (int, error) {
	s, err := p.one(name)
	if err != nil || s == "" {
		return def, err
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, bad(name, s, fmt.Sprintf("an integer from %d to %d", lo, hi))
	}
	return n, nil
}

func (p *params) floatIn(name string, def, lo, hi float64) (float64, error) {
	s, err := p.one(name)
	if err != nil || s == "" {
		return def, err
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < lo || f > hi || f != f {
		return 0, bad(name, s, fmt.Sprintf("a number from %g to %g", lo, hi))
	}
	return f, nil
}

func (p *params) date(name string) (time.Time, error) {
	s, err := p.one(name)
	if err != nil || s == "" {
		return time.Time{}, err
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, bad(name, s, "a date YYYY-MM-DD")
	}
	if t.Year() < 2000 || t.Year() > 2100 {
		return time.Time{}, bad(name, s, "a date between 2000-01-01 and 2100-12-31")
	}
	return t, nil
}

// filter reads the common filter. topicRequired makes topic mandatory and
// single-valued.
func (p *params) filter(topicRequired bool) (Filter, error) {
	var f Filter
	var err error
	if f.Topics, err = p.list("topic", slugRE, "topic ids: lowercase a-z 0-9 . _ - (at most 64 characters)"); err != nil {
		return f, err
	}
	if topicRequired && len(f.Topics) != 1 {
		return f, bad("topic", strings.Join(f.Topics, ","), "exactly one topic id, e.g. topic=acme-phone")
	}
	if f.Sources, err = p.list("source", slugRE, "source names: lowercase a-z 0-9 . _ -"); err != nil {
		return f, err
	}
	if f.Langs, err = p.list("lang", langRE, "BCP 47 language codes such as en or pt-br (lowercase)"); err != nil {
		return f, err
	}
	if f.Sentiment, err = p.enum("sentiment", Sentiments, ""); err != nil {
		return f, err
	}
	if f.Themes, err = p.enumList("theme", post.Themes[:]); err != nil {
		return f, err
	}
	if f.From, f.To, err = p.period(); err != nil {
		return f, err
	}
	return f, nil
}

// period reads period=Nd|Nw|Nm or from/to (inclusive dates). With only
// period, the period ends today (inclusive); with to and period, it ends at to.
func (p *params) period() (from, to time.Time, err error) {
	per, err := p.one("period")
	if err != nil {
		return from, to, err
	}
	if from, err = p.date("from"); err != nil {
		return from, to, err
	}
	var last time.Time
	if last, err = p.date("to"); err != nil {
		return from, to, err
	}
	today := p.now.Truncate(24 * time.Hour)
	if last.IsZero() {
		last = today
	}
	to = last.AddDate(0, 0, 1) // exclusive
	days := DefaultDays
	if per != "" {
		if !from.IsZero() {
			return from, to, bad("period", per, "give either period or from, not both")
		}
		m := periodRE.FindStringSubmatch(per)
		if m == nil {
			return from, to, bad("period", per, "a length such as 7d, 4w or 3m (days, ISO weeks, 30-day months)")
		}
		n, _ := strconv.Atoi(m[1])
		days = n * map[string]int{"d": 1, "w": 7, "m": 30}[m[2]]
		if days > MaxPeriodDays {
			return from, to, bad("period", per, fmt.Sprintf("at most %d days", MaxPeriodDays))
		}
	}
	if from.IsZero() {
		from = to.AddDate(0, 0, -days)
	}
	if !from.Before(to) {
		return from, to, bad("from", from.Format(time.DateOnly), "a date on or before to")
	}
	if to.Sub(from) > MaxPeriodDays*24*time.Hour {
		return from, to, bad("from", from.Format(time.DateOnly), fmt.Sprintf("a period of at most %d days", MaxPeriodDays))
	}
	return from, to, nil
}

// filterParams are the parameters of Filter, accepted by every endpoint.
var filterParams = []string{"topic", "period", "from", "to", "source", "lang", "sentiment", "theme"}

// only rejects any parameter not in the filter's or extra, before anything
// else is validated, so a typo is reported as such.
func (p *params) only(extra ...string) error {
	known := append(slices.Clone(filterParams), extra...)
	var unknown []string
	for k := range p.v {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	slices.Sort(known)
	return bad(unknown[0], "", "unknown parameter; this endpoint accepts: "+strings.Join(known, ", "))
}

// IsParamError reports whether err is (or wraps) a *ParamError.
func IsParamError(err error) bool {
	var pe *ParamError
	return errors.As(err, &pe)
}
