package querytest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// SyntheticTopics are the topic ids LoadSynthetic generates; the first
// ones are the largest.
var SyntheticTopics = func() []string {
	var ts []string
	for i := 1; i <= 12; i++ {
		ts = append(ts, fmt.Sprintf("brand-%02d", i))
	}
	return ts
}()

// SyntheticEnd is the last instant of LoadSynthetic's data: 90 days end
// here.
var SyntheticEnd = time.Date(2026, 3, 31, 23, 59, 59, 0, time.UTC)

var vocab = strings.Fields(`battery screen camera price support shipping update charger warranty refund
delivery quality design sound speed storage signal software display keyboard
broken amazing terrible love hate worried scared excited happy angry
slow fast cheap expensive reliable crashes overheats drains smooth bright
waiting hoping wish confused unclear surprised disappointed regret return replace
store service staff manager online order package night morning weekend`)

var entityNames = strings.Fields(`Battery Screen Camera Price Support Shipping Update App Charger Warranty
Store Delivery Design Sound Storage Signal Software Display Keyboard Refund`)

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = "'" + s + "'"
	}
	return "[" + strings.Join(q, ",") + "]"
}

// loadSQL generates posts server-side from numbers(): 5 sources, 3
// languages, 12 topics with skewed volume, 200,000 authors, themes and
// entities drawn per post, sentiment quantized to 2^-16, 8-15 word texts.
// The grain arrays follow the store writer's layout (see Insert).
func loadSQL(db string) string {
	topicIdx := "[1,1,1,1,2,2,2,3,3,4,5,6,7,8,9,10,11,12]"
	return `INSERT INTO ` + db + `.posts (post_id, id, source, created_at, ingested_at, lang, author_pseudonym, author_key_id, text, sentiment, sentiment_label,
 themes, entity_canonical, entity_type, topic_ids, topic_sentiments, topic_themes,
 m_topic, m_theme, m_sentiment, e_topic, e_entity, e_type, e_sentiment, src_topic, src_partition, src_offset)
SELECT post_id, post_id, source, created_at, created_at, lang, author, 'k1', text, s,
 multiIf(s < -0.2, 'negative', s > 0.2, 'positive', 'neutral'),
 th, ents, arrayMap(x -> 'PRODUCT', ents), [t], [s], [th],
 arrayConcat(['', t], arrayMap(x -> '', th), arrayMap(x -> t, th)),
 arrayConcat(['', ''], th, th),
 arrayMap(x -> s, range(2 + 2 * length(th))),
 arrayConcat(arrayMap(x -> '', ents), arrayMap(x -> t, ents)),
 arrayConcat(ents, ents),
 arrayMap(x -> 'PRODUCT', range(2 * length(ents))),
 arrayMap(x -> s, range(2 * length(ents))),
 'bench', toInt32(0), toInt64(number)
FROM (
 SELECT number,
  concat('b', toString(number)) AS post_id,
  ['reddit','forum','appstore','twitter','reviews'][(intHash64(number) % 5) + 1] AS source,
  toDateTime(@end, 'UTC') - (intHash64(number * 7) % (90 * 86400)) AS created_at,
  ['en','en','en','de','fr'][(intHash64(number * 11) % 5) + 1] AS lang,
  concat('a', toString(intHash64(number * 13) % 200000)) AS author,
  ` + quoteList(SyntheticTopics) + `[` + topicIdx + `[(intHash64(number * 3) % 18) + 1]] AS t,
  arrayFilter((x, i) -> (intHash64(number * 17 + i) % 100) < 15, ['fears','frustrations','disappointments','joys','desires','confusion'], [1,2,3,4,5,6]) AS th,
  toFloat32((toInt64(intHash64(number * 19) % 131073) - 65536) / 65536) AS s,
  arrayFilter((x, i) -> (intHash64(number * 23 + i) % 100) < 8, ` + quoteList(entityNames) + `, range(20)) AS ents,
  arrayStringConcat(arrayMap(i -> ` + quoteList(vocab) + `[(intHash64(number * 29 + i) % ` + fmt.Sprint(len(vocab)) + `) + 1], range(8 + number % 8)), ' ') AS text
 FROM numbers(@start, @n)
)`
}

