package query

import (
	"context"
	"math"
	"net/url"
	"slices"
	"sort"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/undertone/undertone/post"
)

// Stats is the volume of one group.
type Stats struct {
	Posts        uint64  `json:"posts"`
	Authors      uint64  `json:"authors"`
	AvgSentiment float64 `json:"avg_sentiment"`
}

// statsOf converts a group. The authors estimate (uniqHLL12 above 16) is
// clamped to the post count, which it can never truly exceed.
func statsOf(g group) Stats {
	return Stats{Posts: g.posts, Authors: min(g.authors, g.posts), AvgSentiment: g.avg()}
}

// allThemes returns "" (the whole volume) plus the filter's themes, or
// every theme when the filter names none.
func allThemes(f Filter) []string {
	if len(f.Themes) > 0 {
		return append([]string{""}, f.Themes...)
	}
	return append([]string{""}, post.Themes[:]...)
}

func themeOrder(t string) int {
	if t == "" {
		return -1
	}
	return slices.Index(post.Themes[:], t)
}

// small reports whether a group of n distinct authors must be suppressed:
// 1..k-1 authors. An empty group (0) identifies nobody.
func (q *Querier) small(n uint64) bool { return n > 0 && n < uint64(q.opts.MinAuthors) }

// ---- themes ----

// ThemesRequest asks for the theme breakdown of one topic.
type ThemesRequest struct{ Filter Filter }

// ParseThemes validates the parameters of GET /api/v1/themes.
func ParseThemes(v url.Values, now time.Time) (ThemesRequest, error) {
	p, err := newParams(v, now)
	if err != nil {
		return ThemesRequest{}, err
	}
	f, err2 := p.filter(true)
	err = err2
	if err != nil {
		return ThemesRequest{}, err
	}
	return ThemesRequest{Filter: f}, nil
}

// ThemeRow is one theme of a topic.
type ThemeRow struct {
	Theme string `json:"theme"`
	Stats
	// Share is the theme's posts over the topic's posts (same filters). A
	// post can carry several themes, so shares need not sum to 1.
	Share float64 `json:"share"`
}

// ThemesResult is the theme breakdown of a topic over a period.
type ThemesResult struct {
	Topic  string     `json:"topic"`
	Period Period     `json:"period"`
	Volume *Stats     `json:"volume"` // nil when the topic itself is suppressed
	Themes []ThemeRow `json:"themes"`
	// Suppressed counts groups hidden because they have fewer than
	// MinAuthors distinct authors.
	Suppressed int `json:"suppressed"`
	MinAuthors int `json:"min_authors"`
}

// Themes returns posts, share of topic volume, distinct authors and average
// sentiment per theme.
func (q *Querier) Themes(ctx context.Context, r ThemesRequest) (ThemesResult, error) {
	f := r.Filter
	res := ThemesResult{Topic: f.Topics[0], Period: periodOf(f), Themes: []ThemeRow{}, MinAuthors: q.opts.MinAuthors}
	gs, err := q.groups(ctx, withAuthors, []string{keyTheme}, f, f.From, f.To, allThemes(f))
	if err != nil {
		return res, err
	}
	var vol *group
	for i := range gs {
		if gs[i].keys[0] == "" {
			vol = &gs[i]
		}
	}
	if vol == nil {
		return res, nil
	}
	if q.small(vol.authors) {
		res.Suppressed = len(gs)
		return res, nil
	}
	s := statsOf(*vol)
	res.Volume = &s
	for _, g := range gs {
		if g.keys[0] == "" {
			continue
		}
		if q.small(g.authors) {
			res.Suppressed++
			continue
		}
		res.Themes = append(res.Themes, ThemeRow{Theme: g.keys[0], Stats: statsOf(g), Share: round(float64(g.posts)/float64(vol.posts), 4)})
	}
	sort.Slice(res.Themes, func(i, j int) bool { return themeOrder(res.Themes[i].Theme) < themeOrder(res.Themes[j].Theme) })
	return res, nil
}

// ---- trend ----

// TrendRequest asks for a topic's volume, sentiment and themes over time.
type TrendRequest struct {
	Filter   Filter
	Interval string // day or week (ISO weeks, starting Monday)
	// Authors adds each point's distinct authors (uniqHLL12). Without it
	// the k-anonymity check counts authors only up to 16 (exact, and about
	// 5 times cheaper per point: a 90-day daily trend merges 630 states).
	Authors bool
}

