-- 0010 (query API; owned by query/): smaller, cheaper read-side tables.
-- Replaces the three views of 0002/0003 (still three query-side views on
-- every insert into posts: q_theme_dims, q_theme_dims_week, q_entity_day
-- instead of q_theme_daily, q_theme_daily_all, q_entity_daily; plus
-- q_theme_posts for drill-down, so four in all).
--
-- Measured at 10 million posts the query path's cost was the uniqHLL12
-- author states (2.5 KB each, about 15-50 us apiece to read and merge on
-- this machine): a filtered share of voice merged 40,000 of them. So:
--
-- * q_theme_dims: per (day, topic, theme) one row per dimension value
--   instead of one per (source x lang) combination: dim 0 is the whole
--   volume (value ''), dim 1 one row per source, dim 2 per lang, dim 3 per
--   sentiment label of the grain's sentiment (negative < -0.2 <= neutral
--   <= 0.2 < positive). A query with at most one kind of filter reads one
--   state per (day, topic, theme, filter value) — 1 unfiltered, 1 for
--   lang=en, 2 for source=a,b — instead of up to 15; a sentiment filter no
--   longer scans mentions. Queries combining two kinds of filters read the
--   mentions fact table (exact, slower).
-- * authors_k is uniqUpTo(16): exact up to 16 distinct authors and a single
--   byte above, so queries that only need the k-anonymity check
--   (privacy.min_authors <= 16) never read the uniqHLL12 column (movers).
-- * q_theme_dims_week: the whole-volume rows (dim 0) per ISO week (Monday)
--   with the author sketches only, so unfiltered weekly trends and long
--   periods read one state per full week plus the days at the edges. (Only
--   dim 0 and no authors_k: a quarter of the rows for the view to build on
--   every insert.)
-- * q_entity_day: entity mentions per (day, topic, entity) with authors_k
--   only (entity authors are only ever used for the k check).
-- * q_theme_posts: the drill-down candidates of quotes and drivers, one row
--   per post x topic x theme (theme '' = the topic's every post), sorted by
--   (topic, theme, created_at): the most recent posts of a group are a
--   contiguous range instead of a scan of whole days of posts. It holds the
--   anonymized text, so retention drops its monthly partitions with posts'.
--   terms are the post's distinct lowercased words of 4+ letters, computed
--   once here (about 6 us per row) instead of by every drivers query.
--
-- Small index granules keep a query from reading 8192 states to use a few;
-- in q_theme_dims the value comes before the day in the sorting key, so a
-- filter on one source reads that source's days only. Not backfilled: the tables fill from the next insert on (a
-- database that already holds posts can be filled with the views' SELECTs,
-- see query/querytest.Backfill and docs/api.md).
DROP TABLE IF EXISTS {{table "q_theme_daily_mv"}}{{onCluster}};
DROP TABLE IF EXISTS {{table "q_theme_daily_all_mv"}}{{onCluster}};
DROP TABLE IF EXISTS {{table "q_entity_daily_mv"}}{{onCluster}};
DROP TABLE IF EXISTS {{.Database}}.q_theme_daily{{onCluster}};
DROP TABLE IF EXISTS {{.Database}}.q_theme_daily_all{{onCluster}};
DROP TABLE IF EXISTS {{.Database}}.q_entity_daily{{onCluster}};
DROP TABLE IF EXISTS {{table "q_theme_daily"}}{{onCluster}};
DROP TABLE IF EXISTS {{table "q_theme_daily_all"}}{{onCluster}};
DROP TABLE IF EXISTS {{table "q_entity_daily"}}{{onCluster}};

CREATE TABLE IF NOT EXISTS {{table "q_theme_dims"}}{{onCluster}} (
    day              Date,
    dim              UInt8,
    topic            String,
    theme            String,
    value            String,
    post_count       AggregateFunction(count),
    sentiment_sum    AggregateFunction(sum, Float64),
    authors          AggregateFunction(uniqHLL12, String),
    authors_k        AggregateFunction(uniqUpTo(16), String)
) ENGINE = {{engine "AggregatingMergeTree" "q_theme_dims"}}
PARTITION BY toYYYYMM(day)
ORDER BY (dim, topic, theme, value, day)
SETTINGS index_granularity = 32;

