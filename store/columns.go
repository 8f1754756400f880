package store

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/undertone/undertone/post"
)

// postColumns lists, in order, every column the Writer inserts into posts.
// stored_at is left to its DEFAULT now().
var postColumns = func() []string {
	c := []string{
		"post_id", "id", "source", "created_at", "ingested_at", "lang",
		"author_pseudonym", "author_key_id", "text", "sentiment", "sentiment_label",
	}
	for _, e := range post.Emotions {
		c = append(c, "emotion_"+e)
	}
	c = append(c, "emotion_labels")
	for _, e := range post.Ekman {
		c = append(c, "ekman_"+e)
	}
	return append(c,
		"themes", "entity_text", "entity_canonical", "entity_type", "entity_start", "entity_end",
		"topic_ids", "topic_sentiments", "topic_themes", "intents",
		"enricher_names", "enricher_versions", "failed_enrichers",
		"m_topic", "m_theme", "m_sentiment", "e_topic", "e_entity", "e_type", "e_sentiment",
		"src_topic", "src_partition", "src_offset",
	)
}()

// InsertQuery is the Writer's INSERT, naming every column (ClickHouse 18.16
// needs them named for native batches).
func InsertQuery(s Schema) string {
	return "INSERT INTO " + s.Table("posts") + " (" + strings.Join(postColumns, ", ") + ")"
}

// columns holds one batch in columnar form. Rows' array values are
// sub-slices of shared backing arrays, so a batch costs a few allocations per
// column rather than several per post; it is reused through a sync.Pool.
type columns struct {
	postID, id, source     []string
	createdAt, ingestedAt  []time.Time
	lang, author, keyID    []string
	text                   []string
	sentiment              []float32
	label                  []string
	emotions               [len(post.Emotions)][]float32
	emotionLabels          [][]string
	ekman                  [len(post.Ekman)][]float32
	themes                 [][]string
	entText, entCanon      [][]string
	entType                [][]string
	entStart, entEnd       [][]uint32
	topicIDs               [][]string
	topicSent              [][]float32
	topicThemes            [][][]string
	intents                [][]string
	enrNames, enrVersions  [][]string
	failed                 [][]string
	mTopic, mTheme         [][]string
	mSent                  [][]float32
	eTopic, eEntity, eType [][]string
	eSent                  [][]float32
	srcTopic               []string
	srcPartition           []int32
	srcOffset              []int64
	strArena               []string
	f32Arena               []float32
	u32Arena               []uint32
}