// LoadSynthetic inserts n generated posts into db.posts in chunks (the
// materialized views fill mentions and the aggregates). It skips the rows
// already there (by count), so an interrupted load resumes. progress, if
// not nil, is called after each chunk.
func LoadSynthetic(ctx context.Context, conn driver.Conn, db string, n, chunk uint64, progress func(done uint64)) error {
	var have uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+db+".posts").Scan(&have); err != nil {
		return fmt.Errorf("querytest: count: %w", err)
	}
	sql := loadSQL(db)
	for start := have; start < n; start += chunk {
		size := min(chunk, n-start)
		if err := conn.Exec(ctx, sql, clickhouse.Named("start", start), clickhouse.Named("n", size),
			clickhouse.Named("end", SyntheticEnd.Format(time.DateTime))); err != nil {
			return fmt.Errorf("querytest: load rows %d..%d: %w", start, start+size, err)
		}
		if progress != nil {
			progress(start + size)
		}
	}
	return nil
}

// backfills are the SELECTs of the query API's materialized views
// (migrations 0010-0016), for tables created after posts had rows.
var backfills = map[string]string{
	"q_theme_dims": themeDims("toDate(created_at)", "day"),
	"q_theme_week": themeDims("toMonday(toDate(created_at))", "week"),
	"q_entity_day": `SELECT toDate(created_at) AS day, et AS topic, ee AS entity, ey AS entity_type, countState() AS mentions,
 sumState(toFloat64(es)) AS sentiment_sum, uniqUpToState(16)(author_pseudonym) AS authors_k
 FROM {db}.posts ARRAY JOIN e_topic AS et, e_entity AS ee, e_type AS ey, e_sentiment AS es WHERE {range} GROUP BY day, topic, entity, entity_type`,
	"q_theme_posts": `SELECT mt AS topic, mh AS theme, created_at, post_id, source, lang, author_pseudonym, ms AS sentiment, text,
 arrayFilter((e, t) -> t = mt, e_entity, e_topic) AS entities, arrayFilter((y, t) -> t = mt, e_type, e_topic) AS entity_types,
 arrayDistinct(extractAll(lowerUTF8(text), '\\p{L}{4,}')) AS terms
 FROM {db}.posts ARRAY JOIN m_topic AS mt, m_theme AS mh, m_sentiment AS ms WHERE mt != '' AND {range}`,
	"q_driver_day": `SELECT toDate(created_at) AS day, mt AS topic, mh AS theme,` + driverItems + `
 FROM {db}.posts ARRAY JOIN m_topic AS mt, m_theme AS mh WHERE mt != '' AND {range} AND cityHash64(mt) % @bf_parts = @bf_part
 GROUP BY day, topic, theme, item, item_type`,
	"q_theme_cube":      themeCube("toDate(created_at)", "day"),
	"q_theme_cube_week": themeCube("toMonday(toDate(created_at))", "week"),
	"q_driver_dims": `SELECT toDate(created_at) AS day, arrayJoin([1, 2, 3]) AS dim, mt AS topic, mh AS theme,
 [source, lang, multiIf(ms < -0.2, 'negative', ms > 0.2, 'positive', 'neutral')][dim] AS value,` + driverItems + `
 FROM {db}.posts ARRAY JOIN m_topic AS mt, m_theme AS mh, m_sentiment AS ms WHERE mt != '' AND {range} AND cityHash64(mt) % @bf_parts = @bf_part
 GROUP BY day, dim, topic, theme, value, item, item_type`,
	"q_driver_combo": `SELECT toDate(created_at) AS day, mt AS topic, mh AS theme,
 ` + combos + `,` + driverItems + `
 FROM {db}.posts ARRAY JOIN m_topic AS mt, m_theme AS mh, ` + labels + `
 WHERE mt != '' AND {range} AND cityHash64(mt) % @bf_parts = @bf_part
 GROUP BY day, topic, theme, src, lng, slabel, item, item_type`,
}

