-- 0015 (query API; owned by query/): exact drivers for filters of two kinds.
--
-- q_driver_dims (0013) keeps one dimension value per row, so drivers with
-- two kinds of filters (say source=reddit,forum and lang=en, which the
-- dashboards' filter bar allows) sampled the most recent 5,000 posts per
-- side of q_theme_posts: p95 475-540 ms on 10 million posts under 8
-- concurrent clients.
--
-- q_driver_combo holds the same items per (day, topic, theme) for the
-- combinations of source, lang and sentiment label (negative < -0.2 <=
-- neutral <= 0.2 < positive, as q_driver_dims and q_theme_combo) that a
-- request of two or three kinds reads, '*' (slabel '') meaning every
-- value: four rows per grain and item on insert,
--   (src, lng, slabel)   for source + lang + sentiment,
--   (src, lng, '')       for source + lang,
--   (src, '*', slabel)   for source + sentiment,
--   ('*', lng, slabel)   for lang + sentiment,
-- so any request reads one range per combination of its filter values
-- (two for source=a,b&lang=en) and the rows it needs. (The columns are
-- src and lng, not source and lang, so that the view's aliases do not
-- shadow the posts' columns.) The topic and theme come first in the
-- sorting key, then the combination and the day.
--
-- Measured on the 10-million-post benchmark copy (30 days, source=
-- reddit,forum&lang=en; docs/api.md): with rows per (src, lng, slabel)
-- only, 30,976 rows and 14 ms of server time, p95 147 ms under 8 clients;
-- with the every-sentiment rows 10,752 rows, 8 ms, p95 95-128 ms. A
-- sentiment with one other kind read 30,000-36,000 rows (every value of
-- the kind not filtered on), p95 138-198 ms, before the '*' rows. Each
-- row per grain costs about 50 us of server CPU per pipeline-generated
-- post on insert (docs/storage.md). The benchmark's vocabulary is small,
-- so nearly every word occurs in every combination; real text spreads its
-- rarer words over fewer of them.
--
-- It is an optional view with q_driver_dims_mv
-- (store.drivers_by_dimension). It holds words of the posts' texts, so
-- retention drops its months with posts' (store.TextCopies). Not
-- backfilled, like 0010-0014: until it is (query/querytest.Backfill), its
-- '#' counts do not match the group sizes and those drivers sample.
CREATE TABLE IF NOT EXISTS {{table "q_driver_combo"}}{{onCluster}} (
    day        Date,
    topic      String,
    theme      String,
    src        String,
    lng        String,
    slabel     String,
    item       String,
    item_type  String,
    posts      AggregateFunction(count),
    authors_k  AggregateFunction(uniqUpTo(16), String)
) ENGINE = {{engine "AggregatingMergeTree" "q_driver_combo"}}
PARTITION BY toYYYYMM(day)
ORDER BY (topic, theme, src, lng, slabel, day, item, item_type)
SETTINGS index_granularity = 256;

{{distributed "q_driver_combo" ""}}

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table "q_driver_combo_mv"}}{{onCluster}} TO {{table "q_driver_combo"}} AS
SELECT
    toDate(created_at) AS day,
    mt AS topic,
    mh AS theme,
    (arrayJoin([(source, lang, sl), (source, lang, ''), (source, '*', sl), ('*', lang, sl)]) AS c).1 AS src,
    c.2 AS lng,
    c.3 AS slabel,
    (arrayJoin(arrayConcat([('#', '')],
        arrayMap((e, y) -> (concat('e', e), y), arrayFilter((e, t) -> t = mt, e_entity, e_topic), arrayFilter((y, t) -> t = mt, e_type, e_topic)),
        tw)) AS it).1 AS item,
    it.2 AS item_type,
    countState() AS posts,
    uniqUpToState(16)(author_pseudonym) AS authors_k
FROM {{table "posts"}}
ARRAY JOIN m_topic AS mt, m_theme AS mh, arrayMap(x -> multiIf(x < -0.2, 'negative', x > 0.2, 'positive', 'neutral'), m_sentiment) AS sl,
    arrayResize([arrayMap(w -> (concat('t', w), ''), arrayDistinct(extractAll(lowerUTF8(text), '\\p{L}{4,}')))], length(m_topic),
        arrayMap(w -> (concat('t', w), ''), arrayDistinct(extractAll(lowerUTF8(text), '\\p{L}{4,}')))) AS tw
WHERE mt != ''
GROUP BY day, topic, theme, src, lng, slabel, item, item_type;
