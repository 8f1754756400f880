-- 0016 (query API; owned by query/): groups for every mix of two or three
-- kinds of filters from one range per filter value.
--
-- q_theme_combo and q_theme_combo_week (0014) held the groups per
-- combination of source, lang and sentiment label, and per source x lang
-- (slabel '' = every sentiment). A sentiment filter with one other kind
-- read every value of the kind not filtered on: for sentiment=negative
-- with source=reddit,forum, 2 sources x 3 langs; with lang=en, 5 sources
-- x 1 lang, each an author sketch per theme and day or week. On the
-- 10-million-post benchmark under 8 clients p95 was 262 ms for themes,
-- 171 for share of voice and 149 for movers.
--
-- q_theme_cube and q_theme_cube_week hold, per (day or ISO week, topic,
-- theme), the rows those requests read, '*' (slabel '') meaning every
-- value, as q_driver_combo (0015) does for drivers:
--   (src, lng, slabel)   for source + lang + sentiment,
--   (src, lng, '')       for source + lang (0014's rows),
--   (src, '*', slabel)   for source + sentiment,
--   ('*', lng, slabel)   for lang + sentiment,
-- four rows per grain on insert. A breakdown by source or lang with a
-- filter of another kind reads the rows of every value (src or lng not
-- '*'). The columns are src and lng, not source and lang, so that the
-- view's aliases do not shadow the posts' columns (ClickHouse refuses
-- the cyclic aliases). Sorted as 0014: the combination first, the theme
-- last.
--
-- Not backfilled, like 0010-0015, and 0014's views and tables are
-- dropped (the migration stays idempotent and safe to run from several
-- processes at once, which copying rows would not be): the query path
-- compares the cube's totals with q_theme_dims' per day and per week and
-- reads the mentions fact table (exact, slower) for periods it does not
-- cover, until query/querytest.Backfill fills it from posts while nothing
-- writes.
CREATE TABLE IF NOT EXISTS {{table "q_theme_cube"}}{{onCluster}} (
    day              Date,
    topic            String,
    theme            String,
    src              String,
    lng              String,
    slabel           String,
    post_count       AggregateFunction(count),
    sentiment_sum    AggregateFunction(sum, Float64),
    authors          AggregateFunction(uniqHLL12, String),
    authors_k        AggregateFunction(uniqUpTo(16), String)
) ENGINE = {{engine "AggregatingMergeTree" "q_theme_cube"}}
PARTITION BY toYYYYMM(day)
ORDER BY (src, lng, slabel, topic, day, theme)
SETTINGS index_granularity = 32;

{{distributed "q_theme_cube" ""}}

CREATE TABLE IF NOT EXISTS {{table "q_theme_cube_week"}}{{onCluster}} (
    week             Date,
    topic            String,
    theme            String,
    src              String,
    lng              String,
    slabel           String,
    post_count       AggregateFunction(count),
    sentiment_sum    AggregateFunction(sum, Float64),
    authors          AggregateFunction(uniqHLL12, String),
    authors_k        AggregateFunction(uniqUpTo(16), String)
) ENGINE = {{engine "AggregatingMergeTree" "q_theme_cube_week"}}
PARTITION BY toYYYYMM(week)
ORDER BY (src, lng, slabel, topic, week, theme)
SETTINGS index_granularity = 32;

{{distributed "q_theme_cube_week" ""}}

DROP TABLE IF EXISTS {{table "q_theme_combo_mv"}}{{onCluster}};

DROP TABLE IF EXISTS {{table "q_theme_combo_week_mv"}}{{onCluster}};

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table "q_theme_cube_mv"}}{{onCluster}} TO {{table "q_theme_cube"}} AS
SELECT
    toDate(created_at) AS day,
    mt AS topic,
    mh AS theme,
    (arrayJoin([(source, lang, sl), (source, lang, ''), (source, '*', sl), ('*', lang, sl)]) AS c).1 AS src,
    c.2 AS lng,
    c.3 AS slabel,
    countState() AS post_count,
    sumState(toFloat64(ms)) AS sentiment_sum,
    uniqHLL12State(author_pseudonym) AS authors,
    uniqUpToState(16)(author_pseudonym) AS authors_k
FROM {{table "posts"}}
ARRAY JOIN m_topic AS mt, m_theme AS mh, m_sentiment AS ms,
    arrayMap(x -> multiIf(x < -0.2, 'negative', x > 0.2, 'positive', 'neutral'), m_sentiment) AS sl
GROUP BY day, topic, theme, src, lng, slabel;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table "q_theme_cube_week_mv"}}{{onCluster}} TO {{table "q_theme_cube_week"}} AS
SELECT
    toMonday(toDate(created_at)) AS week,
    mt AS topic,
    mh AS theme,
    (arrayJoin([(source, lang, sl), (source, lang, ''), (source, '*', sl), ('*', lang, sl)]) AS c).1 AS src,
    c.2 AS lng,
    c.3 AS slabel,
    countState() AS post_count,
    sumState(toFloat64(ms)) AS sentiment_sum,
    uniqHLL12State(author_pseudonym) AS authors,
    uniqUpToState(16)(author_pseudonym) AS authors_k
FROM {{table "posts"}}
ARRAY JOIN m_topic AS mt, m_theme AS mh, m_sentiment AS ms,
    arrayMap(x -> multiIf(x < -0.2, 'negative', x > 0.2, 'positive', 'neutral'), m_sentiment) AS sl
GROUP BY week, topic, theme, src, lng, slabel;

DROP TABLE IF EXISTS {{.Database}}.q_theme_combo{{onCluster}};

DROP TABLE IF EXISTS {{.Database}}.q_theme_combo_week{{onCluster}};

DROP TABLE IF EXISTS {{table "q_theme_combo"}}{{onCluster}};

DROP TABLE IF EXISTS {{table "q_theme_combo_week"}}{{onCluster}};