// themeDims is the backfill of q_theme_dims (period: toDate) or
// q_theme_week (toMonday) from posts.
func themeDims(period, col string) string {
	return `SELECT ` + period + ` AS ` + col + `, arrayJoin([0, 1, 2, 3]) AS dim, mt AS topic, mh AS theme,
 ['', source, lang, multiIf(ms < -0.2, 'negative', ms > 0.2, 'positive', 'neutral')][dim + 1] AS value,` + groupStates + `
 FROM {db}.posts ARRAY JOIN m_topic AS mt, m_theme AS mh, m_sentiment AS ms WHERE {range} GROUP BY ` + col + `, dim, topic, theme, value`
}

// themeCube is the backfill of q_theme_cube (period: toDate) or
// q_theme_cube_week (toMonday) from posts.
func themeCube(period, col string) string {
	return `SELECT ` + period + ` AS ` + col + `, mt AS topic, mh AS theme, ` + combos + `,` + groupStates + `
 FROM {db}.posts ARRAY JOIN m_topic AS mt, m_theme AS mh, m_sentiment AS ms, ` + labels + `
 WHERE {range} GROUP BY ` + col + `, topic, theme, src, lng, slabel`
}

// groupStates are the group tables' aggregate columns (q_theme_dims,
// q_theme_week, q_theme_cube, q_theme_cube_week) over the grains' ms.
const groupStates = `
 countState() AS post_count, sumState(toFloat64(ms)) AS sentiment_sum, uniqHLL12State(author_pseudonym) AS authors,
 uniqUpToState(16)(author_pseudonym) AS authors_k`

// combos are the rows of a grain in the per-combination tables
// (migrations 0015, 0016): source x lang x label, source x lang x every
// label (the empty label), source x every lang ('*') x label, every
// source x lang x label. labels are the grains' sentiment labels (sl),
// ARRAY JOINed beside them.
const (
	combos = `(arrayJoin([(source, lang, sl), (source, lang, ''), (source, '*', sl), ('*', lang, sl)]) AS c).1 AS src, c.2 AS lng, c.3 AS slabel`
	labels = `arrayMap(x -> multiIf(x < -0.2, 'negative', x > 0.2, 'positive', 'neutral'), m_sentiment) AS sl`
)

// driverItems are the item columns of the drivers tables' backfills
// (q_driver_day, q_driver_dims, q_driver_combo): '#' once per grain (the
// group size), 'e' + each entity of the grain's topic, 't' + each
// distinct word of 4+ letters, with the counts and author states.
const driverItems = `
 (arrayJoin(arrayConcat([('#', '')],
 arrayMap((e, y) -> (concat('e', e), y), arrayFilter((e, t) -> t = mt, e_entity, e_topic), arrayFilter((y, t) -> t = mt, e_type, e_topic)),
 arrayMap(w -> (concat('t', w), ''), arrayDistinct(extractAll(lowerUTF8(text), '\\p{L}{4,}'))))) AS it).1 AS item, it.2 AS item_type,
 countState() AS posts, uniqUpToState(16)(author_pseudonym) AS authors_k`

// BackfillTables are the query API's tables Backfill fills, in order.
var BackfillTables = []string{"q_theme_dims", "q_theme_week", "q_entity_day", "q_theme_posts", "q_driver_day", "q_driver_dims", "q_theme_cube", "q_theme_cube_week", "q_driver_combo"}

