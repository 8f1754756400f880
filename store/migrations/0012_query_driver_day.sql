-- 0012 (query API; owned by query/): exact drivers from a daily aggregate.
--
-- Drivers ("which entities and terms are over-represented in acme x
-- fears") used to count the entities and terms of the most recent 5,000
-- posts of each side in q_theme_posts. At 10 million posts that was about
-- 40 ms of server CPU per request (fetching and sorting the two samples'
-- arrays, then counting ~130,000 items), p95 about 290 ms under 8
-- concurrent clients on 2 cores, and the counts were of a sample.
--
-- q_driver_day holds, per (day, topic, theme), the posts that mention each
-- item: '#' (every post: the group's size, which also tells whether the
-- table covers a period), 'e' + entity name (the topic's entities of the
-- post, with their type) and 't' + term (the post's distinct lowercased
-- words of 4+ letters, as q_theme_posts.terms). theme '' is the whole
-- topic, the drivers' baseline. authors_k (uniqUpTo(16)) is each item's k
-- check, exact up to 16. An unfiltered drivers request reads one row per
-- (day, side, item): exact counts over the whole period instead of a
-- sample. Filtered requests (source, lang, sentiment) still sample
-- q_theme_posts: one row per dimension value as well, like q_theme_dims,
-- measured 90-97 us of server CPU per pipeline-generated post for this view
-- against 22 for the whole volume alone (each post has about 4.4 topic x
-- theme grains and 12 items per grain).
--
-- The table grows with the vocabulary: rows per (day, topic, theme) are the
-- distinct items of that day's posts. It holds words of the posts' texts,
-- so retention drops its months with posts' (store.TextCopies).
--
-- Not backfilled, like 0010 and 0011: on a database that already holds
-- posts, fill it once with the view's SELECT while nothing else writes
-- (query/querytest.Backfill, docs/api.md). Until then the '#' counts do not
-- match the group sizes and drivers falls back to sampling.
CREATE TABLE IF NOT EXISTS {{table "q_driver_day"}}{{onCluster}} (
    day        Date,
    topic      String,
    theme      String,
    item       String,
    item_type  String,
    posts      AggregateFunction(count),
    authors_k  AggregateFunction(uniqUpTo(16), String)
) ENGINE = {{engine "AggregatingMergeTree" "q_driver_day"}}
PARTITION BY toYYYYMM(day)
ORDER BY (topic, theme, day, item, item_type)
SETTINGS index_granularity = 256;

{{distributed "q_driver_day" ""}}

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table "q_driver_day_mv"}}{{onCluster}} TO {{table "q_driver_day"}} AS
SELECT
    toDate(created_at) AS day,
    mt AS topic,
    mh AS theme,
    (arrayJoin(arrayConcat([('#', '')],
        arrayMap((e, y) -> (concat('e', e), y), arrayFilter((e, t) -> t = mt, e_entity, e_topic), arrayFilter((y, t) -> t = mt, e_type, e_topic)),
        arrayMap(w -> (concat('t', w), ''), arrayDistinct(extractAll(lowerUTF8(text), '\\p{L}{4,}'))))) AS it).1 AS item,
    it.2 AS item_type,
    countState() AS posts,
    uniqUpToState(16)(author_pseudonym) AS authors_k
FROM {{table "posts"}}
ARRAY JOIN m_topic AS mt, m_theme AS mh
WHERE mt != ''
GROUP BY day, topic, theme, item, item_type;