{{distributed "q_theme_dims" ""}}

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table "q_theme_dims_mv"}}{{onCluster}} TO {{table "q_theme_dims"}} AS
SELECT
    toDate(created_at) AS day,
    arrayJoin([0, 1, 2, 3]) AS dim,
    mt AS topic,
    mh AS theme,
    ['', source, lang, multiIf(ms < -0.2, 'negative', ms > 0.2, 'positive', 'neutral')][dim + 1] AS value,
    countState() AS post_count,
    sumState(toFloat64(ms)) AS sentiment_sum,
    uniqHLL12State(author_pseudonym) AS authors,
    uniqUpToState(16)(author_pseudonym) AS authors_k
FROM {{table "posts"}}
ARRAY JOIN m_topic AS mt, m_theme AS mh, m_sentiment AS ms
GROUP BY day, dim, topic, theme, value;

CREATE TABLE IF NOT EXISTS {{table "q_theme_dims_week"}}{{onCluster}} (
    week             Date,
    dim              UInt8,
    topic            String,
    theme            String,
    value            String,
    post_count       AggregateFunction(count),
    sentiment_sum    AggregateFunction(sum, Float64),
    authors          AggregateFunction(uniqHLL12, String)
) ENGINE = {{engine "AggregatingMergeTree" "q_theme_dims_week"}}
PARTITION BY toYYYYMM(week)
ORDER BY (dim, week, topic, theme, value)
SETTINGS index_granularity = 32;

{{distributed "q_theme_dims_week" ""}}

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table "q_theme_dims_week_mv"}}{{onCluster}} TO {{table "q_theme_dims_week"}} AS
SELECT
    toMonday(toDate(created_at)) AS week,
    toUInt8(0) AS dim,
    mt AS topic,
    mh AS theme,
    '' AS value,
    countState() AS post_count,
    sumState(toFloat64(ms)) AS sentiment_sum,
    uniqHLL12State(author_pseudonym) AS authors
FROM {{table "posts"}}
ARRAY JOIN m_topic AS mt, m_theme AS mh, m_sentiment AS ms
GROUP BY week, topic, theme;

CREATE TABLE IF NOT EXISTS {{table "q_entity_day"}}{{onCluster}} (
    day            Date,
    topic          String,
    entity         String,
    entity_type    String,
    mentions       AggregateFunction(count),
    sentiment_sum  AggregateFunction(sum, Float64),
    authors_k      AggregateFunction(uniqUpTo(16), String)
) ENGINE = {{engine "AggregatingMergeTree" "q_entity_day"}}
PARTITION BY toYYYYMM(day)
ORDER BY (topic, day, entity, entity_type)
SETTINGS index_granularity = 1024;

{{distributed "q_entity_day" ""}}

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table "q_entity_day_mv"}}{{onCluster}} TO {{table "q_entity_day"}} AS
SELECT
    toDate(created_at) AS day,
    et AS topic,
    ee AS entity,
    ey AS entity_type,
    countState() AS mentions,
    sumState(toFloat64(es)) AS sentiment_sum,
    uniqUpToState(16)(author_pseudonym) AS authors_k
FROM {{table "posts"}}
ARRAY JOIN e_topic AS et, e_entity AS ee, e_type AS ey, e_sentiment AS es
GROUP BY day, topic, entity, entity_type;

CREATE TABLE IF NOT EXISTS {{table "q_theme_posts"}}{{onCluster}} (
    topic             String,
    theme             String,
    created_at        DateTime('UTC'),
    post_id           String,
    source            String,
    lang              String,
    author_pseudonym  String,
    sentiment         Float32,
    text              String,
    entities          Array(String),
    entity_types      Array(String),
    terms             Array(String)
) ENGINE = {{engine "MergeTree" "q_theme_posts"}}
PARTITION BY toYYYYMM(created_at)
ORDER BY (topic, theme, created_at)
SETTINGS index_granularity = 1024;

{{distributed "q_theme_posts" "cityHash64(post_id)"}}

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table "q_theme_posts_mv"}}{{onCluster}} TO {{table "q_theme_posts"}} AS
SELECT
    mt AS topic,
    mh AS theme,
    created_at,
    post_id,
    source,
    lang,
    author_pseudonym,
    ms AS sentiment,
    text,
    arrayFilter((e, t) -> t = mt, e_entity, e_topic) AS entities,
    arrayFilter((y, t) -> t = mt, e_type, e_topic) AS entity_types,
    arrayDistinct(extractAll(lowerUTF8(text), '\\p{L}{4,}')) AS terms
FROM {{table "posts"}}
ARRAY JOIN m_topic AS mt, m_theme AS mh, m_sentiment AS ms
WHERE mt != '';
