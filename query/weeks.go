package query

import (
	"context"
	"sync"
	"time"
)

// weekCheckEvery is how long a weekCheck answer is reused.
const weekCheckEvery = time.Minute

// weekCheck remembers which ISO weeks q_theme_week holds completely: those
// whose whole-volume post count equals the daily table's. A week the
// weekly table misses or miscounts (a database that had posts before
// migration 0011 and was not backfilled, or a backfill that raced an
// insert) is read from the daily table instead, so answers stay exact and
// are only slower.
type weekCheck struct {
	mu   sync.Mutex
	at   time.Time
	good map[string]bool // Monday (YYYY-MM-DD) -> the two tables agree
}

// weeksComplete reports whether every ISO week starting in [ws, we) is
// complete in q_theme_week. It refreshes its view at most every
// weekCheckEvery; weeks with no posts in either table count as complete.
func (q *Querier) weeksComplete(ctx context.Context, ws, we time.Time) (bool, error) {
	c := q.weeks
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := q.opts.Now(); c.good == nil || now.Sub(c.at) > weekCheckEvery || now.Before(c.at) {
		good, err := q.loadWeeks(ctx)
		if err != nil {
			return false, err
		}
		c.good, c.at = good, now
	}
	for w := ws; w.Before(we); w = w.AddDate(0, 0, 7) {
		if ok, seen := c.good[day(w)]; seen && !ok {
			return false, nil
		}
	}
	return true, nil
}

// loadWeeks compares the two tables' whole-volume post counts (dim 0,
// theme "": one row per topic and day or week) per week.
func (q *Querier) loadWeeks(ctx context.Context) (map[string]bool, error) {
	ctx, cancel := q.ctx(ctx)
	defer cancel()
	rows, err := q.conn.Query(ctx, "SELECT toString(w), sumIf(c, src = 1) = sumIf(c, src = 0) FROM ("+
		"SELECT week AS w, 1 AS src, countMerge(post_count) AS c FROM "+q.db+".q_theme_week WHERE dim = 0 AND theme = '' GROUP BY w"+
		" UNION ALL SELECT toMonday(day) AS w, 0 AS src, countMerge(post_count) AS c FROM "+q.db+".q_theme_dims WHERE dim = 0 AND theme = '' GROUP BY w"+
		") GROUP BY w")
	if err != nil {
		return nil, q.classify(ctx, err)
	}
	defer rows.Close()
	good := map[string]bool{}
	for rows.Next() {
		var w string
		var ok uint8
		if err := rows.Scan(&w, &ok); err != nil {
			return nil, q.classify(ctx, err)
		}
		good[w] = ok == 1
	}
	return good, q.classify(ctx, rows.Err())
}
