package report

import (
	"math"
	"strings"
	"time"
)

// Data is everything one report shows. Build fills it from a Source;
// renderers only read it. It holds no personal data: quotes are the
// anonymized post texts the query layer released under k-anonymity.
type Data struct {
	Title       string
	Week        Week
	From, To    time.Time // the report week, [From, To)
	PrevFrom    time.Time // the comparison week is [PrevFrom, From)
	Timezone    string
	GeneratedAt time.Time
	// Headline is one sentence naming the most important change across
	// topics (filled by Summarize).
	Headline string
	// DashboardURL is the public base URL of the dashboards (serve.public_url);
	// empty means the report carries no links.
	DashboardURL string
	Topics       []TopicData
	Methodology  Methodology
	// MinAuthors is the k-anonymity threshold that was applied.
	MinAuthors int
}

// TopicData is one topic's section.
type TopicData struct {
	ID   string
	Name string
	// Volume counts posts about the topic; NetSentiment is the share of
	// positive minus the share of negative posts, in percentage points
	// (-100..100).
	Volume       Metric
	NetSentiment Metric
	Authors      int
	// Suppressed is true when fewer than k distinct authors wrote about the
	// topic this week: the query layer withheld everything.
	Suppressed bool
	// Themes has one entry per marketer theme, in post.Themes order.
	Themes []ThemeStat
	// Movers are this week's changes versus the previous week, most
	// significant first; emerging themes are the significant risers.
	Movers []Mover
	// Daily is the day-by-day series of the report week and the weeks before
	// it, oldest first.
	Daily []DailyPoint
	// Summary is the plain-language paragraph (filled by Summarize).
	Summary string
	// Link is the dashboard view of this topic for the report week.
	Link string
}

// Metric is a value this week and the week before.
type Metric struct {
	Current  float64
	Previous float64
}

// Delta is Current - Previous.
func (m Metric) Delta() float64 { return m.Current - m.Previous }

// PctChange is the relative change in percent; ok is false when the
// previous value is zero.
func (m Metric) PctChange() (pct float64, ok bool) {
	if m.Previous == 0 {
		return 0, false
	}
	return (m.Current - m.Previous) / math.Abs(m.Previous) * 100, true
}

// ThemeStat is one marketer theme within a topic.
type ThemeStat struct {
	Theme string
	// Posts counts the topic's posts in the theme; Share is Posts divided
	// by the topic's volume (0..1).
	Posts   Metric
	Share   Metric
	Authors int
	// Sentiment is the mean sentiment score of the theme's posts (-1..1).
	Sentiment float64
	// Suppressed is true when fewer than k distinct authors are behind the
	// theme this week: counts stay, drivers and quotes are withheld.
	Suppressed bool
	Drivers    []Driver
	Quotes     []Quote
}

// Lift is the theme's share this week divided by its share last week (0
// when there was no share last week).
func (t ThemeStat) Lift() float64 {
	if t.Share.Previous == 0 {
		return 0
	}
	return t.Share.Current / t.Share.Previous
}

// Driver is an entity or term over-represented in a theme.
type Driver struct {
	Term  string
	Kind  string // entity, term
	Posts int
	// Lift is the term's rate in the theme divided by its rate in the topic.
	Lift float64
}

// Quote is one representative anonymized post.
type Quote struct {
	Text      string
	Source    string
	CreatedAt time.Time
	Sentiment float64
}

// Mover is one change between the previous week and this one.
type Mover struct {
	Theme  string // marketer theme, or "" for an entity mover
	Entity string // entity, or "" for a theme mover
	Posts  Metric
	Share  Metric
	// Lift is Share.Current/Share.Previous (or the posts ratio when shares
	// are not known); Z and P come from a two-proportion z-test.
	Lift        float64
	Z           float64
	P           float64
	Significant bool
}

// Label names the mover for people.
func (m Mover) Label() string {
	switch {
	case m.Entity != "" && m.Theme != "":
		return m.Theme + ": " + m.Entity
	case m.Entity != "":
		return m.Entity
	default:
		return m.Theme
	}
}

// Rising reports whether the mover grew.
func (m Mover) Rising() bool {
	return m.Lift > 1 || (m.Lift == 0 && m.Posts.Current > m.Posts.Previous)
}

// DailyPoint is one day of a topic.
type DailyPoint struct {
	Day          time.Time
	Posts        int
	NetSentiment float64
	Themes       map[string]int
}

// Theme returns the topic's stat for theme, or a zero stat.
func (t TopicData) Theme(name string) ThemeStat {
	for _, th := range t.Themes {
		if th.Theme == name {
			return th
		}
	}
	return ThemeStat{Theme: name}
}

// Emerging returns the significant rising movers, most significant first.
func (t TopicData) Emerging() []Mover {
	var out []Mover
	for _, m := range t.Movers {
		if m.Significant && m.Rising() {
			out = append(out, m)
		}
	}
	return out
}

// Methodology is the footnote that says how emotions are detected and how
// far the numbers can be trusted.
type Methodology struct {
	// Text is one or more paragraphs of plain language.
	Text string
	// Scores are the models' measured quality on their development sets.
	Scores []ModelScore
}

// ModelScore is one measured quality figure.
type ModelScore struct {
	Model  string // e.g. "emotion"
	Metric string // e.g. "macro F1 (GoEmotions dev)"
	Value  float64
}

// Paragraphs splits Text on blank lines.
func (m Methodology) Paragraphs() []string {
	var out []string
	for _, p := range strings.Split(m.Text, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