// ParseTrend validates the parameters of GET /api/v1/trend.
func ParseTrend(v url.Values, now time.Time) (TrendRequest, error) {
	p, err := newParams(v, now, "interval", "authors")
	if err != nil {
		return TrendRequest{}, err
	}
	f, err2 := p.filter(true)
	err = err2
	if err != nil {
		return TrendRequest{}, err
	}
	iv, err := p.enum("interval", []string{"day", "week"}, "day")
	if err != nil {
		return TrendRequest{}, err
	}
	au, err := p.flag("authors")
	if err != nil {
		return TrendRequest{}, err
	}
	return TrendRequest{Filter: f, Interval: iv, Authors: au}, nil
}

// TrendRow is one series point. Series is "all" for the topic's volume
// and sentiment, else a theme. Authors is set only when the request asks
// for it (TrendRequest.Authors).
type TrendRow struct {
	Start        string  `json:"start"` // first day of the bucket
	Series       string  `json:"series"`
	Posts        uint64  `json:"posts"`
	Authors      uint64  `json:"authors,omitempty"`
	AvgSentiment float64 `json:"avg_sentiment"`
}

// TrendResult is a topic's time series.
type TrendResult struct {
	Topic      string     `json:"topic"`
	Period     Period     `json:"period"`
	Interval   string     `json:"interval"`
	Rows       []TrendRow `json:"rows"`
	Suppressed int        `json:"suppressed"`
	Truncated  bool       `json:"truncated"`
	MinAuthors int        `json:"min_authors"`
}

// Trend returns volume, sentiment and each theme per day or ISO week.
// Buckets are clipped to the period (a week bucket at an edge covers only
// the days inside the period).
func (q *Querier) Trend(ctx context.Context, r TrendRequest) (TrendResult, error) {
	f := r.Filter
	res := TrendResult{Topic: f.Topics[0], Period: periodOf(f), Interval: r.Interval, Rows: []TrendRow{}, MinAuthors: q.opts.MinAuthors}
	key := keyDay
	if r.Interval == "week" {
		key = keyWeek
	}
	m := kOnly
	if r.Authors {
		m = withAuthors
	}
	gs, err := q.groups(ctx, m, []string{key, keyTheme}, f, f.From, f.To, allThemes(f))
	if err != nil {
		return res, err
	}
	for _, g := range gs {
		if q.small(g.authors) {
			res.Suppressed++
			continue
		}
		series := g.keys[1]
		if series == "" {
			series = "all"
		}
		row := TrendRow{Start: g.keys[0], Series: series, Posts: g.posts, AvgSentiment: g.avg()}
		if r.Authors {
			row.Authors = statsOf(g).Authors
		}
		res.Rows = append(res.Rows, row)
	}
	sort.Slice(res.Rows, func(i, j int) bool {
		a, b := res.Rows[i], res.Rows[j]
		if a.Start != b.Start {
			return a.Start < b.Start
		}
		return seriesOrder(a.Series) < seriesOrder(b.Series)
	})
	if len(res.Rows) > q.opts.MaxRows {
		res.Rows, res.Truncated = res.Rows[:q.opts.MaxRows], true
	}
	return res, nil
}

func seriesOrder(s string) int {
	if s == "all" {
		return -1
	}
	return themeOrder(s)
}

// ---- movers ----

// MoversRequest compares the filter's period with the previous period of
// the same length.
type MoversRequest struct {
	Filter    Filter
	By        string  // theme or entity
	MinVolume int     // a row needs at least this many posts in one of the two periods
	Alpha     float64 // significance level of the two-sided test
	Limit     int
}

// ParseMovers validates the parameters of GET /api/v1/movers.
func ParseMovers(v url.Values, now time.Time, maxRows int) (MoversRequest, error) {
	p, err := newParams(v, now, "by", "min_volume", "alpha", "limit")
	if err != nil {
		return MoversRequest{}, err
	}
	f, err2 := p.filter(false)
	err = err2
	if err != nil {
		return MoversRequest{}, err
	}
	r := MoversRequest{Filter: f}
	if r.By, err = p.enum("by", []string{"theme", "entity"}, "theme"); err != nil {
		return r, err
	}
	if r.MinVolume, err = p.intIn("min_volume", 10, 1, 1_000_000); err != nil {
		return r, err
	}
	if r.Alpha, err = p.floatIn("alpha", 0.05, 1e-6, 0.5); err != nil {
		return r, err
	}
	if r.Limit, err = p.intIn("limit", 50, 1, maxRows); err != nil {
		return r, err
	}
	return r, nil
}

