-- 0015 (query API; owned by query/): exact drivers for filters of two kinds.
--
-- q_driver_dims (0013) keeps one dimension value per row, so drivers with
-- two kinds of filters (say source=reddit,forum and lang=en, which the
-- dashboards' filter bar allows) sampled the most recent 5,000 posts per
-- side of q_theme_posts: p95 475-540 ms on 10 million posts under 8
-- concurrent clients.
--
-- q_driver_combo holds the same items per (day, topic, theme) and
-- combination of source, lang and sentiment label of the grain (negative <
-- -0.2 <= neutral <= 0.2 < positive, as q_driver_dims and q_theme_combo),
-- and with slabel '' every sentiment (as q_theme_combo): two rows per
-- grain and item on insert. The topic and theme come first in the sorting
-- key, then the combination, so a request reads its combinations' rows of
-- the theme and of the topic as a whole: for source=reddit,forum&lang=en
-- over 30 days 10,752 rows in 8 ms of server time, where without the
-- every-sentiment rows it read the three labels' 30,976 rows in 14 ms (p95
-- 147 ms under 8 clients, at the target's edge). The benchmark's
-- vocabulary is small, so nearly every word occurs in every combination;
-- real text spreads its rarer words over fewer of them.
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
    source     String,
    lang       String,
    slabel     String,
    item       String,
    item_type  String,
    posts      AggregateFunction(count),
    authors_k  AggregateFunction(uniqUpTo(16), String)
) ENGINE = {{engine "AggregatingMergeTree" "q_driver_combo"}}
PARTITION BY toYYYYMM(day)
ORDER BY (topic, theme, source, lang, slabel, day, item, item_type)
SETTINGS index_granularity = 256;

{{distributed "q_driver_combo" ""}}

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table "q_driver_combo_mv"}}{{onCluster}} TO {{table "q_driver_combo"}} AS
SELECT
    toDate(created_at) AS day,
    mt AS topic,
    mh AS theme,
    source,
    lang,
    arrayJoin([multiIf(ms < -0.2, 'negative', ms > 0.2, 'positive', 'neutral'), '']) AS slabel,
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
GROUP BY day, topic, theme, source, lang, slabel, item, item_type;
