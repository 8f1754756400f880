-- 0011 (query API; owned by query/): the weekly table keeps every
-- dimension, like the daily one.
--
-- 0010's q_theme_dims_week held only the whole volume (dim 0) with the
-- uniqHLL12 author sketches, so an answer filtered by source, lang or
-- sentiment over 90 days merged one 2.5 KB sketch per day (a share of voice
-- on two sources: 12 topics x 7 themes x 90 days x 2 values = 15,000, about
-- 40 us apiece on this machine). q_theme_week has the four dimensions of
-- q_theme_dims (all / source / lang / sentiment label) and both author
-- columns, so every answer without a per-day key reads one state per full
-- ISO week plus the days at the edges: 18 per group instead of 90 over 90
-- days. The price is on inserts (about 20 us of server CPU per post more
-- than the dim-0-only view, docs/storage.md), chosen for the analysts'
-- latency targets. (ClickHouse 18.16 does not cascade views, so the view
-- reads posts rather than q_theme_dims' blocks.)
--
-- Not backfilled, like 0010: on a database that already holds posts, fill
-- q_theme_week once with its view's SELECT before serving, while nothing
-- else writes (query/querytest.Backfill, docs/api.md). Until then weekly
-- answers miss the earlier weeks.
DROP TABLE IF EXISTS {{table "q_theme_dims_week_mv"}}{{onCluster}};
DROP TABLE IF EXISTS {{.Database}}.q_theme_dims_week{{onCluster}};
DROP TABLE IF EXISTS {{table "q_theme_dims_week"}}{{onCluster}};

CREATE TABLE IF NOT EXISTS {{table "q_theme_week"}}{{onCluster}} (
    week             Date,
    dim              UInt8,
    topic            String,
    theme            String,
    value            String,
    post_count       AggregateFunction(count),
    sentiment_sum    AggregateFunction(sum, Float64),
    authors          AggregateFunction(uniqHLL12, String),
    authors_k        AggregateFunction(uniqUpTo(16), String)
) ENGINE = {{engine "AggregatingMergeTree" "q_theme_week"}}
PARTITION BY toYYYYMM(week)
ORDER BY (dim, topic, theme, value, week)
SETTINGS index_granularity = 32;

{{distributed "q_theme_week" ""}}

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table "q_theme_week_mv"}}{{onCluster}} TO {{table "q_theme_week"}} AS
SELECT
    toMonday(toDate(created_at)) AS week,
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
GROUP BY week, dim, topic, theme, value;
