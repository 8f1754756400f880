package query

import (
	"context"
	"math"
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

// TermsSample is the default bound on the posts the drivers analysis
// reads per side (topic x theme, and the topic baseline): the most recent
// ones, read from q_theme_posts (sorted by topic, theme, created_at).
// Options.DriversSample overrides it.
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
	// ThemeSample and TopicSample are the posts the analysis read on each
	// side: the most recent min(posts, the sample bound) of each.
	ThemeSample uint64 `json:"theme_sample"`
	TopicSample uint64 `json:"topic_sample"`
	// AuthorsUpTo, when set, bounds the rows' Authors: exact up to it,
	// and AuthorsUpTo+1 means more (exact counts read from the daily
	// aggregate keep only the k check's author states). Unset, Authors
	// are the distinct authors of the sample.
	AuthorsUpTo int `json:"authors_up_to,omitempty"`
	Suppressed  int `json:"suppressed"`
	MinAuthors  int `json:"min_authors"`
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
	gs, err := q.groups(ctx, kOnly, []string{keyTheme}, base, f.From, f.To, []string{"", theme})
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
	cs, n1, n, err := q.driverCounts(ctx, r, &res)
	if err != nil {
		return res, err
	}
	var ents, terms []driverCount
	for _, c := range cs {
		// Item names carry their kind: 'e' entity, 't' term.
		kind := c.name[0]
		c.name = c.name[1:]
		if kind == 't' {
			c.typ = ""
			terms = append(terms, c)
		} else {
			ents = append(ents, c)
		}
	}
	if r.Kind != "terms" {
		res.Entities = q.rankDrivers(ents, n1, n, r, &res)
	}
	if r.Kind != "entities" {
		res.Terms = q.rankDrivers(terms, n1, n, r, &res)
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

// recentWindow narrows f's period to its last hours that should hold
// sample of a group's posts at slack times the group's average hourly
// rate, plus an hour, so a sample reads only those hours. A group that
// fits in the sample, or slack <= 0, keeps the whole period.
func recentWindow(f Filter, posts uint64, sample int, slack float64) Filter {
	hours := f.To.Sub(f.From).Hours()
	if posts <= uint64(sample) || slack <= 0 || hours <= 1 {
		return f
	}
	need := math.Ceil(slack*float64(sample)*hours/float64(posts)) + 1
	if need < hours {
		f.From = f.To.Add(-time.Duration(need) * time.Hour)
	}
	return f
}

// recentRows returns a FROM source: the columns cols of the most recent n
// rows of (topic, theme) in q_theme_posts within f's period and filters
// (ties at the oldest second broken by post_id, so a request always reads
// the same sample), with its arguments named with prefix. posts is the
// group's size, used to narrow the hours scanned (recentWindow with
// slack). One ORDER BY ... LIMIT
// over the narrowed window reads less than finding the cut-off second in a
// subquery first and then the wide columns from there (measured: 12-18 ms
// against 19-26 for a 5,000-post side on 10 million posts).
func (q *Querier) recentRows(f Filter, theme string, posts uint64, n int, slack float64, prefix, cols string) (string, []any) {
	win := recentWindow(f, posts, n, slack)
	w := &where{}
	w.add("topic = @"+prefix+"topic AND theme = @"+prefix+"theme", clickhouse.Named(prefix+"topic", f.Topics[0]), clickhouse.Named(prefix+"theme", theme))
	w.add("created_at >= toDateTime(@"+prefix+"from, 'UTC') AND created_at < toDateTime(@"+prefix+"to, 'UTC')",
		clickhouse.Named(prefix+"from", win.From.UTC().Format("2006-01-02 15:00:00")), clickhouse.Named(prefix+"to", day(f.To)+" 00:00:00"))
	if len(f.Sources) > 0 {
		w.in("source", prefix+"sources", f.Sources)
	}
	if len(f.Langs) > 0 {
		w.in("lang", prefix+"langs", f.Langs)
	}
	if f.Sentiment != "" {
		w.add(sentimentCond("sentiment", f.Sentiment))
	}
	src := "(SELECT " + cols + " FROM " + q.db + ".q_theme_posts WHERE " + w.sql()
	if posts > uint64(n) {
		src += " ORDER BY created_at DESC, post_id DESC LIMIT " + itoa(n)
	}
	return src + ")", w.args
}

// driverCounts counts the entities and terms of the topic x theme and of
// the whole topic. From q_driver_day, with one kind of filter (source,
// lang or sentiment) q_driver_dims, with several q_driver_combo
// (driverDays: exact, the whole period), when the table covers the period
// and query.drivers is aggregate; otherwise in one pass over
// the two samples of q_theme_posts
// (side 1: the most recent TermsSample posts of the topic x theme, side
// 0: of the whole topic), every entity and term of the posts: posts per
// side and distinct authors on side 1 (uniq: exact for the sample's few
// thousand authors but for 32-bit hash collisions, and several times
// cheaper than uniqExact per term). It returns them with the sample
// sizes n1 (side 1) and n (side 0).
func (q *Querier) driverCounts(ctx context.Context, r DriversRequest, res *DriversResult) ([]driverCount, int, int, error) {
	f := r.Filter
	_, _, one := f.dimension()
	tables := !f.byPost() || (one && !q.opts.NoDriverDims) || (!one && !q.opts.NoDriverCombo)
	if tables && !q.opts.DriversSampled {
		out, n1, n, err := q.driverDays(ctx, r)
		if err != nil {
			return nil, 0, 0, err
		}
		// The table covers the period when its group sizes are the
		// groups' (it is not backfilled: see migration 0012).
		if uint64(n1) == res.ThemePosts && uint64(n) == res.TopicPosts {
			res.ThemeSample, res.TopicSample = res.ThemePosts, res.TopicPosts
			res.AuthorsUpTo = authorsUpTo
			return out, n1, n, nil
		}
	}
	sample := uint64(q.opts.DriversSample)
	res.Sampled = res.ThemePosts > sample || res.TopicPosts > sample
	res.TermsSampled = res.Sampled
	// Each side reads its sample's authors, the topic's entities and the
	// distinct words of 4+ letters (q_theme_posts.terms, computed at insert;
	// stopwords are dropped from the result, not per word in SQL). items: '#' once per
	// post (the sample size), 'e'+name per entity, 't'+term per word;
	// types runs parallel (the entity type, '' for the others).
	ents, entTypes := "entities", "entity_types"
	if r.Kind == "terms" {
		ents, entTypes = "emptyArrayString()", "emptyArrayString()"
	}
	terms := "emptyArrayString()"
	if r.Kind != "entities" {
		terms = "terms"
	}
	cols := "author_pseudonym, " + ents + " AS ents, " + entTypes + " AS etypes, " + terms + " AS tms"
	// The samples are first read from the last hours that hold them at
	// 1.25 times the group's average rate; when a side comes back short
	// (recent hours quieter than the period's average) the statement runs
	// again over the whole period, so a side always is the most recent
	// min(posts, TermsSample) posts.
	out, n1, n, err := q.driverSample(ctx, r, f, res, cols, samplingSlack)
	if err == nil && (uint64(n1) < min(res.ThemePosts, sample) || uint64(n) < min(res.TopicPosts, sample)) {
		out, n1, n, err = q.driverSample(ctx, r, f, res, cols, 0)
	}
	res.ThemeSample, res.TopicSample = uint64(n1), uint64(n)
	return out, n1, n, err
}

// authorsUpTo is the bound of the uniqUpTo author states of the aggregate
// tables (authors_k, migrations 0010-0012) and of every k-only author
// count: counts are exact up to it, and authorsUpTo+1 means more.
const authorsUpTo = 16

// driverDays counts every entity and term of the topic x theme (side 1)
// and of the whole topic (side 0) over the period from q_driver_day
// (migration 0012), q_driver_dims (0013: the same per source, per lang
// and per sentiment label) for f's one kind of filter, or q_driver_combo
// (0015: per combination of the three) for several: exact post counts,
// distinct authors on side 1 up to
// authorsUpTo (the k check). It returns them with the two groups' sizes as
// the table holds them (its '#' item), which the caller compares with the
// groups' to know whether the table covers the period.
func (q *Querier) driverDays(ctx context.Context, r DriversRequest) ([]driverCount, int, int, error) {
	f := r.Filter
	w := &where{}
	w.add("topic = @topic AND (theme = '' OR theme = @theme)", clickhouse.Named("topic", f.Topics[0]), clickhouse.Named("theme", f.Themes[0]))
	w.add("day >= toDate(@from) AND day < toDate(@to)", clickhouse.Named("from", day(f.From)), clickhouse.Named("to", day(f.To)))
	table := "q_driver_day"
	if dim, vals, one := f.dimension(); one {
		table = "q_driver_dims"
		w.add("dim = " + itoa(dim))
		w.in("value", "values", vals)
	} else if f.byPost() {
		// Two or three kinds: the table has their rows (comboHas).
		table = "q_driver_combo"
		comboRows(w, f, nil)
	}
	switch r.Kind {
	case "entities":
		w.add("substring(item, 1, 1) IN ('#', 'e')")
	case "terms":
		w.add("substring(item, 1, 1) IN ('#', 't')")
	}
	sql := "SELECT item, any(item_type), countMergeIf(posts, theme = @theme) AS a, countMergeIf(posts, theme = '')," +
		" uniqUpToMergeIf(" + itoa(authorsUpTo) + ")(authors_k, theme = @theme) FROM " + q.db + "." + table + " WHERE " + w.sql() +
		" GROUP BY item HAVING a >= @min_count OR item = '#'"
	all, err := q.scanDrivers(ctx, sql, append(w.args, clickhouse.Named("min_count", r.MinCount)), true)
	if err != nil {
		return nil, 0, 0, err
	}
	out, n1, n := driverItems(all)
	return out, n1, n, nil
}

// recentWindow's slack for the drivers samples, which are re-read over the
// whole period when short, and for the quote candidates, which are not.
const (
	samplingSlack = 1.25
	quotesSlack   = 2
)

// driverSample runs driverCounts' statement with the samples' window
// narrowed by slack (0: the whole period).
func (q *Querier) driverSample(ctx context.Context, r DriversRequest, f Filter, res *DriversResult, cols string, slack float64) ([]driverCount, int, int, error) {
	s1, a1 := q.recentRows(f, f.Themes[0], res.ThemePosts, q.opts.DriversSample, slack, "t_", cols)
	s0, a0 := q.recentRows(f, "", res.TopicPosts, q.opts.DriversSample, slack, "b_", cols)
	side := func(n string, src string) string {
		return "SELECT " + n + " AS side, author_pseudonym, ents, etypes, tms FROM " + src
	}
	sql := "SELECT item, any(typ), sum(side = 1), sum(side = 0), uniqIf(author_pseudonym, side = 1) FROM (" +
		"SELECT side, author_pseudonym, arrayConcat(['#'], arrayMap(e -> concat('e', e), ents), arrayMap(t -> concat('t', t), tms)) AS items," +
		" arrayConcat([''], etypes, arrayMap(t -> '', tms)) AS types FROM (" +
		side("1", s1) + " UNION ALL " + side("0", s0) + ")) ARRAY JOIN items AS item, types AS typ" +
		" GROUP BY item HAVING sum(side = 1) >= @min_count OR item = '#'"
	args := append(append(a1, a0...), clickhouse.Named("min_count", r.MinCount))
	all, err := q.scanDrivers(ctx, sql, args, true)
	if err != nil {
		return nil, 0, 0, err
	}
	out, n1, n := driverItems(all)
	return out, n1, n, nil
}

// driverItems splits counted items into the group sizes (item '#': n1 on
// side 1, n on side 0) and the entities and terms, less the stopwords.
func driverItems(all []driverCount) ([]driverCount, int, int) {
	var out []driverCount
	var n1, n int
	for _, c := range all {
		switch {
		case c.name == "#":
			n1, n = int(c.a), int(c.b)
		case len(c.name) > 1 && !(c.name[0] == 't' && stop[c.name[1:]]):
			out = append(out, c)
		}
	}
	return out, n1, n
}

// stop holds the stopwords, which are left out of the terms analysis.
var stop = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range stopwords {
		m[w] = true
	}
	return m
}()

var stopwords = strings.Fields(`about above after again against also been before being below between both
could does doing down during each even from further have having here hers herself himself
into itself just like more most much must myself only other ours ourselves over really same
should some such than that their theirs them themselves then there these they this those through
under until very want were what when where which while whom will with would your yours yourself
yourselves because still again thing things anyone anything someone something every everyone`)

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
// sentiment first. Both pick among the QuoteCandidates most recent posts
// (read from q_theme_posts, migration 0010).
func (q *Querier) Quotes(ctx context.Context, r QuotesRequest) (QuotesResult, error) {
	f := r.Filter
	topic, theme := f.Topics[0], f.Themes[0]
	res := QuotesResult{Topic: topic, Theme: theme, Period: periodOf(f), Order: r.Order, Quotes: []Quote{}, MinAuthors: q.opts.MinAuthors}
	gs, err := q.groups(ctx, kOnly, []string{keyTheme}, f, f.From, f.To, []string{theme})
	if err != nil || len(gs) == 0 {
		return res, err
	}
	if gs[0].authors < uint64(q.opts.MinAuthors) {
		res.Suppressed = true
		return res, nil
	}
	// Candidates are the QuoteCandidates most recent posts of the group in
	// q_theme_posts (sorted by topic, theme, created_at): a contiguous
	// range at the end of the group. Typical quotes are the most typical
	// among those recent candidates.
	src, args := q.recentRows(f, theme, gs[0].posts, QuoteCandidates, quotesSlack, "", "text, source, lang, created_at, sentiment")
	order := "last DESC"
	if r.Order == "typical" {
		order = "abs(s - @avg) ASC, similar DESC, last DESC"
	}
	args = append(args, clickhouse.Named("avg", gs[0].avg()), clickhouse.Named("per_source", (r.Limit+1)/2),
		clickhouse.Named("limit", r.Limit))
	sql := "SELECT any(text), any(source) AS src, any(lang), toString(toDate(max(created_at))) AS d, avg(sentiment) AS s, count() AS similar, max(created_at) AS last" +
		" FROM " + src +
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