// MoverRow is one topic x theme (or topic x entity) with its share of the
// topic's volume in both periods. Lift is Share/PrevShare (null when the
// previous share is 0); Z and P are the two-proportion z-test of the
// shares; Significant means P < alpha and the volume minimum is met.
type MoverRow struct {
	Topic       string   `json:"topic"`
	Theme       string   `json:"theme,omitempty"`
	Entity      string   `json:"entity,omitempty"`
	EntityType  string   `json:"entity_type,omitempty"`
	Posts       uint64   `json:"posts"`
	PrevPosts   uint64   `json:"prev_posts"`
	Share       float64  `json:"share"`
	PrevShare   float64  `json:"prev_share"`
	Lift        *float64 `json:"lift"`
	Z           float64  `json:"z"`
	P           float64  `json:"p"`
	Significant bool     `json:"significant"`
}

// MoversResult lists what changed, most significant first.
type MoversResult struct {
	Period     Period     `json:"period"`
	Previous   Period     `json:"previous"`
	By         string     `json:"by"`
	Rows       []MoverRow `json:"rows"`
	Suppressed int        `json:"suppressed"`
	Truncated  bool       `json:"truncated"`
	MinAuthors int        `json:"min_authors"`
}

type pair struct{ cur, prev group }

// byPeriod folds groups keyed (..., isCurrent) into pairs keyed by the
// other keys joined with \x00.
func byPeriod(gs []group) map[string]*pair {
	m := map[string]*pair{}
	for _, g := range gs {
		n := len(g.keys) - 1
		k := joinKeys(g.keys[:n])
		pr := m[k]
		if pr == nil {
			pr = &pair{}
			m[k] = pr
		}
		if g.keys[n] == "1" {
			pr.cur = g
		} else {
			pr.prev = g
		}
	}
	return m
}

func joinKeys(ks []string) string {
	s := ""
	for i, k := range ks {
		if i > 0 {
			s += "\x00"
		}
		s += k
	}
	return s
}

// Movers returns per topic x theme (By "theme") or per topic x entity (By
// "entity") the change of share of the topic's volume between the period
// and the previous one of equal length.
func (q *Querier) Movers(ctx context.Context, r MoversRequest) (MoversResult, error) {
	f := r.Filter
	prev := f.Previous()
	res := MoversResult{Period: periodOf(f), Previous: periodOf(prev), By: r.By, Rows: []MoverRow{}, MinAuthors: q.opts.MinAuthors}
	cur := clickhouse.Named("cur_from", day(f.From))
	themes := allThemes(f)
	if r.By == "entity" {
		themes = []string{""}
	}
	gs, err := q.groups(ctx, kOnly, []string{keyTopic, keyTheme, keyIsCurr}, f, prev.From, f.To, themes, cur)
	if err != nil {
		return res, err
	}
	vols := map[string]*pair{}
	items := map[string]*pair{}
	for k, pr := range byPeriod(gs) {
		topic, theme, _ := cut0(k)
		if theme == "" {
			vols[topic] = pr
		} else {
			items[k] = pr
		}
	}
	if r.By == "entity" {
		if items, err = q.entityPairs(ctx, f, prev); err != nil {
			return res, err
		}
	}
	for k, pr := range items {
		topic, name, etype := cut0(k)
		vol := vols[topic]
		if vol == nil || q.small(vol.cur.authors) || q.small(vol.prev.authors) || q.small(pr.cur.authors) || q.small(pr.prev.authors) {
			res.Suppressed++
			continue
		}
		x1, n1, x2, n2 := float64(pr.cur.posts), float64(vol.cur.posts), float64(pr.prev.posts), float64(vol.prev.posts)
		row := MoverRow{Topic: topic, Posts: pr.cur.posts, PrevPosts: pr.prev.posts}
		if r.By == "entity" {
			row.Entity, row.EntityType = name, etype
		} else {
			row.Theme = name
		}
		if n1 > 0 {
			row.Share = round(x1/n1, 4)
		}
		if n2 > 0 {
			row.PrevShare = round(x2/n2, 4)
		}
		if x2 > 0 && n1 > 0 {
			l := round((x1/n1)/(x2/n2), 4)
			row.Lift = &l
		}
		z, p := TwoProportionZ(x1, n1, x2, n2)
		row.Z, row.P = round(z, 3), p
		enough := max(pr.cur.posts, pr.prev.posts) >= uint64(r.MinVolume)
		if !enough {
			continue
		}
		row.Significant = p < r.Alpha
		res.Rows = append(res.Rows, row)
	}
	sort.Slice(res.Rows, func(i, j int) bool {
		a, b := res.Rows[i], res.Rows[j]
		if a.Significant != b.Significant {
			return a.Significant
		}
		if math.Abs(a.Z) != math.Abs(b.Z) {
			return math.Abs(a.Z) > math.Abs(b.Z)
		}
		return a.Topic+a.Theme+a.Entity < b.Topic+b.Theme+b.Entity
	})
	if len(res.Rows) > r.Limit {
		res.Rows, res.Truncated = res.Rows[:r.Limit], true
	}
	return res, nil
}

