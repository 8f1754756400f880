-- 0001: the Undertone store. See docs/storage.md for the design.
--
-- This file is a Go text/template rendered by store.Migrator (see
-- store/schema.go): "table" names the storage table (db.x, or db.x_local in
-- cluster mode), "onCluster" adds ON CLUSTER in replicated cluster mode,
-- "engine" picks MergeTree or its Replicated variant, "distributed" adds the
-- Distributed table db.x over db.x_local in cluster mode.
-- Statements end with ";" at the end of a line. Every statement is
-- idempotent (IF NOT EXISTS), so concurrent or repeated runs are harmless.
-- Valid on ClickHouse 18.16 and current releases (checked with chDB).

-- posts: one row per post; the only table the application inserts into.
-- Everything else below is filled by materialized views inside the same
-- INSERT. Partitioned by month of created_at so retention drops whole
-- partitions; sorted by (day, post_id) so the sink's dedupe lookup
-- (post_id IN (...) within the batch's created_at range) and drill-down by
-- post_id read few granules. ReplacingMergeTree is a second line of defence:
-- FINAL collapses a post written twice by a zombie writer (see delivery.md).
CREATE TABLE IF NOT EXISTS {{table "posts"}}{{onCluster}} (
    post_id            String,
    id                 String,
    source             String,
    created_at         DateTime('UTC'),
    ingested_at        DateTime('UTC'),
    lang               String,
    author_pseudonym   String,
    author_key_id      String,
    text               String,
    sentiment          Float32,
    sentiment_label    String,
{{- range emotions}}
    emotion_{{.}} Float32,
{{- end}}
    emotion_labels     Array(String),
{{- range ekman}}
    ekman_{{.}} Float32,
{{- end}}
    themes             Array(String),
    entity_text        Array(String),
    entity_canonical   Array(String),
    entity_type        Array(String),
    entity_start       Array(UInt32),
    entity_end         Array(UInt32),
    topic_ids          Array(String),
    topic_sentiments   Array(Float32),
    topic_themes       Array(Array(String)),
    intents            Array(String),
    enricher_names     Array(String),
    enricher_versions  Array(String),
    failed_enrichers   Array(String),
    m_topic            Array(String),
    m_theme            Array(String),
    m_sentiment        Array(Float32),
    e_topic            Array(String),
    e_entity           Array(String),
    e_type             Array(String),
    e_sentiment        Array(Float32),
    src_topic          String,
    src_partition      Int32,
    src_offset         Int64,
    stored_at          DateTime('UTC') DEFAULT now()
) ENGINE = {{engine "ReplacingMergeTree" "posts"}}
PARTITION BY toYYYYMM(created_at)
ORDER BY (toDate(created_at), post_id)
SETTINGS index_granularity = 8192;

{{distributed "posts" "cityHash64(post_id)"}}

-- mentions: the fact table at grain post x topic x theme. topic '' is "all
-- posts", theme '' is "all themes", so every post has a ('', '') row and each
-- topic hit a (topic, '') row: volumes never need a second ARRAY JOIN.
CREATE TABLE IF NOT EXISTS {{table "mentions"}}{{onCluster}} (
    day               Date,
    created_at        DateTime('UTC'),
    topic             String,
    theme             String,
    post_id           String,
    source            String,
    lang              String,
    author_pseudonym  String,
    sentiment         Float32
) ENGINE = {{engine "MergeTree" "mentions"}}
PARTITION BY toYYYYMM(day)
ORDER BY (topic, theme, day, post_id)
SETTINGS index_granularity = 8192;

{{distributed "mentions" "cityHash64(post_id)"}}

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table "mentions_mv"}}{{onCluster}} TO {{table "mentions"}} AS
SELECT
    toDate(created_at) AS day,
    created_at,
    mt AS topic,
    mh AS theme,
    post_id,
    source,
    lang,
    author_pseudonym,
    ms AS sentiment
FROM {{table "posts"}}
ARRAY JOIN m_topic AS mt, m_theme AS mh, m_sentiment AS ms;

-- topic_theme_daily: per (day, topic, theme, source, lang). Sentiment sums
-- are exact: scores are stored as multiples of 2^-16, so Float64 sums do not
-- depend on the order of addition. Buckets: [-1,-0.6) [-0.6,-0.2) [-0.2,0.2]
-- (0.2,0.6] (0.6,1]. authors is exact (uniqExact) for k-anonymity.
CREATE TABLE IF NOT EXISTS {{table "topic_theme_daily"}}{{onCluster}} (
    day              Date,
    topic            String,
    theme            String,
    source           String,
    lang             String,
    post_count       AggregateFunction(count),
    authors          AggregateFunction(uniqExact, String),
    sentiment_sum    AggregateFunction(sum, Float64),
    s_very_negative  AggregateFunction(sum, UInt64),
    s_negative       AggregateFunction(sum, UInt64),
    s_neutral        AggregateFunction(sum, UInt64),
    s_positive       AggregateFunction(sum, UInt64),
    s_very_positive  AggregateFunction(sum, UInt64)
) ENGINE = {{engine "AggregatingMergeTree" "topic_theme_daily"}}
PARTITION BY toYYYYMM(day)
ORDER BY (topic, theme, day, source, lang)
SETTINGS index_granularity = 8192;

