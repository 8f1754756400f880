package query

import (
	"context"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/undertone/undertone/post"
)

// ---- drivers ----

// DriversRequest asks what is over-represented in one topic x theme.
type DriversRequest struct {
	Filter   Filter // exactly one topic and one theme
	Kind     string // entities, terms or both
	MinCount int
	Limit    int
}

// TermsSample bounds the posts the drivers analysis reads per side (topic
// x theme, and the topic baseline): the most recent ones, picked from the
// mentions fact table (sorted by topic, theme, day) so the posts table is
// read only for those posts.
const TermsSample = 5000

// ParseDrivers validates the parameters of GET /api/v1/drivers.
func ParseDrivers(v url.Values, now time.Time, maxRows int) (DriversRequest, error) {
	p, err := newParams(v, now, "kind", "min_count", "limit")
	if err != nil {
		return DriversRequest{}, err
	}
	f, err2 := p.filter(true)
	err = err2
	if err != nil {
		return DriversRequest{}, err
	}
	if len(f.Themes) != 1 {
		return DriversRequest{}, bad("theme", strings.Join(f.Themes, ","), "exactly one theme: "+strings.Join(post.Themes[:], ", "))
	}
	r := DriversRequest{Filter: f}
	if r.Kind, err = p.enum("kind", []string{"both", "entities", "terms"}, "both"); err != nil {
		return r, err
	}
	if r.MinCount, err = p.intIn("min_count", 5, 1, 1_000_000); err != nil {
		return r, err
	}
	if r.Limit, err = p.intIn("limit", 20, 1, min(maxRows, 1000)); err != nil {
		return r, err
	}
	return r, nil
}

// DriverRow is one entity or term: Count posts in the topic x theme mention
// it, Baseline posts in the whole topic do. Lift is
// (Count/ThemePosts)/(Baseline/TopicPosts); Z and P test the theme's rate
// against the rest of the topic.
type DriverRow struct {
	Name     string  `json:"name"`
	Type     string  `json:"type,omitempty"`
	Count    uint64  `json:"count"`
	Baseline uint64  `json:"baseline"`
	Authors  uint64  `json:"authors"`
	Lift     float64 `json:"lift"`
	Z        float64 `json:"z"`
	P        float64 `json:"p"`
}

// DriversResult lists the drivers of a topic x theme, highest lift first.
type DriversResult struct {
	Topic      string      `json:"topic"`
	Theme      string      `json:"theme"`
	Period     Period      `json:"period"`
	ThemePosts uint64      `json:"theme_posts"`
	TopicPosts uint64      `json:"topic_posts"`
	Entities   []DriverRow `json:"entities"`
	Terms      []DriverRow `json:"terms"`
	// Sampled is true when the analysis read only the most recent
	// TermsSample posts of a side (the topic x theme, or the topic);
	// TermsSampled is the same flag under its first name.
	Sampled      bool `json:"sampled"`
	TermsSampled bool `json:"terms_sampled"`
	Suppressed   int  `json:"suppressed"`
	MinAuthors   int  `json:"min_authors"`
}

// Drivers returns the entities and terms most over-represented in a topic x
// theme compared with the topic as a whole. It drills down into posts for
// the period.
func (q *Querier) Drivers(ctx context.Context, r DriversRequest) (DriversResult, error) {
	f := r.Filter
	topic, theme := f.Topics[0], f.Themes[0]
	res := DriversResult{Topic: topic, Theme: theme, Period: periodOf(f), Entities: []DriverRow{}, Terms: []DriverRow{}, MinAuthors: q.opts.MinAuthors}
	base := f
	base.Themes = nil
	gs, err := q.groups(ctx, []string{keyTheme}, base, f.From, f.To, []string{"", theme})
	if err != nil {
		return res, err
	}
	var vol, th group
	for _, g := range gs {
		if g.keys[0] == "" {
			vol = g
		} else {
			th = g
		}
	}
	if th.posts == 0 || q.small(vol.authors) || q.small(th.authors) {
		if th.posts > 0 {
			res.Suppressed = 1
		}
		return res, nil
	}
	res.ThemePosts, res.TopicPosts = th.posts, vol.posts
	if r.Kind != "terms" {
		if res.Entities, err = q.driverEntities(ctx, r, &res); err != nil {
			return res, err
		}
	}
	if r.Kind != "entities" {
		if res.Terms, err = q.driverTerms(ctx, r, &res); err != nil {
			return res, err
		}
	}
	return res, nil
}

