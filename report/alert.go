package report

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/undertone/undertone/post"
	"github.com/undertone/undertone/query"
)

// ThemeSentiment is the AlertRule theme that watches the share of negative
// posts instead of a marketer theme.
const ThemeSentiment = "sentiment"

// AlertRule fires when a topic's theme share rises: lift over the previous
// window >= MinLift (0: no lift condition), two-proportion p <= MaxP, and at
// least MinVolume posts in the theme this window. After firing it stays
// quiet for Cooldown.
type AlertRule struct {
	Name      string
	Topic     string
	TopicName string
	Theme     string // a post.Themes theme, or ThemeSentiment
	MinLift   float64
	MaxP      float64
	MinVolume int
	// Days is the window compared with the one before it (default 7); the
	// window ends at the end of the slot's UTC day, so hourly evaluations
	// see today's posts.
	Days     int
	Cooldown time.Duration
}

// Evaluation is one rule's numbers at one slot.
type Evaluation struct {
	Rule     string    `json:"rule"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Posts    uint64    `json:"posts"`
	Prev     uint64    `json:"prev_posts"`
	Share    float64   `json:"share"`
	PrevShr  float64   `json:"prev_share"`
	Lift     float64   `json:"lift"`
	Z        float64   `json:"z"`
	P        float64   `json:"p"`
	Fired    bool      `json:"fired"`
	Reason   string    `json:"reason,omitempty"`
	Results  []Result  `json:"results,omitempty"`
	Headline string    `json:"headline,omitempty"`
}

// Alerter evaluates alert rules and delivers the alerts that fire.
type Alerter struct {
	Source       Source
	Ledger       Ledger // firings are recorded as done entries of job "alert-fired/<rule>"
	Deliverer    *Deliverer
	DashboardURL string
	Replica      string
}

// Jobs returns one scheduler job per rule, all on schedule s.
func (a *Alerter) Jobs(s *Schedule, rules []AlertRule) []Job {
	jobs := make([]Job, 0, len(rules))
	for _, r := range rules {
		jobs = append(jobs, Job{
			Name: "alert/" + r.Name, Kind: "alert", Schedule: s,
			Run: func(ctx context.Context, slot time.Time, _ string) (string, error) {
				ev, err := a.Evaluate(ctx, r, slot)
				b, _ := json.Marshal(ev)
				return string(b), err
			},
		})
	}
	return jobs
}

// Evaluate computes the rule at slot and, when it fires and is not cooling
// down, delivers the alert and records the firing. It returns an error
// only when nothing was delivered (query or ledger failure, or every
// destination failed).
func (a *Alerter) Evaluate(ctx context.Context, r AlertRule, slot time.Time) (Evaluation, error) {
	days := r.Days
	if days <= 0 {
		days = 7
	}
	to := slot.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	from := to.AddDate(0, 0, -days)
	ev := Evaluation{Rule: r.Name, From: from, To: to}
	f := query.Filter{Topics: []string{r.Topic}, From: from, To: to}
	var err error
	if r.Theme == ThemeSentiment {
		err = a.negativeShare(ctx, f, &ev)
	} else {
		err = a.themeShare(ctx, f, r.Theme, &ev)
	}
	if err != nil {
		return ev, err
	}
	switch {
	case ev.Posts < uint64(r.MinVolume):
		ev.Reason = fmt.Sprintf("volume %d below %d", ev.Posts, r.MinVolume)
	case ev.Z <= 0:
		ev.Reason = "not rising"
	case ev.P > r.MaxP:
		ev.Reason = fmt.Sprintf("p %.4f above %.4f", ev.P, r.MaxP)
	case r.MinLift > 0 && ev.Lift < r.MinLift && ev.PrevShr > 0:
		ev.Reason = fmt.Sprintf("lift %.2f below %.2f", ev.Lift, r.MinLift)
	default:
		ev.Fired = true
	}
	if !ev.Fired {
		return ev, nil
	}
	fired := "alert-fired/" + r.Name
	if r.Cooldown > 0 && a.Ledger != nil {
		last, ok, err := a.Ledger.LastDone(ctx, fired)
		if err != nil {
			return ev, fmt.Errorf("report: alert %s: ledger: %w", r.Name, err)
		}
		if ok && slot.Sub(last.At) < r.Cooldown && !slot.Before(last.At) {
			ev.Fired, ev.Reason = false, "cooling down since "+last.At.UTC().Format(time.RFC3339)
			return ev, nil
		}
	}
	name := r.TopicName
	if name == "" {
		name = r.Topic
	}
	what := r.Theme
	if r.Theme == ThemeSentiment {
		what = "negative posts"
	}
	change := strings.TrimPrefix(liftPhrase(ev.Lift), "+")
	if ev.PrevShr == 0 {
		change = "from none"
	}
	ev.Headline = fmt.Sprintf("%s about %s up %s: %.0f%% of posts over the last %d days vs %.0f%% before (%d posts, p %s).",
		what, name, change, ev.Share*100, days, ev.PrevShr*100, ev.Posts, pValue(ev.P))
	theme := r.Theme
	if theme == ThemeSentiment {
		theme = ""
	}
	link := TopicLink(a.DashboardURL, r.Topic, theme, from, to)
	msg := Message{
		Kind: "alert", Subject: fmt.Sprintf("Undertone alert %s: %s about %s up %s", r.Name, what, name, change),
		Headline: ev.Headline, Text: strings.TrimSpace(ev.Headline + "\n\n" + link), Link: link,
	}
	if a.Deliverer != nil {
		ev.Results = a.Deliverer.Deliver(ctx, msg)
		ok := len(ev.Results) == 0
		for _, x := range ev.Results {
			ok = ok || x.OK
		}
		if !ok {
			return ev, fmt.Errorf("report: alert %s: every destination failed", r.Name)
		}
	}
	if a.Ledger != nil {
		if err := a.Ledger.Append(context.WithoutCancel(ctx), Entry{Job: fired, Period: slot.UTC().Format(time.RFC3339), ClaimID: newClaimID(),
			Replica: a.Replica, State: StateDone, At: slot, Detail: ev.Headline}); err != nil {
			return ev, nil //nolint:nilerr // delivered: do not retry (the cool-down is lost for this firing)
		}
	}
	return ev, nil
}

func (a *Alerter) themeShare(ctx context.Context, f query.Filter, theme string, ev *Evaluation) error {
	f.Themes = []string{theme}
	res, err := a.Source.Movers(ctx, query.MoversRequest{Filter: f, By: "theme", MinVolume: 1, Alpha: 1, Limit: 50})
	if err != nil {
		return err
	}
	for _, row := range res.Rows {
		if row.Theme != theme {
			continue
		}
		ev.Posts, ev.Prev, ev.Share, ev.PrevShr, ev.Z, ev.P = row.Posts, row.PrevPosts, row.Share, row.PrevShare, row.Z, row.P
		if row.Lift != nil {
			ev.Lift = *row.Lift
		}
		return nil
	}
	ev.P = 1
	return nil
}

func (a *Alerter) negativeShare(ctx context.Context, f query.Filter, ev *Evaluation) error {
	count := func(g query.Filter, sentiment string) (float64, error) {
		g.Sentiment = sentiment
		g.Themes = []string{post.ThemeJoys}
		r, err := a.Source.Themes(ctx, query.ThemesRequest{Filter: g})
		return volume(r), err
	}
	prev := f.Previous()
	var vals [4]float64
	for i, q := range []struct {
		f query.Filter
		s string
	}{{f, ""}, {f, post.LabelNegative}, {prev, ""}, {prev, post.LabelNegative}} {
		v, err := count(q.f, q.s)
		if err != nil {
			return err
		}
		vals[i] = v
	}
	n1, x1, n2, x2 := vals[0], vals[1], vals[2], vals[3]
	ev.Posts, ev.Prev = uint64(x1), uint64(x2)
	if n1 > 0 {
		ev.Share = x1 / n1
	}
	if n2 > 0 {
		ev.PrevShr = x2 / n2
	}
	if ev.PrevShr > 0 {
		ev.Lift = ev.Share / ev.PrevShr
	}
	ev.Z, ev.P = query.TwoProportionZ(x1, n1, x2, n2)
	return nil
}
