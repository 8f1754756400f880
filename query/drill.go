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

// TermsSample bounds the posts the terms analysis tokenizes per side
// (topic x theme, and the topic baseline): the most recent ones.
const TermsSample = 20000

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
	// TermsSampled is true when the terms analysis read only the most
	// recent TermsSample posts per side.
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
		z, p := TwoProportionZ(float64(c.a), float64(n1), float64(c.b-c.a), float64(n-n1))
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

// inThemeCond is true for a post whose topic x theme grain row exists.
const inThemeCond = "arrayExists((t, h) -> t = @topic AND h = @theme, m_topic, m_theme)"

func (q *Querier) drillWhere(f Filter, sentCol string) *where {
	w := &where{}
	w.add("created_at >= toDateTime(@from, 'UTC') AND created_at < toDateTime(@to, 'UTC')",
		clickhouse.Named("from", day(f.From)+" 00:00:00"), clickhouse.Named("to", day(f.To)+" 00:00:00"),
		clickhouse.Named("topic", f.Topics[0]), clickhouse.Named("theme", f.Themes[0]))
	postFilters(w, f, sentCol)
	return w
}

func (q *Querier) driverEntities(ctx context.Context, r DriversRequest, res *DriversResult) ([]DriverRow, error) {
	w := q.drillWhere(r.Filter, "es")
	w.add("has(e_topic, @topic) AND et = @topic")
	sql := "SELECT ee, any(ey), countIf(" + inThemeCond + "), count(), uniqExactIf(author_pseudonym, " + inThemeCond + ")" +
		" FROM " + q.db + ".posts ARRAY JOIN e_topic AS et, e_entity AS ee, e_type AS ey, e_sentiment AS es" +
		" WHERE " + w.sql() + " GROUP BY ee"
	cs, err := q.scanDrivers(ctx, sql, w.args, true)
	if err != nil {
		return nil, err
	}
	return q.rankDrivers(cs, int(res.ThemePosts), int(res.TopicPosts), r, res), nil
}

// stopwords are left out of the terms analysis.
var stopwords = strings.Fields(`about above after again against also been before being below between both
could does doing down during each even from further have having here hers herself himself
into itself just like more most much must myself only other ours ourselves over really same
should some such than that their theirs them themselves then there these they this those through
under until very want were what when where which while whom will with would your yours yourself
yourselves because still again thing things anyone anything someone something every everyone`)

func (q *Querier) driverTerms(ctx context.Context, r DriversRequest, res *DriversResult) ([]DriverRow, error) {
	f := r.Filter
	// The terms analysis tokenizes text, so it reads a bounded sample: the
	// most recent TermsSample posts of the topic x theme and as many of the
	// whole topic, and scales the baseline to the topic's real size.
	wt := q.drillWhere(f, "")
	wt.add("arrayExists((t, h, s) -> t = @topic AND h = @theme AND " + sentimentOr(f.Sentiment, "s") + ", m_topic, m_theme, m_sentiment)")
	wb := q.drillWhere(f, "")
	wb.add("arrayExists((t, h, s) -> t = @topic AND h = '' AND " + sentimentOr(f.Sentiment, "s") + ", m_topic, m_theme, m_sentiment)")
	sample := func(w *where) string {
		return "SELECT post_id, author_pseudonym, arrayDistinct(extractAll(lowerUTF8(text), '\\\\p{L}{4,}')) AS terms FROM " + q.db + ".posts" +
			" WHERE " + w.sql() + " ORDER BY created_at DESC LIMIT " + itoa(TermsSample)
	}
	// w.sql() of both sides use the same named args (from, to, topic,
	// theme, sources, langs), so one argument list serves both.
	sql := "SELECT term, sum(side = 1), sum(side = 0), uniqExactIf(author_pseudonym, side = 1) FROM (" +
		"SELECT 1 AS side, author_pseudonym, terms FROM (" + sample(wt) + ") UNION ALL " +
		"SELECT 0 AS side, author_pseudonym, terms FROM (" + sample(wb) + ")" +
		") ARRAY JOIN terms AS term WHERE NOT has(@stop, term) GROUP BY term HAVING sum(side = 1) >= @min_count"
	args := append(wt.args, clickhouse.Named("stop", stopwords), clickhouse.Named("min_count", r.MinCount))
	cs, err := q.scanDrivers(ctx, sql, args, false)
	if err != nil {
		return nil, err
	}
	n1 := min(int(res.ThemePosts), TermsSample)
	n := min(int(res.TopicPosts), TermsSample)
	res.TermsSampled = int(res.ThemePosts) > TermsSample || int(res.TopicPosts) > TermsSample
	return q.rankDrivers(cs, n1, n, r, res), nil
}

func sentimentOr(label, col string) string {
	if label == "" {
		return "1"
	}
	return sentimentCond(col, label)
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
// sentiment first.
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
	w := q.drillWhere(f, "")
	w.add("arrayExists((t, h, s) -> t = @topic AND h = @theme AND "+sentimentOr(f.Sentiment, "s")+", m_topic, m_theme, m_sentiment)",
		clickhouse.Named("avg", gs[0].avg()), clickhouse.Named("per_source", (r.Limit+1)/2), clickhouse.Named("limit", r.Limit))
	order := "last DESC"
	if r.Order == "typical" {
		order = "abs(s - @avg) ASC, similar DESC, last DESC"
	}
	// ps is the post's sentiment for this topic (its topic row).
	sql := "SELECT any(text), any(source) AS src, any(lang), toString(toDate(max(created_at))) AS d, avg(ps) AS s, count() AS similar, max(created_at) AS last" +
		" FROM (SELECT text, source, lang, created_at," +
		" arraySum(arrayMap((t, h, s) -> if(t = @topic AND h = '', s, 0), m_topic, m_theme, m_sentiment)) AS ps FROM " + q.db + ".posts" +
		" WHERE " + w.sql() + ")" +
		" GROUP BY cityHash64(replaceRegexpAll(lowerUTF8(text), '[^\\\\p{L}]+', ' ')) AS h" +
		" ORDER BY " + order + " LIMIT @per_source BY src LIMIT @limit"
	qctx, cancel := q.ctx(ctx)
	defer cancel()
	rows, err := q.conn.Query(qctx, sql, w.args...)
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
