-- 0014 (query API; owned by query/): groups for filters of two kinds.
--
-- q_theme_dims keeps one dimension value per row (source, lang or
-- sentiment label), so a request that combines two kinds of filters (say
-- source=reddit,forum and lang=en, which the dashboards' filter bar
-- allows) read the mentions fact table: at 10 million posts p95 1.2-1.5 s
-- for themes and trend and 13-16 s for share of voice and movers (every
-- topic) under 8 concurrent clients.
--
-- q_theme_combo holds the groups per (day, topic, theme) and combination
-- of source, lang and sentiment label of the grain (negative < -0.2 <=
-- neutral <= 0.2 < positive, as q_theme_dims), and with slabel '' every
-- sentiment (for source + lang without a sentiment filter: a third of
-- the rows to merge): two rows per grain on insert, with the query API's
-- author states. The
-- combination comes first in the sorting key and the theme last, so a
-- request reads only its combinations' rows, and the days of every theme
-- of a topic are one range (with the theme before the day, share of voice
-- over every topic read one or two 32-row granules per topic x theme x
-- combination: 31,600 rows where it needs about 10,000). Requests with at
-- most one kind of filter keep reading q_theme_dims and q_theme_week.
--
-- Not backfilled, like 0010-0013: the query API compares their totals per
-- day and per week with q_theme_dims' and q_theme_week's and reads
-- mentions for periods the daily table does not cover, the daily table
-- for weeks the weekly one does not (query/querytest.Backfill fills them
-- from posts while nothing writes).
CREATE TABLE IF NOT EXISTS {{table "q_theme_combo"}}{{onCluster}} (
    day              Date,
    topic            String,
    theme            String,
    source           String,
    lang             String,
    slabel           String,
    post_count       AggregateFunction(count),
    sentiment_sum    AggregateFunction(sum, Float64),
    authors          AggregateFunction(uniqHLL12, String),
    authors_k        AggregateFunction(uniqUpTo(16), String)
) ENGINE = {{engine "AggregatingMergeTree" "q_theme_combo"}}
PARTITION BY toYYYYMM(day)
ORDER BY (source, lang, slabel, topic, day, theme)
SETTINGS index_granularity = 32;

{{distributed "q_theme_combo" ""}}

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table "q_theme_combo_mv"}}{{onCluster}} TO {{table "q_theme_combo"}} AS
SELECT
    toDate(created_at) AS day,
    mt AS topic,
    mh AS theme,
    source,
    lang,
    arrayJoin([multiIf(ms < -0.2, 'negative', ms > 0.2, 'positive', 'neutral'), '']) AS slabel,
    countState() AS post_count,
    sumState(toFloat64(ms)) AS sentiment_sum,
    uniqHLL12State(author_pseudonym) AS authors,
    uniqUpToState(16)(author_pseudonym) AS authors_k
FROM {{table "posts"}}
ARRAY JOIN m_topic AS mt, m_theme AS mh, m_sentiment AS ms
GROUP BY day, topic, theme, source, lang, slabel;

-- The same per ISO week (Monday), for periods of several weeks: a 90-day
-- request then merges about 18 states per group and combination instead
-- of 90 (as q_theme_week does for q_theme_dims).
CREATE TABLE IF NOT EXISTS {{table "q_theme_combo_week"}}{{onCluster}} (
    week             Date,
    topic            String,
    theme            String,
    source           String,
    lang             String,
    slabel           String,
    post_count       AggregateFunction(count),
    sentiment_sum    AggregateFunction(sum, Float64),
    authors          AggregateFunction(uniqHLL12, String),
    authors_k        AggregateFunction(uniqUpTo(16), String)
) ENGINE = {{engine "AggregatingMergeTree" "q_theme_combo_week"}}
PARTITION BY toYYYYMM(week)
ORDER BY (source, lang, slabel, topic, week, theme)
SETTINGS index_granularity = 32;

{{distributed "q_theme_combo_week" ""}}

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table "q_theme_combo_week_mv"}}{{onCluster}} TO {{table "q_theme_combo_week"}} AS
SELECT
    toMonday(toDate(created_at)) AS week,
    mt AS topic,
    mh AS theme,
    source,
    lang,
    arrayJoin([multiIf(ms < -0.2, 'negative', ms > 0.2, 'positive', 'neutral'), '']) AS slabel,
    countState() AS post_count,
    sumState(toFloat64(ms)) AS sentiment_sum,
    uniqHLL12State(author_pseudonym) AS authors,
    uniqUpToState(16)(author_pseudonym) AS authors_k
FROM {{table "posts"}}
ARRAY JOIN m_topic AS mt, m_theme AS mh, m_sentiment AS ms
GROUP BY week, topic, theme, source, lang, slabel;
