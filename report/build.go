package report

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/undertone/undertone/post"
	"github.com/undertone/undertone/query"
)

// Source is the read side Build uses; *query.Querier implements it. Every
// answer already applies k-anonymity (groups of fewer than k distinct
// authors are suppressed).
type Source interface {
	Themes(ctx context.Context, r query.ThemesRequest) (query.ThemesResult, error)
	Trend(ctx context.Context, r query.TrendRequest) (query.TrendResult, error)
	Movers(ctx context.Context, r query.MoversRequest) (query.MoversResult, error)
	Drivers(ctx context.Context, r query.DriversRequest) (query.DriversResult, error)
	Quotes(ctx context.Context, r query.QuotesRequest) (query.QuotesResult, error)
}

// TopicRef names a topic to report on.
type TopicRef struct {
	ID   string
	Name string
}

// BuildOptions says what to build.
type BuildOptions struct {
	Title  string
	Week   Week
	Topics []TopicRef
	// MinVolume and Alpha select significant movers.
	MinVolume int
	Alpha     float64
	// HistoryWeeks is how many weeks before the report week the daily
	// charts show (default 3).
	HistoryWeeks int
	DashboardURL string
	Methodology  Methodology
	MinAuthors   int
	// Now stamps the report; zero means time.Now.
	Now time.Time
	// Parallel is how many topics are built at once (default 2).
	Parallel int
}