// cut0 splits a key joined by joinKeys into up to three parts.
func cut0(k string) (a, b, c string) {
	parts := [3]string{}
	i := 0
	start := 0
	for j := 0; j < len(k) && i < 2; j++ {
		if k[j] == 0 {
			parts[i] = k[start:j]
			i++
			start = j + 1
		}
	}
	parts[i] = k[start:]
	return parts[0], parts[1], parts[2]
}

// entityPairs counts posts per (topic, entity) in both periods, with
// distinct authors counted up to 16 (only the k check uses them). Without
// source, lang, sentiment or theme filters it reads q_entity_day
// (migration 0010); with them it drills down into posts (one ARRAY JOIN
// over the per-topic entity arrays).
func (q *Querier) entityPairs(ctx context.Context, f, prev Filter) (map[string]*pair, error) {
	w := &where{}
	var sql string
	if !f.byPost() && len(f.Themes) == 0 {
		if len(f.Topics) > 0 {
			w.in("topic", "topics", f.Topics)
		} else {
			w.add("topic != ''")
		}
		w.add("day >= toDate(@from) AND day < toDate(@to)", clickhouse.Named("from", day(prev.From)), clickhouse.Named("to", day(f.To)))
		sql = "SELECT topic, entity, entity_type, toString(day >= toDate(@cur_from)) AS c, countMerge(mentions), uniqUpToMerge(" + itoa(authorsUpTo) + ")(authors_k), sumMerge(sentiment_sum)" +
			" FROM " + q.db + ".q_entity_day WHERE " + w.sql() + " GROUP BY topic, entity, entity_type, c"
	} else {
		if len(f.Topics) > 0 {
			w.in("et", "topics", f.Topics)
		} else {
			w.add("et != ''")
		}
		w.add("created_at >= toDateTime(@from, 'UTC') AND created_at < toDateTime(@to, 'UTC')", clickhouse.Named("from", day(prev.From)+" 00:00:00"), clickhouse.Named("to", day(f.To)+" 00:00:00"))
		postFilters(w, f, "es")
		if len(f.Themes) > 0 {
			w.add("arrayExists((t, h) -> t = et AND has(@themes_arr, h), m_topic, m_theme)", clickhouse.Named("themes_arr", f.Themes))
		}
		sql = "SELECT et, ee, ey, toString(toDate(created_at) >= toDate(@cur_from)) AS c, count(), uniqUpTo(" + itoa(authorsUpTo) + ")(author_pseudonym), sum(toFloat64(es))" +
			" FROM " + q.db + ".posts ARRAY JOIN e_topic AS et, e_entity AS ee, e_type AS ey, e_sentiment AS es WHERE " + w.sql() +
			" GROUP BY et, ee, ey, c"
	}
	gs, err := q.scanGroups(ctx, 4, sql, append(w.args, clickhouse.Named("cur_from", day(f.From)))...)
	if err != nil {
		return nil, err
	}
	return byPeriod(gs), nil
}

// postFilters adds the source/lang/sentiment filters for a posts drill-down;
// sentCol is the sentiment column to filter on ("": the caller filters
// sentiment itself).
func postFilters(w *where, f Filter, sentCol string) {
	if len(f.Sources) > 0 {
		w.in("source", "sources", f.Sources)
	}
	if len(f.Langs) > 0 {
		w.in("lang", "langs", f.Langs)
	}
	if f.Sentiment != "" && sentCol != "" {
		w.add(sentimentCond(sentCol, f.Sentiment))
	}
}

// ---- share of voice ----

// SOVRequest compares topics side by side.
type SOVRequest struct {
	Filter Filter
	// Authors adds each topic's distinct authors (uniqHLL12 sketches, one
	// per topic and day or week: the bulk of the query's cost). Without it
	// the k-anonymity check counts authors only up to 16.
	Authors bool
}

// ParseSOV validates the parameters of GET /api/v1/sov.
func ParseSOV(v url.Values, now time.Time) (SOVRequest, error) {
	p, err := newParams(v, now, "authors")
	if err != nil {
		return SOVRequest{}, err
	}
	f, err2 := p.filter(false)
	err = err2
	if err != nil {
		return SOVRequest{}, err
	}
	if len(f.Themes) > 1 {
		return SOVRequest{}, bad("theme", f.Themes[0]+","+f.Themes[1], "at most one theme: share of voice within that theme")
	}
	au, err := p.flag("authors")
	if err != nil {
		return SOVRequest{}, err
	}
	return SOVRequest{Filter: f, Authors: au}, nil
}

