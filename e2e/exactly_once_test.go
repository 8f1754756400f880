//go:build integration

package e2e_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/undertone/undertone/ingest"
	"github.com/undertone/undertone/stream"
)

// seededPII are personal data planted in posts; none may appear in any
// output downstream of ingest.
var seededPII = []string{
	"jane.doe.4711@example.com", "+44 20 7946 0958", "@janedoe_4711", "4111 1111 1111 1111",
	"DE89 3704 0044 0532 0130 00", "192.0.2.147", "author-secret-4711",
}

// piiPosts returns n valid posts that mention a tracked product and carry
// every seeded PII item, with a raw author id that must be pseudonymized.
func piiPosts(n int, day time.Time) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		p := map[string]any{
			"id":         fmt.Sprintf("pii-%d", i),
			"source":     "forum",
			"created_at": day.Add(time.Duration(i) * time.Minute).Format(time.RFC3339),
			"author":     "author-secret-4711",
			"text": fmt.Sprintf("My Acme Phone battery worries me (%d). Mail jane.doe.4711@example.com or call +44 20 7946 0958, "+
				"I'm @janedoe_4711, card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00, from 192.0.2.147", i),
		}
		out[i], _ = json.Marshal(p)
	}
	return out
}

// poison returns records every one of which ingest must reject.
func poison() [][]byte {
	return [][]byte{
		[]byte(`{"id":"x1","source":"forum","text":"no date"}`),
		[]byte(`{"id":"x2","source":"forum","created_at":"2026-11-01T00:00:00Z"}`),
		[]byte(`not json at all`),
		[]byte("\xff\xfe\x00binary junk\x01"),
		[]byte(`{"id":"x3","source":"forum","text":"t","created_at":"yesterday"}`),
		[]byte(`{"schema_version":9,"id":"x4","source":"forum","text":"t","created_at":"2026-11-01T00:00:00Z"}`),
		[]byte(`{"id":"x5","source":"forum","text":"t","created_at":"2026-11-01T00:00:00Z","extra":1}`),
		[]byte(`[1,2,3]`),
		[]byte(`{"id":7,"source":"forum","text":"t","created_at":"2026-11-01T00:00:00Z"}`),
		[]byte(`{"id":"x6","source":"forum","text":"   ","created_at":"2026-11-01T00:00:00Z"}`),
	}
}

// expectation computes, with the same Preparer ingest uses, which records
// are valid (their distinct post_ids) and why the others are rejected.
type expectation struct {
	postIDs  map[string]bool
	rejected map[int]string // line -> reason
}

func expect(t testing.TB, lines [][]byte) expectation {
	t.Helper()
	prep, err := ingest.NewPreparer(ingest.PreparerConfig{
		PseudonymKey: []byte(pseudonymKey), PseudonymKeyID: "k1", MaxTextBytes: 20000, Languages: []string{"en"}, OtherLang: "keep",
	})
	if err != nil {
		t.Fatal(err)
	}
	ex := expectation{postIDs: map[string]bool{}, rejected: map[int]string{}}
	for i, l := range lines {
		c, err := prep.Prepare(l)
		if err != nil {
			var re *ingest.RejectError
			if !errors.As(err, &re) {
				t.Fatalf("line %d: unclassified error %v", i, err)
			}
			ex.rejected[i] = string(re.Reason)
			continue
		}
		ex.postIDs[c.PostID] = true
	}
	return ex
}