// Build reads one week of every topic from src and returns the report
// data, summaries included. Weeks are ISO weeks of UTC days (the store's
// day grain). It blocks for the queries (about 20 per topic).
func Build(ctx context.Context, src Source, opt BuildOptions) (Data, error) {
	if opt.MinVolume <= 0 {
		opt.MinVolume = 20
	}
	if opt.Alpha <= 0 {
		opt.Alpha = 0.05
	}
	if opt.HistoryWeeks <= 0 {
		opt.HistoryWeeks = 3
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if opt.Title == "" {
		opt.Title = "Undertone weekly insight"
	}
	if opt.Methodology.Text == "" {
		opt.Methodology = DefaultMethodology()
	}
	from, to := opt.Week.Start(time.UTC), opt.Week.End(time.UTC)
	d := Data{
		Title: opt.Title, Week: opt.Week, From: from, To: to, PrevFrom: from.AddDate(0, 0, -7),
		Timezone: "UTC", GeneratedAt: opt.Now.UTC(), DashboardURL: opt.DashboardURL,
		Methodology: opt.Methodology, MinAuthors: opt.MinAuthors,
	}
	par := opt.Parallel
	if par <= 0 {
		par = 2
	}
	d.Topics = make([]TopicData, len(opt.Topics))
	errs := make([]error, len(opt.Topics))
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for i, t := range opt.Topics {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			defer func() { <-sem }()
			td, err := buildTopic(ctx, src, opt, t, from, to)
			if err != nil {
				errs[i] = fmt.Errorf("report: topic %s: %w", t.ID, err)
			}
			d.Topics[i] = td
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return Data{}, err
	}
	Summarize(&d)
	return d, nil
}

func buildTopic(ctx context.Context, src Source, opt BuildOptions, t TopicRef, from, to time.Time) (TopicData, error) {
	name := t.Name
	if name == "" {
		name = t.ID
	}
	td := TopicData{ID: t.ID, Name: name, Link: TopicLink(opt.DashboardURL, t.ID, "", from, to)}
	cur := query.Filter{Topics: []string{t.ID}, From: from, To: to}
	prev := cur.Previous()

	cth, err := src.Themes(ctx, query.ThemesRequest{Filter: cur})
	if err != nil {
		return td, err
	}
	pth, err := src.Themes(ctx, query.ThemesRequest{Filter: prev})
	if err != nil {
		return td, err
	}
	td.Volume = Metric{Current: volume(cth), Previous: volume(pth)}
	td.Suppressed = cth.Volume == nil && cth.Suppressed > 0
	if cth.Volume != nil {
		td.Authors = int(cth.Volume.Authors)
	}
	if td.NetSentiment.Current, err = netSentiment(ctx, src, cur, td.Volume.Current); err != nil {
		return td, err
	}
	if td.NetSentiment.Previous, err = netSentiment(ctx, src, prev, td.Volume.Previous); err != nil {
		return td, err
	}

	rows := func(r query.ThemesResult) map[string]query.ThemeRow {
		m := map[string]query.ThemeRow{}
		for _, row := range r.Themes {
			m[row.Theme] = row
		}
		return m
	}
	cr, pr := rows(cth), rows(pth)
	for _, th := range post.Themes {
		c, p := cr[th], pr[th]
		td.Themes = append(td.Themes, ThemeStat{
			Theme:     th,
			Posts:     Metric{Current: float64(c.Posts), Previous: float64(p.Posts)},
			Share:     Metric{Current: c.Share, Previous: p.Share},
			Authors:   int(c.Authors),
			Sentiment: c.AvgSentiment,
		})
	}

	mv, err := src.Movers(ctx, query.MoversRequest{Filter: cur, By: "theme", MinVolume: opt.MinVolume, Alpha: opt.Alpha, Limit: 20})
	if err != nil {
		return td, err
	}
	for _, r := range mv.Rows {
		td.Movers = append(td.Movers, moverOf(r))
	}
	em, err := src.Movers(ctx, query.MoversRequest{Filter: cur, By: "entity", MinVolume: opt.MinVolume, Alpha: opt.Alpha, Limit: 50})
	if err != nil {
		return td, err
	}
	n := 0
	for _, r := range em.Rows {
		m := moverOf(r)
		if !m.Significant || !m.Rising() || n == 3 || m.Entity == name {
			continue
		}
		td.Movers = append(td.Movers, m)
		n++
	}

	// Quotes for the highlighted themes and every emerging one; drivers
	// for fears, joys and the emerging themes (drivers drill into posts,
	// the costliest query).
	want := slices.Clone(HighlightThemes)
	withDrivers := []string{post.ThemeFears, post.ThemeJoys}
	for _, m := range td.Emerging() {
		if m.Theme != "" && !slices.Contains(want, m.Theme) {
			want = append(want, m.Theme)
		}
		if m.Theme != "" && !slices.Contains(withDrivers, m.Theme) {
			withDrivers = append(withDrivers, m.Theme)
		}
	}
	for i := range td.Themes {
		th := &td.Themes[i]
		if !slices.Contains(want, th.Theme) {
			continue
		}
		f := cur
		f.Themes = []string{th.Theme}
		q, err := src.Quotes(ctx, query.QuotesRequest{Filter: f, Order: "typical", Limit: MaxQuotes})
		if err != nil {
			return td, err
		}
		th.Suppressed = q.Suppressed
		for _, qu := range q.Quotes {
			day, _ := time.Parse(time.DateOnly, qu.Day)
			th.Quotes = append(th.Quotes, Quote{Text: qu.Text, Source: qu.Source, CreatedAt: day, Sentiment: qu.Sentiment})
		}
		if th.Posts.Current == 0 || th.Suppressed || !slices.Contains(withDrivers, th.Theme) {
			continue
		}
		dr, err := src.Drivers(ctx, query.DriversRequest{Filter: f, Kind: "both", MinCount: 5, Limit: 200})
		if err != nil {
			return td, err
		}
		th.Drivers = drivers(dr, t.Name)
	}

	daily, err := dailySeries(ctx, src, t.ID, from.AddDate(0, 0, -7*opt.HistoryWeeks), to)
	if err != nil {
		return td, err
	}
	td.Daily = daily
	return td, nil
}

func volume(r query.ThemesResult) float64 {
	if r.Volume == nil {
		return 0
	}
	return float64(r.Volume.Posts)
}

// netSentiment is (positive - negative) / all posts, in points.
func netSentiment(ctx context.Context, src Source, f query.Filter, total float64) (float64, error) {
	if total == 0 {
		return 0, nil
	}
	counts := [2]float64{}
	for i, label := range []string{post.LabelPositive, post.LabelNegative} {
		g := f
		g.Sentiment = label
		g.Themes = []string{post.ThemeJoys} // one theme keeps the query small; we read the volume row
		r, err := src.Themes(ctx, query.ThemesRequest{Filter: g})
		if err != nil {
			return 0, err
		}
		counts[i] = volume(r)
	}
	return (counts[0] - counts[1]) / total * 100, nil
}

func moverOf(r query.MoverRow) Mover {
	m := Mover{
		Theme: r.Theme, Entity: r.Entity,
		Posts:       Metric{Current: float64(r.Posts), Previous: float64(r.PrevPosts)},
		Share:       Metric{Current: r.Share, Previous: r.PrevShare},
		Z:           r.Z,
		P:           r.P,
		Significant: r.Significant,
	}
	if r.Lift != nil {
		m.Lift = *r.Lift
	}
	return m
}

// drivers interleaves entity and term drivers (entity first, each list
// most significant over-representation first, so a frequent word such as
// "battery" beats a rare one with a higher lift), leaving out the topic's
// own name: entities say what the theme is about, terms how people put it.
func drivers(r query.DriversResult, topicName string) []Driver {
	pick := func(rows []query.DriverRow, kind string) []Driver {
		rows = slices.Clone(rows)
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].Z > rows[j].Z })
		var out []Driver
		for _, x := range rows {
			if x.Lift <= 1 || x.Name == topicName {
				continue
			}
			out = append(out, Driver{Term: x.Name, Kind: kind, Posts: int(x.Count), Lift: x.Lift})
		}
		return out
	}
	ents, terms := pick(r.Entities, "entity"), pick(r.Terms, "term")
	var out []Driver
	seen := map[string]bool{} // "Battery" the entity and "battery" the term are one driver
	add := func(d Driver) {
		if k := strings.ToLower(d.Term); !seen[k] && len(out) < 5 {
			seen[k] = true
			out = append(out, d)
		}
	}
	for i := 0; i < len(ents) || i < len(terms); i++ {
		if i < len(ents) {
			add(ents[i])
		}
		if i < len(terms) {
			add(terms[i])
		}
	}
	return out
}