// SOVRow is one topic: its volume, its share of the listed topics' total
// volume (share of voice) and its theme mix.
type SOVRow struct {
	Topic string `json:"topic"`
	Posts uint64 `json:"posts"`
	// Authors is set only when the request asks for it (SOVRequest.Authors).
	Authors      uint64     `json:"authors,omitempty"`
	AvgSentiment float64    `json:"avg_sentiment"`
	Share        float64    `json:"share"`
	Themes       []SOVTheme `json:"themes"`
}

// SOVTheme is one cell of a topic's theme mix: posts, share of the
// topic's volume and average sentiment (distinct authors are given per
// topic; per cell they would cost one author sketch per topic x theme x
// day, /api/v1/themes has them).
type SOVTheme struct {
	Theme        string  `json:"theme"`
	Posts        uint64  `json:"posts"`
	Share        float64 `json:"share"`
	AvgSentiment float64 `json:"avg_sentiment"`
}

// SOVResult is the share-of-voice comparison, largest topic first.
type SOVResult struct {
	Period     Period   `json:"period"`
	Theme      string   `json:"theme,omitempty"`
	Total      uint64   `json:"total"`
	Rows       []SOVRow `json:"rows"`
	Suppressed int      `json:"suppressed"`
	Truncated  bool     `json:"truncated"`
	MinAuthors int      `json:"min_authors"`
}

// SOV returns share of voice and the theme mix of each topic (all topics
// when the filter names none). With one theme, volume and shares are those
// of that theme.
func (q *Querier) SOV(ctx context.Context, r SOVRequest) (SOVResult, error) {
	f := r.Filter
	res := SOVResult{Period: periodOf(f), Rows: []SOVRow{}, MinAuthors: q.opts.MinAuthors}
	themes := allThemes(Filter{})
	volTheme := ""
	if len(f.Themes) == 1 {
		volTheme = f.Themes[0]
		res.Theme = volTheme
		themes = []string{volTheme}
	}
	// Distinct authors per topic (the volume rows), when asked for, merge
	// author sketches in a query of their own; everything else needs only
	// the k check.
	var gs []group
	if r.Authors {
		vols, err := q.groups(ctx, withAuthors, []string{keyTopic, keyTheme}, f, f.From, f.To, []string{volTheme})
		if err != nil {
			return res, err
		}
		gs = vols
		themes = themes[1:]
	}
	if len(themes) > 0 {
		more, err := q.groups(ctx, kOnly, []string{keyTopic, keyTheme}, f, f.From, f.To, themes)
		if err != nil {
			return res, err
		}
		gs = append(gs, more...)
	}
	rows := map[string]*SOVRow{}
	for _, g := range gs {
		if g.keys[1] != volTheme {
			continue
		}
		if q.small(g.authors) {
			res.Suppressed++
			continue
		}
		st := statsOf(g)
		row := &SOVRow{Topic: g.keys[0], Posts: st.Posts, AvgSentiment: st.AvgSentiment, Themes: []SOVTheme{}}
		if r.Authors {
			row.Authors = st.Authors
		}
		rows[g.keys[0]] = row
		res.Total += g.posts
	}
	if volTheme == "" {
		for _, g := range gs {
			row := rows[g.keys[0]]
			if row == nil || g.keys[1] == "" {
				continue
			}
			if q.small(g.authors) {
				res.Suppressed++
				continue
			}
			row.Themes = append(row.Themes, SOVTheme{Theme: g.keys[1], Posts: g.posts, Share: round(float64(g.posts)/float64(row.Posts), 4), AvgSentiment: g.avg()})
		}
	}
	for _, row := range rows {
		if res.Total > 0 {
			row.Share = round(float64(row.Posts)/float64(res.Total), 4)
		}
		sort.Slice(row.Themes, func(i, j int) bool { return themeOrder(row.Themes[i].Theme) < themeOrder(row.Themes[j].Theme) })
		res.Rows = append(res.Rows, *row)
	}
	sort.Slice(res.Rows, func(i, j int) bool {
		if res.Rows[i].Posts != res.Rows[j].Posts {
			return res.Rows[i].Posts > res.Rows[j].Posts
		}
		return res.Rows[i].Topic < res.Rows[j].Topic
	})
	if len(res.Rows) > q.opts.MaxRows {
		res.Rows, res.Truncated = res.Rows[:q.opts.MaxRows], true
	}
	return res, nil
}