type driverCount struct {
	name, typ   string
	a, b, authA uint64
}

func (q *Querier) rankDrivers(cs []driverCount, n1, n int, r DriversRequest, res *DriversResult) []DriverRow {
	out := []DriverRow{}
	for _, c := range cs {
		if c.a < uint64(r.MinCount) {
			continue
		}
		if q.small(c.authA) {
			res.Suppressed++
			continue
		}
		l := lift(float64(c.a), float64(n1), float64(c.b), float64(n))
		if l <= 1 {
			continue
		}
		// Exact counts: the theme's posts are a subset of the topic's, so
		// test the theme against the rest of the topic. Sampled: the two
		// samples are drawn separately, so test one against the other.
		var z, p float64
		if res.Sampled {
			z, p = TwoProportionZ(float64(c.a), float64(n1), float64(c.b), float64(n))
		} else {
			z, p = TwoProportionZ(float64(c.a), float64(n1), float64(c.b-c.a), float64(n-n1))
		}
		out = append(out, DriverRow{Name: c.name, Type: c.typ, Count: c.a, Baseline: c.b, Authors: c.authA, Lift: round(l, 3), Z: round(z, 3), P: p})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Lift != out[j].Lift {
			return out[i].Lift > out[j].Lift
		}
		return out[i].Name < out[j].Name
	})
	if len(out) > r.Limit {
		out = out[:r.Limit]
	}
	return out
}

// sampleIDs is a subquery with the post ids of the most recent
// TermsSample mentions of (topic, theme) in the period with the filter;
// theme "" is the topic's whole volume. Its args are named with prefix.
func (q *Querier) sampleIDs(f Filter, theme, prefix string) (string, []any) {
	w := &where{}
	w.add("topic = @"+prefix+"topic AND theme = @"+prefix+"theme", clickhouse.Named(prefix+"topic", f.Topics[0]), clickhouse.Named(prefix+"theme", theme))
	w.add("day >= toDate(@"+prefix+"from) AND day < toDate(@"+prefix+"to)", clickhouse.Named(prefix+"from", day(f.From)), clickhouse.Named(prefix+"to", day(f.To)))
	if len(f.Sources) > 0 {
		w.add("source IN @"+prefix+"sources", clickhouse.Named(prefix+"sources", set(f.Sources)))
	}
	if len(f.Langs) > 0 {
		w.add("lang IN @"+prefix+"langs", clickhouse.Named(prefix+"langs", set(f.Langs)))
	}
	if f.Sentiment != "" {
		w.add(sentimentCond("sentiment", f.Sentiment))
	}
	return "SELECT post_id, created_at FROM " + q.db + ".mentions WHERE " + w.sql() + " ORDER BY created_at DESC LIMIT " + itoa(TermsSample), w.args
}

// recentWindow narrows f's period to the last days that should hold
// TermsSample of a group's posts (twice the average daily rate needs, plus
// a day), so the sample reads only those days of mentions. A group that
// fits in the sample keeps the whole period.
func recentWindow(f Filter, posts uint64) Filter {
	days := f.Days()
	if posts <= TermsSample || days <= 1 {
		return f
	}
	need := int(2*uint64(TermsSample)*uint64(days)/posts) + 1
	if need < days {
		f.From = f.To.AddDate(0, 0, -need)
	}
	return f
}