{{distributed "topic_theme_daily" ""}}

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table "topic_theme_daily_mv"}}{{onCluster}} TO {{table "topic_theme_daily"}} AS
SELECT
    toDate(created_at) AS day,
    mt AS topic,
    mh AS theme,
    source,
    lang,
    countState() AS post_count,
    uniqExactState(author_pseudonym) AS authors,
    sumState(toFloat64(ms)) AS sentiment_sum,
    sumState(toUInt64(ms < -0.6)) AS s_very_negative,
    sumState(toUInt64(ms >= -0.6 AND ms < -0.2)) AS s_negative,
    sumState(toUInt64(ms >= -0.2 AND ms <= 0.2)) AS s_neutral,
    sumState(toUInt64(ms > 0.2 AND ms <= 0.6)) AS s_positive,
    sumState(toUInt64(ms > 0.6)) AS s_very_positive
FROM {{table "posts"}}
ARRAY JOIN m_topic AS mt, m_theme AS mh, m_sentiment AS ms
GROUP BY day, topic, theme, source, lang;

-- topic_daily: per (day, topic), the theme '' rows of the grain.
CREATE TABLE IF NOT EXISTS {{table "topic_daily"}}{{onCluster}} (
    day              Date,
    topic            String,
    post_count       AggregateFunction(count),
    authors          AggregateFunction(uniqExact, String),
    sentiment_sum    AggregateFunction(sum, Float64),
    s_very_negative  AggregateFunction(sum, UInt64),
    s_negative       AggregateFunction(sum, UInt64),
    s_neutral        AggregateFunction(sum, UInt64),
    s_positive       AggregateFunction(sum, UInt64),
    s_very_positive  AggregateFunction(sum, UInt64)
) ENGINE = {{engine "AggregatingMergeTree" "topic_daily"}}
PARTITION BY toYYYYMM(day)
ORDER BY (topic, day)
SETTINGS index_granularity = 8192;

{{distributed "topic_daily" ""}}

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table "topic_daily_mv"}}{{onCluster}} TO {{table "topic_daily"}} AS
SELECT
    toDate(created_at) AS day,
    mt AS topic,
    countState() AS post_count,
    uniqExactState(author_pseudonym) AS authors,
    sumState(toFloat64(ms)) AS sentiment_sum,
    sumState(toUInt64(ms < -0.6)) AS s_very_negative,
    sumState(toUInt64(ms >= -0.6 AND ms < -0.2)) AS s_negative,
    sumState(toUInt64(ms >= -0.2 AND ms <= 0.2)) AS s_neutral,
    sumState(toUInt64(ms > 0.2 AND ms <= 0.6)) AS s_positive,
    sumState(toUInt64(ms > 0.6)) AS s_very_positive
FROM {{table "posts"}}
ARRAY JOIN m_topic AS mt, m_theme AS mh, m_sentiment AS ms
WHERE mh = ''
GROUP BY day, topic;

-- entity_daily: per (day, topic, entity, entity_type); mentions counts posts
-- that mention the entity (once per post), topic '' is all posts.
CREATE TABLE IF NOT EXISTS {{table "entity_daily"}}{{onCluster}} (
    day            Date,
    topic          String,
    entity         String,
    entity_type    String,
    mentions       AggregateFunction(count),
    authors        AggregateFunction(uniqExact, String),
    sentiment_sum  AggregateFunction(sum, Float64)
) ENGINE = {{engine "AggregatingMergeTree" "entity_daily"}}
PARTITION BY toYYYYMM(day)
ORDER BY (topic, day, entity, entity_type)
SETTINGS index_granularity = 8192;

{{distributed "entity_daily" ""}}

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table "entity_daily_mv"}}{{onCluster}} TO {{table "entity_daily"}} AS
SELECT
    toDate(created_at) AS day,
    et AS topic,
    ee AS entity,
    ey AS entity_type,
    countState() AS mentions,
    uniqExactState(author_pseudonym) AS authors,
    sumState(toFloat64(es)) AS sentiment_sum
FROM {{table "posts"}}
ARRAY JOIN e_topic AS et, e_entity AS ee, e_type AS ey, e_sentiment AS es
GROUP BY day, topic, entity, entity_type;

-- sink_offsets: the highest Kafka offset stored per (topic, partition), the
-- sink's resume point. Written in the same INSERT as the rows, and not
-- touched by retention.
CREATE TABLE IF NOT EXISTS {{table "sink_offsets"}}{{onCluster}} (
    src_topic      String,
    src_partition  Int32,
    max_offset     AggregateFunction(max, Int64),
    row_count      AggregateFunction(count)
) ENGINE = {{engine "AggregatingMergeTree" "sink_offsets"}}
ORDER BY (src_topic, src_partition);

{{distributed "sink_offsets" ""}}

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table "sink_offsets_mv"}}{{onCluster}} TO {{table "sink_offsets"}} AS
SELECT
    src_topic,
    src_partition,
    maxState(src_offset) AS max_offset,
    countState() AS row_count
FROM {{table "posts"}}
GROUP BY src_topic, src_partition;
