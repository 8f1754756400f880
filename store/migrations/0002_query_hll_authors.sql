-- 0002 (query API, additive; owned by query/): aggregates with approximate
-- distinct authors for the query API's hot path.
--
-- topic_theme_daily counts authors exactly (uniqExact), so a query over a
-- period must merge every daily author set: at 10 million posts a
-- share-of-voice or movers query merges tens of millions of author strings.
-- These tables keep the same counts and sentiment sums with uniqHLL12
-- author states (2.5 KB each, merged register-wise): exact up to 16
-- authors (so the k-anonymity threshold privacy.min_authors <= 16 is
-- applied on exact counts), about 1.6% standard error above. Filled from
-- posts like topic_theme_daily (ClickHouse 18.16 does not cascade a
-- materialized view through another view's TO table, so they cannot read
-- mentions). q_theme_daily keeps source and lang for filtered queries;
-- q_theme_daily_all drops them (15x fewer states) for unfiltered ones.
-- Not backfilled: they fill from the next insert on (a fresh install
-- has no earlier rows).
CREATE TABLE IF NOT EXISTS {{table "q_theme_daily"}}{{onCluster}} (
    day              Date,
    topic            String,
    theme            String,
    source           String,
    lang             String,
    post_count       AggregateFunction(count),
    authors          AggregateFunction(uniqHLL12, String),
    sentiment_sum    AggregateFunction(sum, Float64)
) ENGINE = {{engine "AggregatingMergeTree" "q_theme_daily"}}
PARTITION BY toYYYYMM(day)
ORDER BY (topic, theme, day, source, lang)
SETTINGS index_granularity = 8192;

{{distributed "q_theme_daily" ""}}

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table "q_theme_daily_mv"}}{{onCluster}} TO {{table "q_theme_daily"}} AS
SELECT
    toDate(created_at) AS day,
    mt AS topic,
    mh AS theme,
    source,
    lang,
    countState() AS post_count,
    uniqHLL12State(author_pseudonym) AS authors,
    sumState(toFloat64(ms)) AS sentiment_sum
FROM {{table "posts"}}
ARRAY JOIN m_topic AS mt, m_theme AS mh, m_sentiment AS ms
GROUP BY day, topic, theme, source, lang;

CREATE TABLE IF NOT EXISTS {{table "q_theme_daily_all"}}{{onCluster}} (
    day              Date,
    topic            String,
    theme            String,
    post_count       AggregateFunction(count),
    authors          AggregateFunction(uniqHLL12, String),
    sentiment_sum    AggregateFunction(sum, Float64)
) ENGINE = {{engine "AggregatingMergeTree" "q_theme_daily_all"}}
PARTITION BY toYYYYMM(day)
ORDER BY (topic, theme, day)
SETTINGS index_granularity = 8192;

{{distributed "q_theme_daily_all" ""}}

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table "q_theme_daily_all_mv"}}{{onCluster}} TO {{table "q_theme_daily_all"}} AS
SELECT
    toDate(created_at) AS day,
    mt AS topic,
    mh AS theme,
    countState() AS post_count,
    uniqHLL12State(author_pseudonym) AS authors,
    sumState(toFloat64(ms)) AS sentiment_sum
FROM {{table "posts"}}
ARRAY JOIN m_topic AS mt, m_theme AS mh, m_sentiment AS ms
GROUP BY day, topic, theme;