// TestRunExactlyOnceUnderKills streams generated posts, poison records and
// posts seeded with PII through `undertone run`, SIGKILLs it at random
// points and restarts it, then checks exactly: every valid post once in
// posts, aggregates equal to a recomputation from posts, every rejected
// record in the DLQ with its reason, and no seeded PII (or the pseudonym
// key) in ClickHouse, posts.clean, posts.enriched, the logs or the API.
func TestRunExactlyOnceUnderKills(t *testing.T) {
	nPosts, kills := 12000, 3
	if os.Getenv("UNDERTONE_LONG") == "1" {
		nPosts, kills = 100000, 10
	}
	p := newPipeline(t, 4, "UNDERTONE_ENRICH_PRODUCE_ENRICHED=true", "UNDERTONE_ENRICH_BATCH_SIZE=500")

	lines := generate(t, "--posts", strconv.Itoa(nPosts), "--days", "21", "--seed", "11", "--start", "2026-10-20", "--invalid-rate", "0.01")
	lines = append(lines, piiPosts(50, time.Date(2026, 11, 5, 9, 0, 0, 0, time.UTC))...)
	lines = append(lines, poison()...)
	// a few exact re-sends: the same post twice must be stored once
	lines = append(lines, lines[10], lines[20], lines[30])
	rng := rand.New(rand.NewPCG(11, 12))
	rng.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
	ex := expect(t, lines)
	want := uint64(len(ex.postIDs))
	t.Logf("%d records: %d distinct valid posts, %d rejected", len(lines), want, len(ex.rejected))

	p.migrate()
	run := p.start("run")
	// The input goes in kills+1 parts: each kill follows progress on the
	// part in flight, and the next part is produced after the restart, so
	// every restarted process has work and every kill lands while posts
	// are moving (on a fast machine a single upfront produce could finish
	// before the later kills).
	bounds := make([]int, kills+2)
	for i := range bounds {
		bounds[i] = len(lines) * i / (kills + 1)
	}
	produceRange(t, p, lines, bounds[0], bounds[1])
	start := time.Now()
	last := uint64(0)
	for k := 0; k < kills; k++ {
		n := p.waitStored(last+1, 2*time.Minute)
		if n <= last {
			t.Fatalf("no progress before kill #%d (%d stored); run output:\n%s", k+1, n, tail(run.out.String(), 30))
		}
		time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
		if run.exited() {
			t.Fatalf("run exited by itself: %v\n%s", run.err, tail(run.out.String(), 30))
		}
		run.kill9()
		last = p.count("SELECT count() FROM " + p.db + ".posts")
		t.Logf("kill -9 #%d at %d/%d stored (%d records produced)", k+1, last, want, bounds[k+1])
		run = p.start("run")
		produceRange(t, p, lines, bounds[k+1], bounds[k+2])
	}
	got := p.waitStored(want, 5*time.Minute)
	if got < want {
		t.Fatalf("only %d of %d posts stored after 5 minutes; run output:\n%s", got, want, tail(run.out.String(), 30))
	}
	t.Logf("all %d posts stored %.1fs after the first produce (with %d kills)", got, time.Since(start).Seconds(), kills)
	// Let anything still in flight land, then check nothing more arrives.
	time.Sleep(3 * time.Second)

	// API answers from the same data (and must not leak PII).
	apiBody := fetchAPI(t, p, "/api/v1/quotes?topic=acme-phone&theme=fears&from=2026-10-20&to=2026-11-10")
	apiBody += fetchAPI(t, p, "/api/v1/themes?topic=acme-phone&from=2026-10-20&to=2026-11-10")
	run.stop(t)

	checkStoredExactly(t, p, ex)
	checkAggregates(t, p)
	checkDLQ(t, p, lines, ex)
	scanForPII(t, p, apiBody, weeklyReport(t, p, "2026-W45"))
}

// weeklyReport runs `undertone report` (html and md) on the pipeline's
// database and returns the text of everything it wrote.
func weeklyReport(t *testing.T, p *pipeline, week string) string {
	t.Helper()
	dir := t.TempDir()
	pr := p.start("report", "--week", week, "--format", "html,md", "--out", dir)
	select {
	case <-pr.done:
		if pr.err != nil {
			t.Fatalf("report: %v\n%s", pr.err, tail(pr.out.String(), 20))
		}
	case <-time.After(3 * time.Minute):
		t.Fatal("report did not finish in 3 minutes")
	}
	var b strings.Builder
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		b.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func fetchAPI(t *testing.T, p *pipeline, path string) string {
	t.Helper()
	resp, err := http.Get("http://" + p.serveAddr + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b.String())
	}
	return b.String()
}

