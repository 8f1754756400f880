package query

import (
	"context"
	"sync"
	"time"
)

// coverageEvery is how long a coverage answer is reused.
const coverageEvery = time.Minute

// coverage remembers which periods (ISO weeks, days) a query-side table
// holds completely: those whose whole-volume post count equals the daily
// table's. A period the table misses or miscounts (a database that had
// posts before the table's migration and was not backfilled, or a backfill
// that raced an insert) is read from elsewhere, so answers stay exact and
// are only slower.
type coverage struct {
	mu   sync.Mutex
	at   time.Time
	good map[string]bool // period start (YYYY-MM-DD) -> the two tables agree
}

// complete reports whether every period starting in [from, to), stepping
// by step, is complete in c, reloading c with load at most every
// coverageEvery; periods with no posts in either table count as complete,
// and so do periods starting on or after skip (still being written: a
// check racing an insert would see them differ).
func (q *Querier) complete(ctx context.Context, c *coverage, load func(context.Context) (map[string]bool, error), from, to, skip time.Time, step int) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := q.opts.Now(); c.good == nil || now.Sub(c.at) > coverageEvery || now.Before(c.at) {
		good, err := load(ctx)
		if err != nil {
			return false, err
		}
		c.good, c.at = good, now
	}
	for p := from; p.Before(to) && p.Before(skip); p = p.AddDate(0, 0, step) {
		if ok, seen := c.good[day(p)]; seen && !ok {
			return false, nil
		}
	}
	return true, nil
}

// weeksComplete reports whether every ISO week starting in [ws, we) is
// complete in q_theme_week (migration 0011).
func (q *Querier) weeksComplete(ctx context.Context, ws, we time.Time) (bool, error) {
	return q.complete(ctx, q.weeks, q.loadWeeks, ws, we, we, 7)
}

// combosComplete reports whether every day in [from, to) before today is
// complete in q_theme_cube (migration 0016). Today is not checked: the
// views of one INSERT are not applied at once, and a table created today
// and not backfilled fails the check on the days before.
func (q *Querier) combosComplete(ctx context.Context, from, to time.Time) (bool, error) {
	now := q.opts.Now().UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	return q.complete(ctx, q.combos, q.loadCombos, from, to, today, 1)
}

// comboWeeksComplete reports whether every ISO week starting in [ws, we)
// is complete in q_theme_cube_week (migration 0016).
func (q *Querier) comboWeeksComplete(ctx context.Context, ws, we time.Time) (bool, error) {
	return q.complete(ctx, q.comboWeeks, q.loadComboWeeks, ws, we, we, 7)
}

// loadComboWeeks compares q_theme_cube_week's whole-volume post counts
// (theme "", the every-source rows: each post once, per lang and
// sentiment label) with q_theme_week's (dim 0) per week.
func (q *Querier) loadComboWeeks(ctx context.Context) (map[string]bool, error) {
	return q.loadCoverage(ctx, "week", "q_theme_cube_week", "src = '*'", "week", "q_theme_week")
}

// loadWeeks compares the two tables' whole-volume post counts (dim 0,
// theme "": one row per topic and day or week) per week.
func (q *Querier) loadWeeks(ctx context.Context) (map[string]bool, error) {
	return q.loadCoverage(ctx, "week", "q_theme_week", "dim = 0", "toMonday(day)", "q_theme_dims")
}

// loadCombos compares q_theme_cube's whole-volume post counts (theme "",
// the every-source rows) with q_theme_dims' (dim 0) per day.
func (q *Querier) loadCombos(ctx context.Context) (map[string]bool, error) {
	return q.loadCoverage(ctx, "day", "q_theme_cube", "src = '*'", "day", "q_theme_dims")
}

// loadCoverage compares, per period, the whole-volume post count (theme
// "", rows matching cond) of table, whose period start is the column
// period, with the reference's (q_theme_dims or q_theme_week at dim 0,
// its period expression refPeriod): period start -> whether they agree.
func (q *Querier) loadCoverage(ctx context.Context, period, table, cond, refPeriod, ref string) (map[string]bool, error) {
	ctx, cancel := q.ctx(ctx)
	defer cancel()
	rows, err := q.conn.Query(ctx, "SELECT toString(p), sumIf(c, side = 1) = sumIf(c, side = 0) FROM ("+
		"SELECT "+period+" AS p, 1 AS side, countMerge(post_count) AS c FROM "+q.db+"."+table+" WHERE "+cond+" AND theme = '' GROUP BY p"+
		" UNION ALL SELECT "+refPeriod+" AS p, 0 AS side, countMerge(post_count) AS c FROM "+q.db+"."+ref+" WHERE dim = 0 AND theme = '' GROUP BY p"+
		") GROUP BY p")
	if err != nil {
		return nil, q.classify(ctx, err)
	}
	defer rows.Close()
	good := map[string]bool{}
	for rows.Next() {
		var p string
		var ok uint8
		if err := rows.Scan(&p, &ok); err != nil {
			return nil, q.classify(ctx, err)
		}
		good[p] = ok == 1
	}
	return good, q.classify(ctx, rows.Err())
}