func (c *columns) reset() {
	*c = columns{
		postID: c.postID[:0], id: c.id[:0], source: c.source[:0],
		createdAt: c.createdAt[:0], ingestedAt: c.ingestedAt[:0],
		lang: c.lang[:0], author: c.author[:0], keyID: c.keyID[:0], text: c.text[:0],
		sentiment: c.sentiment[:0], label: c.label[:0],
		emotionLabels: c.emotionLabels[:0], themes: c.themes[:0],
		entText: c.entText[:0], entCanon: c.entCanon[:0], entType: c.entType[:0],
		entStart: c.entStart[:0], entEnd: c.entEnd[:0],
		topicIDs: c.topicIDs[:0], topicSent: c.topicSent[:0], topicThemes: c.topicThemes[:0],
		intents: c.intents[:0], enrNames: c.enrNames[:0], enrVersions: c.enrVersions[:0], failed: c.failed[:0],
		mTopic: c.mTopic[:0], mTheme: c.mTheme[:0], mSent: c.mSent[:0],
		eTopic: c.eTopic[:0], eEntity: c.eEntity[:0], eType: c.eType[:0], eSent: c.eSent[:0],
		srcTopic: c.srcTopic[:0], srcPartition: c.srcPartition[:0], srcOffset: c.srcOffset[:0],
		emotions: c.emotions, ekman: c.ekman,
	}
	for i := range c.emotions {
		c.emotions[i] = c.emotions[i][:0]
	}
	for i := range c.ekman {
		c.ekman[i] = c.ekman[i][:0]
	}
	// Arenas are not reused: earlier rows' sub-slices may still be
	// referenced by a driver buffer until the batch is sent; a fresh arena
	// per batch is a handful of allocations.
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// fill converts posts to columns. srcTopic is recorded with every row.
func (c *columns) fill(posts []*post.Enriched, srcTopic string) {
	// Size the arenas up front so sub-slices never move (append on a full
	// arena would reallocate and leave earlier sub-slices pointing at the
	// old array, which is still correct, but wastes memory).
	nStr, nF32, nU32 := 0, 0, 0
	for _, p := range posts {
		ents := len(p.Entities)
		nStr += 3*ents + 2*len(p.Enrichers) + len(p.Failures)
		nU32 += 2 * ents
		nF32 += len(p.Topics)
		mRows := 1 + len(p.Themes)
		for _, t := range p.Topics {
			mRows += 1 + len(t.Themes)
			nStr += len(t.Themes) + 1
		}
		nStr += 2 * mRows
		nF32 += mRows
		eRows := ents * (1 + len(p.Topics))
		nStr += 3 * eRows
		nF32 += eRows
	}
	c.strArena = make([]string, 0, nStr)
	c.f32Arena = make([]float32, 0, nF32)
	c.u32Arena = make([]uint32, 0, nU32)

	for _, p := range posts {
		c.postID = append(c.postID, p.PostID)
		c.id = append(c.id, p.ID)
		c.source = append(c.source, p.Source)
		c.createdAt = append(c.createdAt, p.CreatedAt.UTC())
		ing := p.IngestedAt
		if ing.IsZero() {
			ing = p.CreatedAt
		}
		c.ingestedAt = append(c.ingestedAt, ing.UTC())
		c.lang = append(c.lang, p.Lang)
		c.author = append(c.author, p.AuthorPseudonym)
		c.keyID = append(c.keyID, p.AuthorKeyID)
		c.text = append(c.text, p.Text)
		ps := quantize(p.Sentiment.Score)
		c.sentiment = append(c.sentiment, ps)
		c.label = append(c.label, p.Sentiment.Label)
		for i, e := range post.Emotions {
			c.emotions[i] = append(c.emotions[i], float32(p.Emotions[e]))
		}
		c.emotionLabels = append(c.emotionLabels, orEmpty(p.EmotionLabels))
		for i, e := range post.Ekman {
			c.ekman[i] = append(c.ekman[i], float32(p.Ekman[e]))
		}
		c.themes = append(c.themes, orEmpty(p.Themes))

		// Entities.
		es, eStart := len(c.strArena), len(c.u32Arena)
		for _, e := range p.Entities {
			c.strArena = append(c.strArena, e.Text)
		}
		c.entText = append(c.entText, c.strArena[es:len(c.strArena):len(c.strArena)])
		es = len(c.strArena)
		for _, e := range p.Entities {
			c.strArena = append(c.strArena, entityName(e))
		}
		c.entCanon = append(c.entCanon, c.strArena[es:len(c.strArena):len(c.strArena)])
		es = len(c.strArena)
		for _, e := range p.Entities {
			c.strArena = append(c.strArena, e.Type)
		}
		c.entType = append(c.entType, c.strArena[es:len(c.strArena):len(c.strArena)])
		for _, e := range p.Entities {
			c.u32Arena = append(c.u32Arena, uint32(max(0, e.Start)))
		}
		c.entStart = append(c.entStart, c.u32Arena[eStart:len(c.u32Arena):len(c.u32Arena)])
		eStart = len(c.u32Arena)
		for _, e := range p.Entities {
			c.u32Arena = append(c.u32Arena, uint32(max(0, e.End)))
		}
		c.entEnd = append(c.entEnd, c.u32Arena[eStart:len(c.u32Arena):len(c.u32Arena)])

		// Topics (each topic id once; the first hit wins).
		ts, tf := len(c.strArena), len(c.f32Arena)
		topics := uniqueTopics(p.Topics)
		for _, t := range topics {
			c.strArena = append(c.strArena, t.ID)
			c.f32Arena = append(c.f32Arena, quantize(t.Sentiment))
		}
		c.topicIDs = append(c.topicIDs, c.strArena[ts:len(c.strArena):len(c.strArena)])
		c.topicSent = append(c.topicSent, c.f32Arena[tf:len(c.f32Arena):len(c.f32Arena)])
		tt := make([][]string, len(topics))
		for i, t := range topics {
			tt[i] = orEmpty(t.Themes)
		}
		c.topicThemes = append(c.topicThemes, tt)
		c.intents = append(c.intents, orEmpty(p.Intents))

		// Enricher versions, sorted by name.
		ns := len(c.strArena)
		for name := range p.Enrichers {
			c.strArena = append(c.strArena, name)
		}
		names := c.strArena[ns:len(c.strArena):len(c.strArena)]
		sort.Strings(names)
		c.enrNames = append(c.enrNames, names)
		vs := len(c.strArena)
		for _, name := range names {
			c.strArena = append(c.strArena, p.Enrichers[name])
		}
		c.enrVersions = append(c.enrVersions, c.strArena[vs:len(c.strArena):len(c.strArena)])
		fs := len(c.strArena)
		for _, f := range p.Failures {
			c.strArena = append(c.strArena, f.Enricher)
		}
		c.failed = append(c.failed, c.strArena[fs:len(c.strArena):len(c.strArena)])

		c.fillGrain(p, ps, topics)

		c.srcTopic = append(c.srcTopic, srcTopic)
		c.srcPartition = append(c.srcPartition, int32(p.Partition))
		c.srcOffset = append(c.srcOffset, p.Offset)
	}
}

// fillGrain computes the fan-out arrays the materialized views ARRAY JOIN:
// m_* at grain (topic, theme) with topic ” = all posts and theme ” = all
// themes, and e_* at grain (topic, entity) for the distinct entities of the
// post. A topic's rows carry the topic's sentiment, the ” topic rows the
// post's.
func (c *columns) fillGrain(p *post.Enriched, ps float32, topics []post.TopicHit) {
	mt, mf := len(c.strArena), len(c.f32Arena)
	type row struct {
		topic, theme string
		s            float32
	}
	var rows [16]row
	rs := rows[:0]
	rs = append(rs, row{"", "", ps})
	for _, th := range uniqueStrings(p.Themes) {
		rs = append(rs, row{"", th, ps})
	}
	for _, t := range topics {
		s := quantize(t.Sentiment)
		rs = append(rs, row{t.ID, "", s})
		for _, th := range uniqueStrings(t.Themes) {
			rs = append(rs, row{t.ID, th, s})
		}
	}
	for _, r := range rs {
		c.strArena = append(c.strArena, r.topic)
	}
	c.mTopic = append(c.mTopic, c.strArena[mt:len(c.strArena):len(c.strArena)])
	mh := len(c.strArena)
	for _, r := range rs {
		c.strArena = append(c.strArena, r.theme)
	}
	c.mTheme = append(c.mTheme, c.strArena[mh:len(c.strArena):len(c.strArena)])
	for _, r := range rs {
		c.f32Arena = append(c.f32Arena, r.s)
	}
	c.mSent = append(c.mSent, c.f32Arena[mf:len(c.f32Arena):len(c.f32Arena)])

	// Distinct (entity, type) pairs, crossed with '' and each topic.
	type ent struct{ name, typ string }
	var ebuf [8]ent
	ents := ebuf[:0]
outer:
	for _, e := range p.Entities {
		x := ent{entityName(e), e.Type}
		if x.name == "" {
			continue
		}
		for _, y := range ents {
			if y == x {
				continue outer
			}
		}
		ents = append(ents, x)
	}
	et := len(c.strArena)
	for range ents {
		c.strArena = append(c.strArena, "")
	}
	for _, t := range topics {
		for range ents {
			c.strArena = append(c.strArena, t.ID)
		}
	}
	c.eTopic = append(c.eTopic, c.strArena[et:len(c.strArena):len(c.strArena)])
	ee := len(c.strArena)
	for range 1 + len(topics) {
		for _, e := range ents {
			c.strArena = append(c.strArena, e.name)
		}
	}
	c.eEntity = append(c.eEntity, c.strArena[ee:len(c.strArena):len(c.strArena)])
	ey := len(c.strArena)
	for range 1 + len(topics) {
		for _, e := range ents {
			c.strArena = append(c.strArena, e.typ)
		}
	}
	c.eType = append(c.eType, c.strArena[ey:len(c.strArena):len(c.strArena)])
	ef := len(c.f32Arena)
	for range ents {
		c.f32Arena = append(c.f32Arena, ps)
	}
	for _, t := range topics {
		s := quantize(t.Sentiment)
		for range ents {
			c.f32Arena = append(c.f32Arena, s)
		}
	}
	c.eSent = append(c.eSent, c.f32Arena[ef:len(c.f32Arena):len(c.f32Arena)])
}

// entityName is the entity's canonical name, or its text when it has none.
func entityName(e post.Entity) string {
	if e.Canonical != "" {
		return e.Canonical
	}
	return e.Text
}

// uniqueTopics returns ts without repeated or empty ids (the first hit
// wins): topic ” is reserved for "all posts" in the grain tables.
func uniqueTopics(ts []post.TopicHit) []post.TopicHit {
	clean := true
	for i := range ts {
		if ts[i].ID == "" {
			clean = false
		}
		for j := range i {
			if ts[i].ID == ts[j].ID {
				clean = false
			}
		}
	}
	if clean {
		return ts
	}
	out := make([]post.TopicHit, 0, len(ts))
	seen := map[string]bool{"": true}
	for _, t := range ts {
		if !seen[t.ID] {
			seen[t.ID] = true
			out = append(out, t)
		}
	}
	return out
}

// uniqueStrings returns s without repeated or empty values: theme ” is
// reserved for "all themes" in the grain tables.
func uniqueStrings(s []string) []string {
	clean := true
	for i := range s {
		if s[i] == "" {
			clean = false
		}
		for j := range i {
			if s[i] == s[j] {
				clean = false
			}
		}
	}
	if clean {
		return s
	}
	out := make([]string, 0, len(s))
	seen := map[string]bool{"": true}
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// appendTo appends every column to b, in postColumns order.
func (c *columns) appendTo(b driver.Batch) error {
	vals := make([]any, 0, len(postColumns))
	vals = append(vals, c.postID, c.id, c.source, c.createdAt, c.ingestedAt, c.lang,
		c.author, c.keyID, c.text, c.sentiment, c.label)
	for i := range c.emotions {
		vals = append(vals, c.emotions[i])
	}
	vals = append(vals, c.emotionLabels)
	for i := range c.ekman {
		vals = append(vals, c.ekman[i])
	}
	vals = append(vals, c.themes, c.entText, c.entCanon, c.entType, c.entStart, c.entEnd,
		c.topicIDs, c.topicSent, c.topicThemes, c.intents,
		c.enrNames, c.enrVersions, c.failed,
		c.mTopic, c.mTheme, c.mSent, c.eTopic, c.eEntity, c.eType, c.eSent,
		c.srcTopic, c.srcPartition, c.srcOffset)
	if len(vals) != len(postColumns) {
		return fmt.Errorf("%w: %d column values for %d columns", ErrPermanent, len(vals), len(postColumns))
	}
	for i, v := range vals {
		if err := appendColumn(b.Column(i), v); err != nil {
			return fmt.Errorf("column %s: %w", postColumns[i], err)
		}
	}
	return nil
}

// appendColumn appends a whole column. Array columns go row by row with
// concrete slice types, which clickhouse-go appends without reflection
// (its Append of a [][]T reflects on every row and element: 1.7x the
// allocations, and most of the Writer's client CPU).
func appendColumn(col driver.BatchColumn, v any) error {
	switch rows := v.(type) {
	case [][]string:
		return appendRows(col, rows)
	case [][]float32:
		return appendRows(col, rows)
	case [][]uint32:
		return appendRows(col, rows)
	}
	return col.Append(v)
}

func appendRows[T any](col driver.BatchColumn, rows [][]T) error {
	for _, r := range rows {
		if err := col.AppendRow(r); err != nil {
			return err
		}
	}
	return nil
}