// sampled returns SQL reading posts of both samples: side 1 is the topic x
// theme, side 0 the topic. cols are the posts columns to read.
func (q *Querier) sampled(f Filter, cols string, themePosts, topicPosts uint64) (string, []any) {
	s1, a1 := q.sampleIDs(recentWindow(f, themePosts), f.Themes[0], "t_")
	s0, a0 := q.sampleIDs(recentWindow(f, topicPosts), "", "b_")
	side := func(n int, sub string) string {
		// The created_at bound lets the posts primary key (day first) skip
		// everything older than the sample.
		return "SELECT " + itoa(n) + " AS side, " + cols + " FROM " + q.db + ".posts WHERE created_at >= (SELECT min(created_at) FROM (" + sub + ")) AND created_at < toDateTime(@to_ts, 'UTC') AND post_id IN (SELECT post_id FROM (" + sub + "))"
	}
	args := append(append(a1, a0...), clickhouse.Named("to_ts", day(f.To)+" 00:00:00"))
	return side(1, s1) + " UNION ALL " + side(0, s0), args
}

func (q *Querier) driverEntities(ctx context.Context, r DriversRequest, res *DriversResult) ([]DriverRow, error) {
	inner, args := q.sampled(r.Filter, "author_pseudonym, e_topic, e_entity, e_type", res.ThemePosts, res.TopicPosts)
	sql := "SELECT ee, any(ey), sum(side = 1), sum(side = 0), uniqExactIf(author_pseudonym, side = 1) FROM (" + inner + ")" +
		" ARRAY JOIN e_topic AS et, e_entity AS ee, e_type AS ey WHERE et = @topic GROUP BY ee"
	cs, err := q.scanDrivers(ctx, sql, append(args, clickhouse.Named("topic", r.Filter.Topics[0])), true)
	if err != nil {
		return nil, err
	}
	n1, n, err := q.sampleSizes(ctx, r.Filter, res)
	if err != nil {
		return nil, err
	}
	return q.rankDrivers(cs, n1, n, r, res), nil
}

// sampleSizes returns the posts each side of the sample holds: the group
// sizes when they fit in TermsSample, else the counted sample (the recent
// window may hold fewer than TermsSample).
func (q *Querier) sampleSizes(ctx context.Context, f Filter, res *DriversResult) (n1, n int, err error) {
	n1 = min(int(res.ThemePosts), TermsSample)
	n = min(int(res.TopicPosts), TermsSample)
	res.Sampled = int(res.ThemePosts) > TermsSample || int(res.TopicPosts) > TermsSample
	res.TermsSampled = res.Sampled
	if !res.Sampled {
		return n1, n, nil
	}
	s1, a1 := q.sampleIDs(recentWindow(f, res.ThemePosts), f.Themes[0], "t_")
	s0, a0 := q.sampleIDs(recentWindow(f, res.TopicPosts), "", "b_")
	qctx, cancel := q.ctx(ctx)
	defer cancel()
	var c1, c0 uint64
	if err := q.conn.QueryRow(qctx, "SELECT (SELECT count() FROM ("+s1+")), (SELECT count() FROM ("+s0+"))", append(a1, a0...)...).Scan(&c1, &c0); err != nil {
		return 0, 0, q.classify(qctx, err)
	}
	return int(c1), int(c0), nil
}

// stopwords are left out of the terms analysis.
var stopwords = strings.Fields(`about above after again against also been before being below between both
could does doing down during each even from further have having here hers herself himself
into itself just like more most much must myself only other ours ourselves over really same
should some such than that their theirs them themselves then there these they this those through
under until very want were what when where which while whom will with would your yours yourself
yourselves because still again thing things anyone anything someone something every everyone`)