// dailySeries returns one point per day of [from, to): posts, theme posts
// and net sentiment. Days the query layer suppressed count as zero.
func dailySeries(ctx context.Context, src Source, topic string, from, to time.Time) ([]DailyPoint, error) {
	f := query.Filter{Topics: []string{topic}, From: from, To: to}
	all, err := src.Trend(ctx, query.TrendRequest{Filter: f, Interval: "day"})
	if err != nil {
		return nil, err
	}
	var pts []DailyPoint
	idx := map[string]int{}
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		idx[d.Format(time.DateOnly)] = len(pts)
		pts = append(pts, DailyPoint{Day: d, Themes: map[string]int{}})
	}
	for _, r := range all.Rows {
		i, ok := idx[r.Start]
		if !ok {
			continue
		}
		if r.Series == "all" {
			pts[i].Posts = int(r.Posts)
		} else {
			pts[i].Themes[r.Series] = int(r.Posts)
		}
	}
	net := make([]float64, len(pts))
	for sign, label := range map[float64]string{1: post.LabelPositive, -1: post.LabelNegative} {
		g := f
		g.Sentiment = label
		g.Themes = []string{post.ThemeJoys}
		tr, err := src.Trend(ctx, query.TrendRequest{Filter: g, Interval: "day"})
		if err != nil {
			return nil, err
		}
		for _, r := range tr.Rows {
			if i, ok := idx[r.Start]; ok && r.Series == "all" {
				net[i] += sign * float64(r.Posts)
			}
		}
	}
	for i := range pts {
		if pts[i].Posts > 0 {
			pts[i].NetSentiment = net[i] / float64(pts[i].Posts) * 100
		}
	}
	return pts, nil
}