func checkStoredExactly(t *testing.T, p *pipeline, ex expectation) {
	t.Helper()
	db := p.db
	total := p.count("SELECT count() FROM " + db + ".posts")
	distinct := p.count("SELECT uniqExact(post_id) FROM " + db + ".posts")
	if total != uint64(len(ex.postIDs)) || distinct != total {
		t.Errorf("posts: %d rows, %d distinct post_ids; want exactly %d, once each", total, distinct, len(ex.postIDs))
	}
	rows, err := p.conn.Query(t.Context(), "SELECT post_id FROM "+db+".posts")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		if !ex.postIDs[id] {
			t.Errorf("stored post_id %s was not an accepted post", id)
		}
		seen[id] = true
	}
	missing := 0
	for id := range ex.postIDs {
		if !seen[id] {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d accepted posts are missing from posts", missing)
	}
}

// checkAggregates recomputes every aggregate from posts in SQL and
// compares exactly.
func checkAggregates(t *testing.T, p *pipeline) {
	t.Helper()
	db := p.db
	pairs := []struct{ name, agg, re string }{
		{"topic_theme_daily",
			"SELECT toString(day), topic, theme, source, lang, toString(countMerge(post_count)), toString(uniqExactMerge(authors)), toString(sumMerge(sentiment_sum)) FROM " + db + ".topic_theme_daily GROUP BY day, topic, theme, source, lang",
			"SELECT toString(toDate(created_at)) AS d, mt, mh, source, lang, toString(count()), toString(uniqExact(author_pseudonym)), toString(sum(toFloat64(ms))) FROM " + db + ".posts ARRAY JOIN m_topic AS mt, m_theme AS mh, m_sentiment AS ms GROUP BY d, mt, mh, source, lang"},
		{"topic_daily",
			"SELECT toString(day), topic, toString(countMerge(post_count)), toString(uniqExactMerge(authors)), toString(sumMerge(sentiment_sum)) FROM " + db + ".topic_daily GROUP BY day, topic",
			"SELECT toString(toDate(created_at)) AS d, mt, toString(count()), toString(uniqExact(author_pseudonym)), toString(sum(toFloat64(ms))) FROM " + db + ".posts ARRAY JOIN m_topic AS mt, m_theme AS mh, m_sentiment AS ms WHERE mh = '' GROUP BY d, mt"},
		{"mentions",
			"SELECT toString(day), topic, theme, toString(count()) FROM " + db + ".mentions GROUP BY day, topic, theme",
			"SELECT toString(toDate(created_at)) AS d, mt, mh, toString(count()) FROM " + db + ".posts ARRAY JOIN m_topic AS mt, m_theme AS mh GROUP BY d, mt, mh"},
	}
	for _, pr := range pairs {
		got, want := rowSet(t, p, pr.agg), rowSet(t, p, pr.re)
		if len(want) == 0 {
			t.Errorf("%s: recomputation is empty", pr.name)
		}
		diff := 0
		for k := range want {
			if !got[k] {
				if diff < 3 {
					t.Errorf("%s: recomputed row %q missing or different in the aggregate", pr.name, k)
				}
				diff++
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d rows, recomputation has %d", pr.name, len(got), len(want))
		}
		if diff == 0 && len(got) == len(want) {
			t.Logf("%s: %d rows equal the recomputation from posts", pr.name, len(got))
		}
	}
}

func rowSet(t *testing.T, p *pipeline, q string) map[string]bool {
	t.Helper()
	rows, err := p.conn.Query(t.Context(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols := len(rows.Columns())
	out := map[string]bool{}
	for rows.Next() {
		vals := make([]string, cols)
		ptrs := make([]any, cols)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out[strings.Join(vals, "\t")] = true
	}
	return out
}

func checkDLQ(t *testing.T, p *pipeline, lines [][]byte, ex expectation) {
	t.Helper()
	// Map raw-topic coordinates back to lines: the raw message key is the
	// line number.
	raw := p.readTopic(p.raw)
	lineAt := map[string]int{}
	for _, m := range raw {
		n, _ := strconv.Atoi(string(m.Key))
		lineAt[fmt.Sprintf("%d/%d", m.Partition, m.Offset)] = n
	}
	dlq := p.readTopic(p.dlq)
	got := map[int]string{}
	for _, m := range dlq {
		if stream.Header(m, stream.HeaderStage) != ingest.StageName {
			t.Errorf("DLQ message from stage %q, want %q", stream.Header(m, stream.HeaderStage), ingest.StageName)
			continue
		}
		if stream.Header(m, stream.HeaderSourceTopic) != p.raw {
			t.Errorf("DLQ source_topic %q, want %q", stream.Header(m, stream.HeaderSourceTopic), p.raw)
		}
		coord := stream.Header(m, stream.HeaderSourcePartition) + "/" + stream.Header(m, stream.HeaderSourceOffset)
		line, ok := lineAt[coord]
		if !ok {
			t.Errorf("DLQ message points at %s, which is not in %s", coord, p.raw)
			continue
		}
		if string(m.Value) != string(lines[line]) {
			t.Errorf("DLQ message for line %d does not keep the original bytes", line)
		}
		got[line] = stream.Header(m, stream.HeaderReason)
	}
	for line, reason := range ex.rejected {
		if g, ok := got[line]; !ok {
			t.Errorf("rejected line %d (%s) is not in the DLQ", line, reason)
		} else if g != reason {
			t.Errorf("line %d: DLQ reason %q, want %q", line, g, reason)
		}
	}
	if len(got) != len(ex.rejected) {
		t.Errorf("DLQ holds %d distinct records, want %d", len(got), len(ex.rejected))
	}
	t.Logf("DLQ: %d messages for %d rejected records, every one with its reason", len(dlq), len(ex.rejected))
}

// scanForPII looks for every seeded PII item and the pseudonym key in
// ClickHouse, posts.clean, posts.enriched, the process logs, the API
// responses and the weekly report.
func scanForPII(t *testing.T, p *pipeline, api, report string) {
	t.Helper()
	var clean, enriched strings.Builder
	for _, m := range p.readTopic(p.clean) {
		clean.Write(m.Value)
		clean.Write(m.Key)
	}
	for _, m := range p.readTopic(p.enriched) {
		enriched.Write(m.Value)
		enriched.Write(m.Key)
	}
	if enriched.Len() == 0 {
		t.Error("posts.enriched is empty: produce_enriched was on")
	}
	outputs := map[string]string{
		"clickhouse":     p.dumpTables(),
		"posts.clean":    clean.String(),
		"posts.enriched": enriched.String(),
		"logs":           p.logs(),
		"api":            api,
		"weekly report":  report,
	}
	needles := append(append([]string{}, seededPII...), pseudonymKey)
	for where, text := range outputs {
		if text == "" {
			t.Errorf("%s: nothing to scan", where)
		}
		for _, n := range needles {
			if strings.Contains(text, n) {
				t.Errorf("PII %q found in %s", n, where)
			}
		}
		t.Logf("scanned %s: %d bytes, %d needles, no leak", where, len(text), len(needles))
	}
	// The planted posts were stored, scrubbed.
	if n := p.count("SELECT count() FROM " + p.db + ".posts WHERE id LIKE 'pii-%' AND position(text, '<EMAIL>') > 0"); n != 50 {
		t.Errorf("%d planted PII posts stored with <EMAIL> placeholders, want 50", n)
	}
}

// produceRange publishes lines[from:to] to posts.raw unvalidated, keyed by
// their line numbers (checkDLQ maps DLQ coordinates back to lines by key).
func produceRange(t *testing.T, p *pipeline, lines [][]byte, from, to int) {
	t.Helper()
	w := stream.NewWriter(p.brokers, p.raw)
	defer w.Close()
	msgs := make([]kafka.Message, 0, to-from)
	for j := from; j < to; j++ {
		msgs = append(msgs, kafka.Message{Key: []byte(strconv.Itoa(j)), Value: lines[j]})
	}
	if err := w.WriteMessages(t.Context(), msgs...); err != nil {
		t.Fatal(err)
	}
}