func (q *Querier) driverTerms(ctx context.Context, r DriversRequest, res *DriversResult) ([]DriverRow, error) {
	inner, args := q.sampled(r.Filter, "author_pseudonym, arrayDistinct(extractAll(lowerUTF8(text), '\\\\p{L}{4,}')) AS terms", res.ThemePosts, res.TopicPosts)
	sql := "SELECT term, sum(side = 1), sum(side = 0), uniqExactIf(author_pseudonym, side = 1) FROM (" + inner + ")" +
		" ARRAY JOIN terms AS term WHERE NOT has(@stop, term) GROUP BY term HAVING sum(side = 1) >= @min_count"
	args = append(args, clickhouse.Named("stop", stopwords), clickhouse.Named("min_count", r.MinCount))
	cs, err := q.scanDrivers(ctx, sql, args, false)
	if err != nil {
		return nil, err
	}
	n1, n, err := q.sampleSizes(ctx, r.Filter, res)
	if err != nil {
		return nil, err
	}
	return q.rankDrivers(cs, n1, n, r, res), nil
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	if n == 0 {
		return "0"
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

func (q *Querier) scanDrivers(ctx context.Context, sql string, args []any, typed bool) ([]driverCount, error) {
	ctx, cancel := q.ctx(ctx)
	defer cancel()
	rows, err := q.conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, q.classify(ctx, err)
	}
	defer rows.Close()
	var out []driverCount
	for rows.Next() {
		var c driverCount
		var err error
		if typed {
			err = rows.Scan(&c.name, &c.typ, &c.a, &c.b, &c.authA)
		} else {
			err = rows.Scan(&c.name, &c.a, &c.b, &c.authA)
		}
		if err != nil {
			return nil, q.classify(ctx, err)
		}
		out = append(out, c)
	}
	return out, q.classify(ctx, rows.Err())
}

// ---- quotes ----

// QuotesRequest asks for representative posts of one topic x theme.
type QuotesRequest struct {
	Filter Filter // exactly one topic and one theme
	Order  string // recent or typical
	Limit  int
}

// MaxQuotes caps the quotes one request returns.
const MaxQuotes = 50

// QuoteCandidates is how many posts of the topic x theme quotes reads to
// pick from (after collapsing near-duplicates and capping per source).
const QuoteCandidates = 500

// ParseQuotes validates the parameters of GET /api/v1/quotes.
func ParseQuotes(v url.Values, now time.Time) (QuotesRequest, error) {
	p, err := newParams(v, now, "order", "limit")
	if err != nil {
		return QuotesRequest{}, err
	}
	f, err2 := p.filter(true)
	err = err2
	if err != nil {
		return QuotesRequest{}, err
	}
	if len(f.Themes) != 1 {
		return QuotesRequest{}, bad("theme", strings.Join(f.Themes, ","), "exactly one theme: "+strings.Join(post.Themes[:], ", "))
	}
	r := QuotesRequest{Filter: f}
	if r.Order, err = p.enum("order", []string{"recent", "typical"}, "recent"); err != nil {
		return r, err
	}
	if r.Limit, err = p.intIn("limit", 5, 1, MaxQuotes); err != nil {
		return r, err
	}
	return r, nil
}

// Quote is one representative anonymized post. Day is the UTC day it was
// written; Similar counts the near-duplicates collapsed into it.
type Quote struct {
	Text      string  `json:"text"`
	Source    string  `json:"source"`
	Lang      string  `json:"lang"`
	Day       string  `json:"day"`
	Sentiment float64 `json:"sentiment"`
	Similar   uint64  `json:"similar"`
}

// QuotesResult holds quotes of a topic x theme.
type QuotesResult struct {
	Topic  string  `json:"topic"`
	Theme  string  `json:"theme"`
	Period Period  `json:"period"`
	Order  string  `json:"order"`
	Quotes []Quote `json:"quotes"`
	// Suppressed is true when the topic x theme group has fewer than
	// MinAuthors distinct authors: no quote is shown.
	Suppressed bool `json:"suppressed"`
	MinAuthors int  `json:"min_authors"`
}

// Quotes returns up to Limit representative posts: near-duplicates
// (same text after lowercasing and dropping everything but letters) are
// collapsed, at most ceil(Limit/2) come from one source, and they are
// ordered most recent first, or (typical) closest to the group's average
// sentiment first. Both pick among the QuoteCandidates most recent posts.
func (q *Querier) Quotes(ctx context.Context, r QuotesRequest) (QuotesResult, error) {
	f := r.Filter
	topic, theme := f.Topics[0], f.Themes[0]
	res := QuotesResult{Topic: topic, Theme: theme, Period: periodOf(f), Order: r.Order, Quotes: []Quote{}, MinAuthors: q.opts.MinAuthors}
	gs, err := q.groups(ctx, []string{keyTheme}, f, f.From, f.To, []string{theme})
	if err != nil || len(gs) == 0 {
		return res, err
	}
	if gs[0].authors < uint64(q.opts.MinAuthors) {
		res.Suppressed = true
		return res, nil
	}
	// Candidates come from the mentions fact table (sorted by topic, theme,
	// day): the QuoteCandidates most recent. Only they are read from posts.
	cw := &where{}
	cw.add("topic = @topic AND theme = @theme", clickhouse.Named("topic", topic), clickhouse.Named("theme", theme))
	cw.add("day >= toDate(@from) AND day < toDate(@to)", clickhouse.Named("from", day(f.From)), clickhouse.Named("to", day(f.To)))
	if len(f.Sources) > 0 {
		cw.add("source IN @sources", clickhouse.Named("sources", set(f.Sources)))
	}
	if len(f.Langs) > 0 {
		cw.add("lang IN @langs", clickhouse.Named("langs", set(f.Langs)))
	}
	if f.Sentiment != "" {
		cw.add(sentimentCond("sentiment", f.Sentiment))
	}
	// Typical quotes are the most typical among the recent candidates: the
	// candidates stay a recent window, so posts is read only there.
	order := "last DESC"
	if r.Order == "typical" {
		order = "abs(s - @avg) ASC, similar DESC, last DESC"
	}
	cand := "SELECT post_id, created_at FROM " + q.db + ".mentions WHERE " + cw.sql() + " ORDER BY created_at DESC LIMIT " + itoa(QuoteCandidates)
	args := append(cw.args, clickhouse.Named("avg", gs[0].avg()), clickhouse.Named("per_source", (r.Limit+1)/2),
		clickhouse.Named("limit", r.Limit), clickhouse.Named("to_ts", day(f.To)+" 00:00:00"))
	// ps is the post's sentiment for this topic (its topic row).
	sql := "SELECT any(text), any(source) AS src, any(lang), toString(toDate(max(created_at))) AS d, avg(ps) AS s, count() AS similar, max(created_at) AS last" +
		" FROM (SELECT text, source, lang, created_at," +
		" arraySum(arrayMap((t, h, s) -> if(t = @topic AND h = '', s, 0), m_topic, m_theme, m_sentiment)) AS ps FROM " + q.db + ".posts" +
		" WHERE created_at >= (SELECT min(created_at) FROM (" + cand + ")) AND created_at < toDateTime(@to_ts, 'UTC')" +
		" AND post_id IN (SELECT post_id FROM (" + cand + ")))" +
		" GROUP BY cityHash64(replaceRegexpAll(lowerUTF8(text), '[^\\\\p{L}]+', ' ')) AS h" +
		" ORDER BY " + order + " LIMIT @per_source BY src LIMIT @limit"
	qctx, cancel := q.ctx(ctx)
	defer cancel()
	rows, err := q.conn.Query(qctx, sql, args...)
	if err != nil {
		return res, q.classify(qctx, err)
	}
	defer rows.Close()
	for rows.Next() {
		var qt Quote
		var s float64
		var last time.Time
		if err := rows.Scan(&qt.Text, &qt.Source, &qt.Lang, &qt.Day, &s, &qt.Similar, &last); err != nil {
			return res, q.classify(qctx, err)
		}
		qt.Sentiment = round(s, 3)
		qt.Text = scrub(qt.Text)
		res.Quotes = append(res.Quotes, qt)
	}
	return res, q.classify(qctx, rows.Err())
}

var (
	handleRE = regexp.MustCompile(`(^|[^\pL\pN_])@[\pL\pN_.]{2,}`)
	urlRE    = regexp.MustCompile(`(?i)\bhttps?://\S+|\bwww\.\S+`)
	emailRE  = regexp.MustCompile(`[\pL\pN._%+-]+@[\pL\pN.-]+\.[\pL]{2,}`)
	digitsRE = regexp.MustCompile(`\+?\d[\d ()-]{7,}\d`)
)

// scrub is a last line of defence on quote text, which ingest already
// anonymized: it masks anything that still looks like an e-mail address,
// handle, URL or phone number.
func scrub(s string) string {
	s = emailRE.ReplaceAllString(s, "[email]")
	s = urlRE.ReplaceAllString(s, "[url]")
	s = handleRE.ReplaceAllString(s, "${1}@user")
	s = digitsRE.ReplaceAllString(s, "[number]")
	return s
}
