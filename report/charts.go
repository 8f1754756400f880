package report

import (
	"math"
	"time"

	"github.com/undertone/undertone/report/chart"
)

// DailyChart is the topic's day-by-day posts with its fears and joys; the
// report week is shaded.
func DailyChart(t TopicData, from, to time.Time) chart.Line {
	labels := make([]string, len(t.Daily))
	all := make([]float64, len(t.Daily))
	fears := make([]float64, len(t.Daily))
	joys := make([]float64, len(t.Daily))
	markFrom, markTo := 0, 0
	for i, p := range t.Daily {
		labels[i] = p.Day.Format("Jan 2")
		all[i] = float64(p.Posts)
		fears[i] = float64(p.Themes["fears"])
		joys[i] = float64(p.Themes["joys"])
		if !p.Day.Before(from) && p.Day.Before(to) {
			if markTo == 0 {
				markFrom = i
			}
			markTo = i + 1
		}
	}
	return chart.Line{
		Title:  "Posts per day: " + t.Name,
		Labels: labels,
		Series: []chart.Series{
			{Name: "All posts", Values: all},
			{Name: "Fears", Values: fears, Color: chart.Palette[1]},
			{Name: "Joys", Values: joys, Color: chart.Palette[2]},
		},
		ZeroBased: true,
		MarkFrom:  markFrom,
		MarkTo:    markTo,
	}
}

// SentimentChart is the topic's daily net sentiment (-100..100).
func SentimentChart(t TopicData, from, to time.Time) chart.Line {
	c := DailyChart(t, from, to)
	vals := make([]float64, len(t.Daily))
	for i, p := range t.Daily {
		vals[i] = p.NetSentiment
		if p.Posts == 0 {
			vals[i] = math.NaN()
		}
	}
	c.Title = "Net sentiment per day: " + t.Name
	c.Series = []chart.Series{{Name: "Net sentiment (points)", Values: vals, Color: chart.Palette[0]}}
	c.Height = 180
	return c
}

// ThemesChart compares each theme's share of the topic this week with last
// week; significant risers are highlighted.
func ThemesChart(t TopicData) chart.Bars {
	emerging := map[string]bool{}
	for _, m := range t.Emerging() {
		if m.Entity == "" {
			emerging[m.Theme] = true
		}
	}
	items := make([]chart.Bar, 0, len(t.Themes))
	for _, th := range t.Themes {
		items = append(items, chart.Bar{Label: th.Theme, Value: th.Share.Current, Previous: th.Share.Previous, Highlight: emerging[th.Theme]})
	}
	return chart.Bars{Title: "Share of posts by theme: " + t.Name, Items: items, Format: chart.Percent}
}
