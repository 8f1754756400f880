// Package query answers the analyst questions (themes, trends, movers,
// drivers, quotes, share of voice) from the ClickHouse aggregate tables,
// falling back to the posts table only for drill-down, and serves them as
// the HTTP API under /api/v1.
//
// Every query is a fixed SQL template: identifiers come from a fixed
// allow-list in this file, and every user-supplied value is a bound
// parameter (clickhouse-go named binding, which quotes and escapes).
// Every group with fewer than Options.MinAuthors distinct authors is
// suppressed before it leaves this package (k-anonymity).
package query

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/undertone/undertone/post"
)

// Options configures a Querier.
type Options struct {
	// Database holds the store's tables (clickhouse.database).
	Database string
	// MinAuthors is k: groups with fewer distinct authors are suppressed
	// (privacy.min_authors).
	MinAuthors int
	// MaxRows caps the rows of any result (query.max_rows).
	MaxRows int
	// Timeout bounds each query (query.timeout); the server also gets
	// max_execution_time.
	Timeout time.Duration
	// ReadOnlySetting sends readonly=2 with every query, so the query path
	// cannot write even when it connects as a writing user. Leave false
	// when the connection user already has a readonly profile (ClickHouse
	// refuses to change readonly there).
	ReadOnlySetting bool
	// DriversSample bounds the posts the drivers analysis reads per side
	// when it samples (default TermsSample).
	DriversSample int
	// DriversSampled makes drivers always sample q_theme_posts instead of
	// counting from q_driver_day (query.drivers: sample).
	DriversSampled bool
	// NoDriverDims makes drivers with one kind of filter (source, lang or
	// sentiment) sample without trying q_driver_dims, and NoDriverCombo
	// those with two or three kinds without trying q_driver_combo: their
	// views are dropped (store.drivers_by_dimension and
	// drivers_by_combination false), so the tables miss recent posts.
	NoDriverDims, NoDriverCombo bool
	// MaxThreads is ClickHouse's max_threads for every query
	// (query.max_threads; 0: the server's default).
	MaxThreads int
	// Settings are extra ClickHouse settings sent with every query (for
	// example log_queries in tests).
	Settings clickhouse.Settings
	// Now is the clock used for default periods; nil means time.Now.
	Now func() time.Time
}

// Querier runs the analyst queries. It is safe for concurrent use.
type Querier struct {
	conn       driver.Conn
	opts       Options
	db         string
	weeks      *coverage // q_theme_week's complete weeks
	combos     *coverage // q_theme_cube's complete days
	comboWeeks *coverage // q_theme_cube_week's complete weeks
}

var identRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]{0,63}$`)

// ErrUnavailable wraps errors reaching or running queries on ClickHouse.
// The HTTP API answers it with 503.
var ErrUnavailable = errors.New("query: clickhouse unavailable")

// ErrTimeout is returned when a query exceeds Options.Timeout (503).
var ErrTimeout = errors.New("query: timed out")

// New returns a Querier over conn. The caller keeps ownership of conn.
func New(conn driver.Conn, opts Options) (*Querier, error) {
	if !identRE.MatchString(opts.Database) {
		return nil, fmt.Errorf("query: database %q: not a plain identifier", opts.Database)
	}
	if opts.MinAuthors < 1 {
		opts.MinAuthors = 1
	}
	if opts.MaxRows <= 0 {
		opts.MaxRows = 10000
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.DriversSample <= 0 {
		opts.DriversSample = TermsSample
	}
	return &Querier{conn: conn, opts: opts, db: "`" + opts.Database + "`", weeks: &coverage{}, combos: &coverage{}, comboWeeks: &coverage{}}, nil
}

// MaxRows is the result cap in force (query.max_rows).
func (q *Querier) MaxRows() int { return q.opts.MaxRows }

// MinAuthors is the k-anonymity threshold in force.
func (q *Querier) MinAuthors() int { return q.opts.MinAuthors }

// Ping checks that ClickHouse answers and the store's tables exist.
func (q *Querier) Ping(ctx context.Context) error {
	ctx, cancel := q.ctx(ctx)
	defer cancel()
	var n uint64
	if err := q.conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = @db AND name IN ('q_theme_dims', 'q_theme_week', 'q_entity_day', 'q_theme_posts', 'q_driver_day', 'q_driver_dims', 'q_driver_combo', 'q_theme_cube', 'q_theme_cube_week', 'mentions', 'posts')",
		clickhouse.Named("db", q.opts.Database)).Scan(&n); err != nil {
		return q.classify(ctx, err)
	}
	if n < 11 { // every table the queries read
		return fmt.Errorf("%w: tables of %s missing (run undertone migrate up)", ErrUnavailable, q.opts.Database)
	}
	return nil
}

func (q *Querier) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	set := clickhouse.Settings{}
	for k, v := range q.opts.Settings {
		set[k] = v
	}
	set["max_execution_time"] = int(q.opts.Timeout.Seconds() + 0.999)
	if q.opts.MaxThreads > 0 {
		set["max_threads"] = q.opts.MaxThreads
	}
	if q.opts.ReadOnlySetting {
		set["readonly"] = 2
	}
	ctx, cancel := context.WithTimeout(ctx, q.opts.Timeout)
	return clickhouse.Context(ctx, clickhouse.WithSettings(set)), cancel
}

// classify maps driver errors to ErrTimeout / ErrUnavailable. Server-side
// exceptions other than timeouts are returned wrapped as they are: they are
// bugs in a template, not user errors.
func (q *Querier) classify(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var ex *clickhouse.Exception
	// The driver sets the socket deadline from ctx, so a slow query can
	// fail with an i/o timeout an instant before ctx reports it.
	deadline, hasDeadline := ctx.Deadline()
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) ||
		(hasDeadline && !time.Now().Before(deadline.Add(-50*time.Millisecond))):
		return fmt.Errorf("%w after %s: %w", ErrTimeout, q.opts.Timeout, err)
	case errors.As(err, &ex) && ex.Code == 159: // TIMEOUT_EXCEEDED
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	case errors.As(err, &ex):
		return fmt.Errorf("query: clickhouse: %w", err)
	case errors.Is(err, context.Canceled):
		return err
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// where accumulates fixed SQL conditions and their named arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return "1"
	}
	return strings.Join(w.conds, " AND ")
}

// in adds "col is one of vals" as equalities joined by OR, each value
// its own bound argument (name0, name1, ...; name for a single value).
// ClickHouse 18.16 analyses the sorting key far better for equalities
// than for IN with a set: on q_theme_combo_week (0014) a source, lang, topic
// filter written with IN read 992 rows in 7 ms of server time, with
// equalities 320 rows in 4 ms (docs/api.md). vals must not be empty
// (MaxListValues bounds them).
func (w *where) in(col, name string, vals []string) {
	if len(vals) == 1 {
		w.add(col+" = @"+name, clickhouse.Named(name, vals[0]))
		return
	}
	or := make([]string, len(vals))
	args := make([]any, len(vals))
	for i, v := range vals {
		n := name + itoa(i)
		or[i] = col + " = @" + n
		args[i] = clickhouse.Named(n, v)
	}
	w.add("("+strings.Join(or, " OR ")+")", args...)
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// sentimentCond is the allow-list of sentiment filter conditions on a
// column holding a score in [-1, 1]. The boundaries match the store's
// sentiment buckets: negative < -0.2 <= neutral <= 0.2 < positive.
func sentimentCond(col, label string) string {
	switch label {
	case "negative":
		return col + " < -0.2"
	case "neutral":
		return "(" + col + " >= -0.2 AND " + col + " <= 0.2)"
	case "positive":
		return col + " > 0.2"
	}
	return "1"
}

// group is one aggregated group: its keys (as strings), post count,
// distinct authors and sentiment sum.
type group struct {
	keys    []string
	posts   uint64
	authors uint64
	ssum    float64
}

func (g group) avg() float64 {
	if g.posts == 0 {
		return 0
	}
	return round(g.ssum/float64(g.posts), 4)
}

// Group keys: the only expressions a grouping query may use.
const (
	keyTopic  = "topic"
	keyTheme  = "theme"
	keyDay    = "day"
	keyWeek   = "toMonday(day)"
	keyIsCurr = "day >= toDate(@cur_from)"
)

// Dimensions of q_theme_dims / q_theme_week (migrations 0010, 0011): each
// (day, topic, theme) has one row for the whole volume and one per source,
// per lang and per sentiment label.
const (
	dimAll       = 0
	dimSource    = 1
	dimLang      = 2
	dimSentiment = 3
)

// metric says which author count a grouping query computes.
type metric int

const (
	// withAuthors: approximate distinct authors (uniqHLL12: exact up to
	// 16, about 1.6% error above), for answers that show them.
	withAuthors metric = iota
	// kOnly: distinct authors counted only up to 16 (uniqUpTo(16)), enough
	// for the k-anonymity check (privacy.min_authors <= 16) and far
	// cheaper: for answers that do not show author counts.
	kOnly
)

// groups aggregates (topic, theme) rows over [from, to) with the filter,
// grouped by keys. It reads the query API's aggregates (migrations 0010,
// 0011): q_theme_dims at the dimension of the filter (the whole volume, one
// source/lang/sentiment dimension, or the key's source/lang), taking full
// ISO weeks from q_theme_week (same dimensions, one row per week) when no
// key needs single days and the weekly table holds those weeks completely
// (weeksComplete), so a 90-day answer merges 18 states per group instead
// of 90. A filter that combines two dimensions (say source and lang)
// reads q_theme_cube (migration 0016: rows per combination of source,
// lang and sentiment label; full weeks from q_theme_cube_week as above)
// when it holds the period (combosComplete), else the mentions fact table. themes restricts theme
// values ("" is the topic's whole volume); no topics means every topic
// except "" (all posts).
func (q *Querier) groups(ctx context.Context, m metric, keys []string, f Filter, from, to time.Time, themes []string, extra ...any) ([]group, error) {
	w := &where{}
	if len(f.Topics) > 0 {
		w.in("topic", "topics", f.Topics)
	} else {
		w.add("topic != ''")
	}
	// Every theme ("" and each of post.Themes) is every row: the tables
	// hold no other theme values, and leaving the condition out saved
	// 5 ms of a 23 ms 90-day themes statement with two kinds of filters.
	if !everyTheme(themes) {
		w.in("theme", "themes", themes)
	}
	// The dimension each filter and key needs.
	dims := map[int][]string{}
	if len(f.Sources) > 0 {
		dims[dimSource] = f.Sources
	}
	if len(f.Langs) > 0 {
		dims[dimLang] = f.Langs
	}
	if f.Sentiment != "" {
		dims[dimSentiment] = []string{f.Sentiment}
	}
	// Keys that need single days read no weekly table. (Movers' keyIsCurr
	// could take the weeks on each side of the current period's start, but
	// measured slower: a 60-day movers statement read 9,800 rows with the
	// weeks, 14.9 ms, against 9.1 ms for the days alone, the granules at
	// the edges of each range outweighing the saved rows.)
	keyDim, daily := -1, false
	for _, k := range keys {
		switch k {
		case keySource:
			keyDim = dimSource
		case keyLang:
			keyDim = dimLang
		case keyDay, keyIsCurr:
			daily = true
		}
	}
	dim := dimAll
	switch {
	case keyDim >= 0 && len(dims) == 0:
		dim = keyDim
	case keyDim >= 0 && len(dims) == 1 && dims[keyDim] != nil:
		dim = keyDim
	case keyDim < 0 && len(dims) <= 1:
		for d := range dims {
			dim = d
		}
	default:
		return q.factGroups(ctx, m, keys, f, from, to, daily, w, extra)
	}
	w.add("dim = " + itoa(dim))
	if vals := dims[dim]; vals != nil {
		w.in("value", "values", vals)
	}
	return q.stateGroups(ctx, m, keys, "value", "q_theme_dims", "q_theme_week", q.weeksComplete, w, from, to, daily, extra)
}

// everyTheme reports whether themes holds "" and each of post.Themes.
func everyTheme(themes []string) bool {
	if !slices.Contains(themes, "") {
		return false
	}
	for _, t := range post.Themes {
		if !slices.Contains(themes, t) {
			return false
		}
	}
	return true
}

// keyColumns returns the SELECT expressions (k0, k1, ...) and the GROUP BY
// names of keys; rename maps a key to the table's column for it (the
// source and lang keys are q_theme_dims' value, q_theme_cube's src and
// lng).
func keyColumns(keys []string, rename map[string]string) (sel, grp []string) {
	sel = make([]string, len(keys))
	grp = make([]string, len(keys))
	for i, k := range keys {
		if col, ok := rename[k]; ok {
			k = col
		}
		sel[i] = "toString(" + k + ") AS k" + strconv.Itoa(i)
		grp[i] = "k" + strconv.Itoa(i)
	}
	return sel, grp
}

// stateGroups is the groups statement over a pair of aggregate tables
// (daily and weekly, periodRows) whose rows carry post_count,
// sentiment_sum and the author states; dims are their dimension columns
// ("value" for q_theme_dims, "src, lng" for q_theme_cube), which the
// source and lang keys read.
func (q *Querier) stateGroups(ctx context.Context, m metric, keys []string, dims, daily, weekly string,
	complete func(context.Context, time.Time, time.Time) (bool, error), w *where, from, to time.Time, byDay bool, extra []any) ([]group, error) {
	rename := map[string]string{keySource: "value", keyLang: "value"}
	if dims != "value" {
		rename = map[string]string{keySource: "src", keyLang: "lng"}
	}
	sel, grp := keyColumns(keys, rename)
	authCol, authMerge := "authors", "uniqHLL12Merge(authors)"
	if m == kOnly {
		authCol, authMerge = "authors_k", "uniqUpToMerge("+itoa(authorsUpTo)+")(authors_k)"
	}
	cols := "topic, theme, " + dims + ", post_count, sentiment_sum, " + authCol
	inner, args, err := q.periodRows(ctx, daily, weekly, complete, cols, w, from, to, byDay)
	if err != nil {
		return nil, err
	}
	sql := "SELECT " + strings.Join(sel, ", ") + ", countMerge(post_count), " + authMerge + ", sumMerge(sentiment_sum)" +
		" FROM (" + inner + ") GROUP BY " + strings.Join(grp, ", ")
	return q.scanGroups(ctx, len(keys), sql, append(args, extra...)...)
}

// spans splits [from, to) into the full ISO weeks inside it and the days
// around them.
func spans(from, to time.Time) (days, weeks [][2]time.Time) {
	ws, we := weekStart(from), weekStart(to.AddDate(0, 0, -6))
	if !ws.Before(we) {
		return [][2]time.Time{{from, to}}, nil
	}
	for _, d := range [][2]time.Time{{from, ws}, {we, to}} {
		if d[0].Before(d[1]) {
			days = append(days, d)
		}
	}
	return days, [][2]time.Time{{ws, we}}
}

// periodRows returns a FROM source: the columns cols (and day) of the
// rows of [from, to) matching w, full ISO weeks (spans) from weekly (its
// week column as day) when no key needs single days and complete says the
// weekly table holds them, the other days from daily.
func (q *Querier) periodRows(ctx context.Context, daily, weekly string, complete func(context.Context, time.Time, time.Time) (bool, error),
	cols string, w *where, from, to time.Time, byDay bool) (string, []any, error) {
	days, weeks := [][2]time.Time{{from, to}}, [][2]time.Time(nil)
	if !byDay {
		days, weeks = spans(from, to)
		for _, wk := range weeks {
			ok, err := complete(ctx, wk[0], wk[1])
			if err != nil {
				return "", nil, err
			}
			if !ok {
				days, weeks = [][2]time.Time{{from, to}}, nil
				break
			}
		}
	}
	args := w.args
	ranges := func(col, prefix string, rs [][2]time.Time) string {
		var or []string
		for i, r := range rs {
			a, b := prefix+itoa(2*i), prefix+itoa(2*i+1)
			or = append(or, "("+col+" >= toDate(@"+a+") AND "+col+" < toDate(@"+b+"))")
			args = append(args, clickhouse.Named(a, day(r[0])), clickhouse.Named(b, day(r[1])))
		}
		return "(" + strings.Join(or, " OR ") + ")"
	}
	var parts []string
	if len(days) > 0 {
		parts = append(parts, "SELECT day, "+cols+" FROM "+q.db+"."+daily+" WHERE "+w.sql()+" AND "+ranges("day", "pd", days))
	}
	if len(weeks) > 0 {
		parts = append(parts, "SELECT week AS day, "+cols+" FROM "+q.db+"."+weekly+" WHERE "+w.sql()+" AND "+ranges("week", "pw", weeks))
	}
	return strings.Join(parts, " UNION ALL "), args, nil
}

// weekStart returns the first Monday on or after t's day, as midnight UTC;
// weekStart(t-6 days) is the last Monday on or before t.
func weekStart(t time.Time) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	off := (int(time.Monday) - int(d.Weekday()) + 7) % 7
	return d.AddDate(0, 0, off)
}

// factGroups is groups for filters that combine dimensions the other
// aggregates keep apart: over q_theme_cube (full ISO weeks from
// q_theme_cube_week unless daily) when it holds the period, else over the
// mentions fact table. Both are exact; mentions is slower (it reads one row
// per post x topic x theme).
func (q *Querier) factGroups(ctx context.Context, m metric, keys []string, f Filter, from, to time.Time, daily bool, w *where, extra []any) ([]group, error) {
	cube, err := q.combosComplete(ctx, from, to)
	if err != nil {
		return nil, err
	}
	if !cube || !comboHas(f, keys) {
		return q.mentionGroups(ctx, m, keys, f, from, to, w, extra)
	}
	comboRows(w, f, keys)
	return q.stateGroups(ctx, m, keys, "src, lng", "q_theme_cube", "q_theme_cube_week", q.comboWeeksComplete, w, from, to, daily, extra)
}

// The per-combination tables (q_theme_cube, q_theme_cube_week: migration
// 0016; q_driver_combo: 0015) hold rows for (source, lang, label),
// (source, lang, every label), (source, every lang, label) and (every
// source, lang, label), in columns src, lng and slabel, where '*' is every
// source or lang and '' every sentiment.

// comboEvery reports, for source and for lang, whether a request with f
// and grouped by keys reads the every-value rows ('*'): it neither filters
// on nor groups by that kind.
func comboEvery(f Filter, keys []string) (src, lng bool) {
	every := func(vals []string, key string) bool { return len(vals) == 0 && !slices.Contains(keys, key) }
	return every(f.Sources, keySource), every(f.Langs, keyLang)
}

// comboHas reports whether the per-combination tables have the rows a
// request with f grouped by keys needs: not those with both '*', nor one
// '*' and every sentiment (one kind alone, which q_theme_dims and
// q_driver_dims answer). Two or three kinds always have them.
func comboHas(f Filter, keys []string) bool {
	src, lng := comboEvery(f, keys)
	return !(src || lng) || f.Sentiment != "" && src != lng
}

// comboRows adds to w the conditions that select those rows (comboHas):
// the filter's values, '*' for a kind neither filtered on nor grouped by,
// every value but '*' for a kind grouped by, and the sentiment label (the
// empty label without a sentiment filter).
func comboRows(w *where, f Filter, keys []string) {
	src, lng := comboEvery(f, keys)
	for _, c := range []struct {
		col, name string
		vals      []string
		every     bool
	}{{"src", "sources", f.Sources, src}, {"lng", "langs", f.Langs, lng}} {
		switch {
		case len(c.vals) > 0:
			w.in(c.col, c.name, c.vals)
		case c.every:
			w.add(c.col + " = '*'")
		default: // a key: every value's rows
			w.add(c.col + " != '*'")
		}
	}
	w.add("slabel = @slabel", clickhouse.Named("slabel", f.Sentiment))
}

// mentionGroups is groups over the mentions fact table: one row per post x
// topic x theme, exact for any mix of filters.
func (q *Querier) mentionGroups(ctx context.Context, m metric, keys []string, f Filter, from, to time.Time, w *where, extra []any) ([]group, error) {
	postFilters(w, f, "sentiment")
	sel, grp := keyColumns(keys, nil)
	args := append(w.args, clickhouse.Named("from", day(from)), clickhouse.Named("to", day(to)))
	aggs := "count(), uniqHLL12(author_pseudonym), sum(toFloat64(sentiment))"
	if m == kOnly {
		aggs = "count(), uniqUpTo(" + itoa(authorsUpTo) + ")(author_pseudonym), sum(toFloat64(sentiment))"
	}
	sql := "SELECT " + strings.Join(sel, ", ") + ", " + aggs + " FROM " + q.db + ".mentions WHERE " + w.sql() +
		" AND day >= toDate(@from) AND day < toDate(@to) GROUP BY " + strings.Join(grp, ", ")
	return q.scanGroups(ctx, len(keys), sql, append(args, extra...)...)
}

func (q *Querier) scanGroups(ctx context.Context, nkeys int, sql string, args ...any) ([]group, error) {
	ctx, cancel := q.ctx(ctx)
	defer cancel()
	rows, err := q.conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, q.classify(ctx, err)
	}
	defer rows.Close()
	var out []group
	for rows.Next() {
		g := group{keys: make([]string, nkeys)}
		dest := make([]any, 0, nkeys+3)
		for i := range g.keys {
			dest = append(dest, &g.keys[i])
		}
		dest = append(dest, &g.posts, &g.authors, &g.ssum)
		if err := rows.Scan(dest...); err != nil {
			return nil, q.classify(ctx, err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, q.classify(ctx, err)
	}
	return out, nil
}

func round(x float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	if x >= 0 {
		return float64(int64(x*p+0.5)) / p
	}
	return -float64(int64(-x*p+0.5)) / p
}

// Period is the [From, To] day range a result covers (To inclusive).
type Period struct {
	From string `json:"from"`
	To   string `json:"to"`
}

func periodOf(f Filter) Period {
	return Period{From: day(f.From), To: day(f.To.AddDate(0, 0, -1))}
}
