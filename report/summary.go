package report

import (
	"fmt"
	"math"
	"strings"
)

// Summarize fills d.Headline and each topic's Summary with plain-language
// text generated from the numbers by fixed templates (no external service).
// It is deterministic: the same Data gives the same words.
func Summarize(d *Data) {
	for i := range d.Topics {
		d.Topics[i].Summary = topicSummary(d.Topics[i])
	}
	d.Headline = headline(d.Topics)
}

func headline(topics []TopicData) string {
	// The strongest significant rising theme wins; entity movers only when
	// no theme rose.
	var best *Mover
	var bestTopic TopicData
	better := func(m Mover) bool {
		if best == nil {
			return true
		}
		if (m.Entity == "") != (best.Entity == "") {
			return m.Entity == ""
		}
		return m.Z > best.Z
	}
	for _, t := range topics {
		for _, m := range t.Emerging() {
			if better(m) {
				mm := m
				best, bestTopic = &mm, t
			}
		}
	}
	if best != nil {
		h := fmt.Sprintf("Emerging this week: %s around %s (%s, %d posts vs %d)",
			moverPhrase(*best), bestTopic.Name, liftPhrase(best.Lift), int(best.Posts.Current), int(best.Posts.Previous))
		if best.Entity == "" {
			if d := topDriver(bestTopic.Theme(best.Theme)); d != "" {
				h += ", driven by " + d
			}
		}
		return h + "."
	}
	if len(topics) == 0 {
		return "No topics were configured for this report."
	}
	// No significant mover: name the biggest volume change.
	bi := 0
	for i, t := range topics {
		if math.Abs(t.Volume.Delta()) > math.Abs(topics[bi].Volume.Delta()) {
			bi = i
		}
	}
	t := topics[bi]
	return fmt.Sprintf("A quiet week: no theme moved significantly; %s volume %s.", t.Name, changePhrase(t.Volume, "posts"))
}

func topicSummary(t TopicData) string {
	if t.Suppressed {
		return fmt.Sprintf("Fewer than the minimum number of distinct authors wrote about %s this week, so its numbers are withheld to protect their anonymity.", t.Name)
	}
	if t.Volume.Current == 0 {
		return fmt.Sprintf("No posts about %s were recorded this week (%d the week before).", t.Name, int(t.Volume.Previous))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s drew %d posts this week, %s. ", t.Name, int(t.Volume.Current), pctPhrase(t.Volume))
	fmt.Fprintf(&b, "Net sentiment was %s (%s). ", signed(t.NetSentiment.Current, 0), pointsPhrase(t.NetSentiment.Delta()))

	fears, joys := t.Theme("fears"), t.Theme("joys")
	dominant := t.dominantTheme()
	if dominant.Theme != "" {
		fmt.Fprintf(&b, "The strongest theme was %s, in %s of posts", dominant.Theme, pct(dominant.Share.Current))
		if d := topDriver(dominant); d != "" {
			fmt.Fprintf(&b, ", driven by %s", d)
		}
		b.WriteString(". ")
	}
	if em := t.Emerging(); len(em) > 0 {
		m := em[0]
		fmt.Fprintf(&b, "Emerging: %s is up %s (%d posts vs %d, p %s)", moverPhrase(m), strings.TrimPrefix(liftPhrase(m.Lift), "+"),
			int(m.Posts.Current), int(m.Posts.Previous), pValue(m.P))
		if m.Entity == "" && m.Theme != dominant.Theme {
			if d := topDriver(t.Theme(m.Theme)); d != "" {
				fmt.Fprintf(&b, ", driven by %s", d)
			}
		}
		if len(em) > 1 {
			fmt.Fprintf(&b, ", and %d more theme(s) rose significantly", len(em)-1)
		}
		b.WriteString(". ")
	} else {
		b.WriteString("No theme moved significantly versus last week. ")
	}
	if fears.Posts.Current > 0 || joys.Posts.Current > 0 {
		fmt.Fprintf(&b, "Fears were %s of posts (%s) and joys %s (%s).",
			pct(fears.Share.Current), sharePointsPhrase(fears.Share), pct(joys.Share.Current), sharePointsPhrase(joys.Share))
	}
	return strings.TrimSpace(b.String())
}

// dominantTheme is the theme with the most posts this week (not suppressed).
func (t TopicData) dominantTheme() ThemeStat {
	var best ThemeStat
	for _, th := range t.Themes {
		if th.Posts.Current > best.Posts.Current {
			best = th
		}
	}
	return best
}

func topDriver(th ThemeStat) string {
	if th.Suppressed || len(th.Drivers) == 0 {
		return ""
	}
	names := make([]string, 0, 2)
	for _, d := range th.Drivers {
		names = append(names, "“"+d.Term+"”")
		if len(names) == 2 {
			break
		}
	}
	return strings.Join(names, " and ")
}

func moverPhrase(m Mover) string {
	switch {
	case m.Entity != "" && m.Theme != "":
		return fmt.Sprintf("%s about %s", m.Theme, m.Entity)
	case m.Entity != "":
		return "talk of " + m.Entity
	default:
		return m.Theme
	}
}

func liftPhrase(lift float64) string {
	if lift <= 0 {
		return "from nothing"
	}
	if lift >= 1.95 {
		return fmt.Sprintf("%.1f×", lift)
	}
	return fmt.Sprintf("%+.0f%%", (lift-1)*100)
}

func changePhrase(m Metric, unit string) string {
	d := m.Delta()
	switch {
	case d > 0:
		return fmt.Sprintf("rose by %d %s", int(math.Round(d)), unit)
	case d < 0:
		return fmt.Sprintf("fell by %d %s", int(math.Round(-d)), unit)
	default:
		return "was unchanged"
	}
}

func pctPhrase(m Metric) string {
	p, ok := m.PctChange()
	if !ok {
		return "with none the week before"
	}
	switch {
	case math.Abs(p) < 0.5:
		return "about the same as the week before"
	case p > 0:
		return fmt.Sprintf("up %.0f%% on the week before", p)
	default:
		return fmt.Sprintf("down %.0f%% on the week before", -p)
	}
}

func pointsPhrase(d float64) string {
	switch {
	case math.Abs(d) < 0.5:
		return "unchanged"
	case d > 0:
		return fmt.Sprintf("up %.0f points", d)
	default:
		return fmt.Sprintf("down %.0f points", -d)
	}
}

func sharePointsPhrase(m Metric) string {
	return pointsPhrase((m.Current - m.Previous) * 100)
}

func pct(share float64) string { return fmt.Sprintf("%.0f%%", share*100) }

func signed(v float64, prec int) string { return fmt.Sprintf("%+.*f", prec, v) }

func pValue(p float64) string {
	if p < 0.001 {
		return "< 0.001"
	}
	return fmt.Sprintf("= %.3f", p)
}

// ZTest is the two-proportion z-test of x1/n1 (this period) against x2/n2
// (the previous period), with a pooled standard error. It returns z
// (positive when the proportion rose) and the two-sided p-value. With an
// empty period it returns 0, 1.
func ZTest(x1, n1, x2, n2 float64) (z, p float64) {
	if n1 <= 0 || n2 <= 0 {
		return 0, 1
	}
	p1, p2 := x1/n1, x2/n2
	pool := (x1 + x2) / (n1 + n2)
	se := math.Sqrt(pool * (1 - pool) * (1/n1 + 1/n2))
	if se == 0 {
		return 0, 1
	}
	z = (p1 - p2) / se
	return z, math.Erfc(math.Abs(z) / math.Sqrt2)
}
