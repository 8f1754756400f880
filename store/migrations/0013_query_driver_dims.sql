-- 0013 (query API; owned by query/): exact drivers for filtered requests.
--
-- q_driver_day (0012) made unfiltered drivers exact and cheap, but a
-- request with a source, lang or sentiment filter still sampled the 5,000
-- most recent posts per side of q_theme_posts: 70-90 ms of server CPU at 10
-- million posts, p95 about 400 ms under 8 concurrent clients on 2 cores.
--
-- q_driver_dims holds the same items per (day, topic, theme) for each
-- dimension value, as q_theme_dims does for the groups: dim 1 one row per
-- source, dim 2 per lang, dim 3 per sentiment label of the grain
-- (negative < -0.2 <= neutral <= 0.2 < positive). A request with one kind
-- of filter reads that value's rows only (the value comes before the day
-- in the sorting key): as many rows as an unfiltered request reads from
-- q_driver_day for lang=en, twice as many for source=a,b. A request that
-- combines two kinds (say source and lang) still samples q_theme_posts,
-- as groups read the mentions fact table for them.
--
-- Measured alternatives, on the 10-million-post benchmark copy and on
-- 2,000-post batches of pipeline-generated posts (server CPU per post of
-- the view's SELECT, single-threaded; docs/api.md):
-- * one row per source x lang x sentiment combination (exact for any mix
--   of filters, about 29 us per post): a single-kind filter then reads 15
--   to 18 times the rows of q_driver_day (80,000-90,000 for 30 days),
--   drivers with a filter p95 247 ms under 8 clients;
-- * rows per source x lang plus rows per sentiment: 52 us per post, 5 to 6
--   times the rows;
-- * this table: 64-80 us per post, 1 to 2 times the rows.
--
-- Both drivers views and q_theme_posts_mv tokenize each post once: the
-- words are computed in the ARRAY JOIN (arrayResize copies them to every
-- topic x theme grain of the post), not per grain after it, which saved
-- 7-8 us per post in each view (q_driver_day_mv and q_theme_posts_mv are
-- recreated here for that). A view that is recreated misses the posts
-- written in between: run migrations while nothing writes (docs/api.md).
--
-- It holds words of the posts' texts, so retention drops its months with
-- posts' (store.TextCopies). Not backfilled, like 0010-0012: until it is
-- (query/querytest.Backfill), its '#' counts do not match the filtered
-- group sizes and filtered drivers fall back to sampling.
CREATE TABLE IF NOT EXISTS {{table "q_driver_dims"}}{{onCluster}} (
    day        Date,
    dim        UInt8,
    topic      String,
    theme      String,
    value      String,
    item       String,
    item_type  String,
    posts      AggregateFunction(count),
    authors_k  AggregateFunction(uniqUpTo(16), String)
) ENGINE = {{engine "AggregatingMergeTree" "q_driver_dims"}}
PARTITION BY toYYYYMM(day)
ORDER BY (dim, topic, theme, value, day, item, item_type)
SETTINGS index_granularity = 256;

{{distributed "q_driver_dims" ""}}

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table "q_driver_dims_mv"}}{{onCluster}} TO {{table "q_driver_dims"}} AS
SELECT
    toDate(created_at) AS day,
    arrayJoin([1, 2, 3]) AS dim,
    mt AS topic,
    mh AS theme,
    [source, lang, multiIf(ms < -0.2, 'negative', ms > 0.2, 'positive', 'neutral')][dim] AS value,
    (arrayJoin(arrayConcat([('#', '')],
        arrayMap((e, y) -> (concat('e', e), y), arrayFilter((e, t) -> t = mt, e_entity, e_topic), arrayFilter((y, t) -> t = mt, e_type, e_topic)),
        tw)) AS it).1 AS item,
    it.2 AS item_type,
    countState() AS posts,
    uniqUpToState(16)(author_pseudonym) AS authors_k
FROM {{table "posts"}}
ARRAY JOIN m_topic AS mt, m_theme AS mh, m_sentiment AS ms,
    arrayResize([arrayMap(w -> (concat('t', w), ''), arrayDistinct(extractAll(lowerUTF8(text), '\\p{L}{4,}')))], length(m_topic),
        arrayMap(w -> (concat('t', w), ''), arrayDistinct(extractAll(lowerUTF8(text), '\\p{L}{4,}')))) AS tw
WHERE mt != ''
GROUP BY day, dim, topic, theme, value, item, item_type;

DROP TABLE IF EXISTS {{table "q_driver_day_mv"}}{{onCluster}};

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table "q_driver_day_mv"}}{{onCluster}} TO {{table "q_driver_day"}} AS
SELECT
    toDate(created_at) AS day,
    mt AS topic,
    mh AS theme,
    (arrayJoin(arrayConcat([('#', '')],
        arrayMap((e, y) -> (concat('e', e), y), arrayFilter((e, t) -> t = mt, e_entity, e_topic), arrayFilter((y, t) -> t = mt, e_type, e_topic)),
        tw)) AS it).1 AS item,
    it.2 AS item_type,
    countState() AS posts,
    uniqUpToState(16)(author_pseudonym) AS authors_k
FROM {{table "posts"}}
ARRAY JOIN m_topic AS mt, m_theme AS mh,
    arrayResize([arrayMap(w -> (concat('t', w), ''), arrayDistinct(extractAll(lowerUTF8(text), '\\p{L}{4,}')))], length(m_topic),
        arrayMap(w -> (concat('t', w), ''), arrayDistinct(extractAll(lowerUTF8(text), '\\p{L}{4,}')))) AS tw
WHERE mt != ''
GROUP BY day, topic, theme, item, item_type;

DROP TABLE IF EXISTS {{table "q_theme_posts_mv"}}{{onCluster}};

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
    tms AS terms
FROM {{table "posts"}}
ARRAY JOIN m_topic AS mt, m_theme AS mh, m_sentiment AS ms,
    arrayResize([arrayDistinct(extractAll(lowerUTF8(text), '\\p{L}{4,}'))], length(m_topic),
        arrayDistinct(extractAll(lowerUTF8(text), '\\p{L}{4,}'))) AS tms
WHERE mt != '';