// backfillColumns name the columns of each backfill INSERT.
var backfillColumns = map[string]string{
	"q_theme_dims":      "(day, dim, topic, theme, value, post_count, sentiment_sum, authors, authors_k)",
	"q_theme_week":      "(week, dim, topic, theme, value, post_count, sentiment_sum, authors, authors_k)",
	"q_entity_day":      "(day, topic, entity, entity_type, mentions, sentiment_sum, authors_k)",
	"q_theme_posts":     "(topic, theme, created_at, post_id, source, lang, author_pseudonym, sentiment, text, entities, entity_types, terms)",
	"q_driver_day":      "(day, topic, theme, item, item_type, posts, authors_k)",
	"q_driver_dims":     "(day, dim, topic, theme, value, item, item_type, posts, authors_k)",
	"q_driver_combo":    "(day, topic, theme, src, lng, slabel, item, item_type, posts, authors_k)",
	"q_theme_cube":      "(day, topic, theme, src, lng, slabel, post_count, sentiment_sum, authors, authors_k)",
	"q_theme_cube_week": "(week, topic, theme, src, lng, slabel, post_count, sentiment_sum, authors, authors_k)",
}

// backfillRange is the {range} of the backfill SELECTs: one calendar
// month of posts per INSERT, so that the aggregation of a large database
// fits in a query's memory (a single INSERT of q_driver_day over 10 million
// posts needed more than 4 GiB, measured with a first version of the table
// that had four times its rows: one per dimension value).
const backfillRange = "created_at >= toDateTime(@bf_from, 'UTC') AND created_at < toDateTime(@bf_to, 'UTC')"

// backfillParts splits a table's monthly backfill further by topic (parts
// INSERTs, each of the topics with cityHash64(topic) % parts = part):
// q_driver_day has a row per day x topic x theme x word, and a month of 10
// million posts in one GROUP BY needed more than 4 GiB with the
// four-dimension first version of the table (the committed one has a
// quarter of its rows; the split was not re-measured and is kept as a
// bound).
// q_driver_dims (0013) has up to one row per source, lang and sentiment
// label of each, q_driver_combo (0015) one per combination of the three.
var backfillParts = map[string]int{"q_driver_day": 8, "q_driver_dims": 8, "q_driver_combo": 8}

// Backfill fills each empty query-API aggregate from posts, a month per
// INSERT. It is only correct while nothing else writes to posts (a view and
// the backfill would both count concurrent inserts). It returns the tables
// it filled.
func Backfill(ctx context.Context, conn driver.Conn, db string) ([]string, error) {
	rows, err := conn.Query(ctx, "SELECT DISTINCT toStartOfMonth(created_at) AS m FROM "+db+".posts ORDER BY m")
	if err != nil {
		return nil, fmt.Errorf("querytest: months of posts: %w", err)
	}
	var months []time.Time
	for rows.Next() {
		var m time.Time
		if err := rows.Scan(&m); err != nil {
			rows.Close()
			return nil, fmt.Errorf("querytest: months of posts: %w", err)
		}
		months = append(months, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(months) == 0 {
		return nil, err
	}
	var done []string
	for _, t := range BackfillTables {
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM "+db+"."+t).Scan(&n); err != nil {
			return done, fmt.Errorf("querytest: count %s: %w", t, err)
		}
		if n > 0 {
			continue
		}
		sql := "INSERT INTO " + db + "." + t + " " + backfillColumns[t] + " " +
			strings.NewReplacer("{db}", db, "{range}", backfillRange).Replace(backfills[t])
		parts := max(backfillParts[t], 1)
		for _, m := range months {
			for part := range parts {
				args := []any{clickhouse.Named("bf_from", m.Format(time.DateTime)), clickhouse.Named("bf_to", m.AddDate(0, 1, 0).Format(time.DateTime))}
				if parts > 1 {
					args = append(args, clickhouse.Named("bf_parts", parts), clickhouse.Named("bf_part", part))
				}
				if err := conn.Exec(ctx, sql, args...); err != nil {
					return done, fmt.Errorf("querytest: backfill %s, %s part %d: %w", t, m.Format("2006-01"), part, err)
				}
			}
		}
		done = append(done, t)
	}
	return done, nil
}
