package store

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/post"
	"github.com/undertone/undertone/store/storetest"
)

// TestCompatDump writes what store/compat/chdb_check.py runs through chDB
// (current ClickHouse): every DDL statement, sample rows of posts in the
// Writer's encoding, and every query template of this package with sample
// parameters. It runs only when UNDERTONE_COMPAT_DIR names the output
// directory (make compat sets it).
func TestCompatDump(t *testing.T) {
	dir := os.Getenv("UNDERTONE_COMPAT_DIR")
	if dir == "" {
		t.Skip("UNDERTONE_COMPAT_DIR not set")
	}
	s := Schema{Database: "undertone"}
	migs, err := Migrations(s)
	if err != nil {
		t.Fatal(err)
	}
	var ddl []string
	ddl = append(ddl, "CREATE DATABASE IF NOT EXISTS undertone")
	ddl = append(ddl, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.schema_migrations (
    version     UInt32,
    name        String,
    checksum    String,
    applied_at  DateTime('UTC') DEFAULT now()
) ENGINE = ReplacingMergeTree() ORDER BY version`, s.Database))
	for _, m := range migs {
		ddl = append(ddl, m.Statements...)
	}
	write(t, filepath.Join(dir, "ddl.sql"), strings.Join(ddl, "\n;;\n"))

	posts := storetest.Posts(3000, 62, 2, 42)
	ptrs := make([]*post.Enriched, len(posts))
	for i := range posts {
		ptrs[i] = &posts[i]
	}
	var c columns
	c.fill(ptrs, "posts.enriched")
	var rows strings.Builder
	enc := json.NewEncoder(&rows)
	for i := range ptrs {
		row := map[string]any{
			"post_id": c.postID[i], "id": c.id[i], "source": c.source[i],
			"created_at": c.createdAt[i].Format(time.DateTime), "ingested_at": c.ingestedAt[i].Format(time.DateTime),
			"lang": c.lang[i], "author_pseudonym": c.author[i], "author_key_id": c.keyID[i], "text": c.text[i],
			"sentiment": c.sentiment[i], "sentiment_label": c.label[i], "emotion_labels": c.emotionLabels[i],
			"themes": c.themes[i], "entity_text": c.entText[i], "entity_canonical": c.entCanon[i], "entity_type": c.entType[i],
			"entity_start": c.entStart[i], "entity_end": c.entEnd[i], "topic_ids": c.topicIDs[i], "topic_sentiments": c.topicSent[i],
			"topic_themes": c.topicThemes[i], "intents": c.intents[i], "enricher_names": c.enrNames[i], "enricher_versions": c.enrVersions[i],
			"failed_enrichers": c.failed[i], "m_topic": c.mTopic[i], "m_theme": c.mTheme[i], "m_sentiment": c.mSent[i],
			"e_topic": c.eTopic[i], "e_entity": c.eEntity[i], "e_type": c.eType[i], "e_sentiment": c.eSent[i],
			"src_topic": c.srcTopic[i], "src_partition": c.srcPartition[i], "src_offset": c.srcOffset[i],
		}
		for j, e := range post.Emotions {
			row["emotion_"+e] = c.emotions[j][i]
		}
		for j, e := range post.Ekman {
			row["ekman_"+e] = c.ekman[j][i]
		}
		if err := enc.Encode(row); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(dir, "posts.jsonl"), rows.String())
	write(t, filepath.Join(dir, "insert.sql"), InsertQuery(s)+" FORMAT JSONEachRow")

	bind := func(q string, args ...string) string {
		for _, a := range args {
			q = strings.Replace(q, "?", a, 1)
		}
		return q
	}
	queries := []string{
		// The Writer sends the dedupe lookup's ids as an external table;
		// chDB gets an ordinary table of that name (captured lookups from
		// the 18.16 test server's query_log are replayed against it too).
		"CREATE TABLE " + DedupeTable + " (post_id String) ENGINE = Memory",
		"INSERT INTO " + DedupeTable + " SELECT post_id FROM undertone.posts LIMIT 50",
		DedupeQuery(s, storetest.Base, storetest.Base.AddDate(0, 0, 62)),
		bind(ResumeQuery(s), "'posts.enriched'", "1"),
		bind(PartitionsQuery, "'undertone'", "'posts'"),
		"SELECT version, any(checksum), min(applied_at) FROM undertone.schema_migrations GROUP BY version ORDER BY version",
		// The aggregate reads the tests compare with recomputations.
		"SELECT toString(day), topic, theme, source, lang, countMerge(post_count), uniqExactMerge(authors), sumMerge(sentiment_sum), sumMerge(s_very_negative), sumMerge(s_negative), sumMerge(s_neutral), sumMerge(s_positive), sumMerge(s_very_positive) FROM undertone.topic_theme_daily GROUP BY day, topic, theme, source, lang",
		"SELECT toString(day), topic, countMerge(post_count), uniqExactMerge(authors), sumMerge(sentiment_sum) FROM undertone.topic_daily GROUP BY day, topic",
		"SELECT toString(day), topic, entity, entity_type, countMerge(mentions), uniqExactMerge(authors), sumMerge(sentiment_sum) FROM undertone.entity_daily GROUP BY day, topic, entity, entity_type",
		"SELECT topic, theme, count(), uniqExact(author_pseudonym), sum(toFloat64(sentiment)) FROM undertone.mentions GROUP BY topic, theme",
		"SELECT count() FROM undertone.posts FINAL",
		// Last, as it removes data: retention's partition drop.
		DropPartitionQuery(s, "202603"),
	}
	write(t, filepath.Join(dir, "queries.sql"), strings.Join(queries, "\n;;\n"))
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
