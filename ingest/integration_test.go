//go:build integration

package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/undertone/undertone/ingest"
	"github.com/undertone/undertone/internal/testenv"
	"github.com/undertone/undertone/post"
	"github.com/undertone/undertone/stream"
)

const integrationKey = "integration-pseudonym-key-0123456789"

// postCount is 20k by default and 100k with UNDERTONE_LONG=1.
func postCount() int {
	if os.Getenv("UNDERTONE_LONG") == "1" {
		return 100_000
	}
	return 20_000
}

// generated returns n synthetic JSONL records.
func generated(t *testing.T, n int) [][]byte { return generatedLines(t, n) }

// poison are bad records with the reason ingest must give each.
func poison() []struct {
	value  []byte
	reason ingest.Reason
} {
	big := `{"id":"big","source":"forum","created_at":"2026-03-01T00:00:00Z","text":"` + strings.Repeat("x", 1<<20) + `"}`
	return []struct {
		value  []byte
		reason ingest.Reason
	}{
		{[]byte(`{"id":"p1","source":"forum","text":`), ingest.ReasonMalformedJSON},
		{[]byte("{\"id\":\"p2\",\"source\":\"forum\",\"text\":\"caf\xe9\",\"created_at\":\"2026-03-01T00:00:00Z\"}"), ingest.ReasonInvalidUTF8},
		{[]byte(`{"id":"p3","source":"forum","created_at":"2026-03-01T00:00:00Z"}`), ingest.ReasonMissingField},
		{[]byte(`{"id":"","source":"forum","text":"x","created_at":"2026-03-01T00:00:00Z"}`), ingest.ReasonMissingField},
		{[]byte(`{"id":5,"source":"forum","text":"x","created_at":"2026-03-01T00:00:00Z"}`), ingest.ReasonWrongType},
		{[]byte(`{"schema_version":7,"id":"p6","source":"forum","text":"x","created_at":"2026-03-01T00:00:00Z"}`), ingest.ReasonUnsupportedSchemaVersion},
		{[]byte(big), ingest.ReasonTextTooLong},
		{[]byte("\x00\x01\x02\xff binary junk \x89PNG"), ingest.ReasonInvalidUTF8},
		{[]byte(`{"id":"p9","source":"forum","text":"x","created_at":"2026-03-01T00:00:00Z","likes":1}`), ingest.ReasonUnknownField},
		{[]byte(`{"id":"p10","source":"forum","text":"x","created_at":"soon"}`), ingest.ReasonInvalidCreatedAt},
		{[]byte(`[1,2,3]`), ingest.ReasonNotObject},
		{[]byte(``), ingest.ReasonMalformedJSON},
	}
}

func testPreparer(t *testing.T) *ingest.Preparer {
	t.Helper()
	p, err := ingest.NewPreparer(ingest.PreparerConfig{
		PseudonymKey: []byte(integrationKey), PseudonymKeyID: "k1", MaxTextBytes: 20000, Languages: []string{"en"}, OtherLang: "keep",
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// writeRaw publishes records: valid ones through ingest.Produce (like the
// produce command), poison ones directly (like any other producer).
func writeRaw(t *testing.T, brokers []string, topic string, p *ingest.Preparer, lines [][]byte, bad [][]byte) {
	t.Helper()
	w := stream.NewWriter(brokers, topic)
	defer w.Close()
	st, err := ingest.Produce(t.Context(), bytes.NewReader(bytes.Join(lines, []byte("\n"))), w, p, ingest.ProduceOptions{BatchSize: 2000})
	if err != nil {
		t.Fatal(err)
	}
	if st.Rejected != 0 || st.Sent != len(lines) {
		t.Fatalf("produce: %+v", st)
	}
	var msgs []kafka.Message
	for i, b := range bad {
		msgs = append(msgs, kafka.Message{Key: []byte(fmt.Sprint("poison-", i)), Value: b})
	}
	if err := w.WriteMessages(t.Context(), msgs...); err != nil {
		t.Fatal(err)
	}
}

// readAll reads every message currently in topic.
func readAll(t *testing.T, brokers []string, topic string) []kafka.Message {
	t.Helper()
	conn, err := kafka.Dial("tcp", brokers[0])
	if err != nil {
		t.Fatal(err)
	}
	parts, err := conn.ReadPartitions(topic)
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	var out []kafka.Message
	for _, p := range parts {
		pc, err := kafka.DialLeader(t.Context(), "tcp", brokers[0], topic, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		last, err := pc.ReadLastOffset()
		pc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if last == 0 {
			continue
		}
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: topic, Partition: p.ID, MaxBytes: 16 << 20, MaxWait: 200 * time.Millisecond})
		ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
		for {
			m, err := r.ReadMessage(ctx)
			if err != nil {
				cancel()
				r.Close()
				t.Fatalf("read %s/%d: %v", topic, p.ID, err)
			}
			out = append(out, m)
			if m.Offset >= last-1 {
				break
			}
		}
		cancel()
		r.Close()
	}
	return out
}

// count returns the number of messages in topic (sum of high watermarks).
func count(t *testing.T, brokers []string, topic string) int64 {
	t.Helper()
	conn, err := kafka.Dial("tcp", brokers[0])
	if err != nil {
		t.Fatal(err)
	}
	parts, err := conn.ReadPartitions(topic)
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, p := range parts {
		pc, err := kafka.DialLeader(t.Context(), "tcp", brokers[0], topic, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		last, err := pc.ReadLastOffset()
		pc.Close()
		if err != nil {
			t.Fatal(err)
		}
		n += last
	}
	return n
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkOutputs asserts that every valid record's post_id is on clean
// exactly as prepared (duplicates allowed, nothing missing, no raw PII
// fields) and every poison record is on the DLQ with its reason.
func checkOutputs(t *testing.T, brokers []string, raw, clean, dlq string, p *ingest.Preparer, lines [][]byte) {
	t.Helper()
	want := map[string]bool{}
	for _, l := range lines {
		c, err := p.Prepare(l)
		if err != nil {
			t.Fatalf("generated record rejected: %v", err)
		}
		want[c.PostID] = true
	}
	got := map[string]int{}
	for _, m := range readAll(t, brokers, clean) {
		var c post.Clean
		if err := json.Unmarshal(m.Value, &c); err != nil {
			t.Fatalf("clean message is not a post.Clean: %v", err)
		}
		if string(m.Key) != c.PostID {
			t.Fatalf("clean key %q != post_id %q", m.Key, c.PostID)
		}
		if bytes.Contains(m.Value, []byte(`"author":`)) || bytes.Contains(m.Value, []byte("@example.com")) {
			t.Fatalf("raw author or e-mail on posts.clean: %s", m.Value)
		}
		got[c.PostID]++
	}
	missing, dups := 0, 0
	for id := range want {
		if got[id] == 0 {
			missing++
		}
		if got[id] > 1 {
			dups++
		}
	}
	if missing > 0 || len(got) != len(want) {
		t.Fatalf("posts.clean: %d distinct post_ids, want %d; %d missing", len(got), len(want), missing)
	}
	t.Logf("posts.clean: all %d posts present, %d post_ids duplicated (at-least-once; the sink dedupes)", len(want), dups)

	wantDLQ := map[string]ingest.Reason{}
	for _, b := range poison() {
		wantDLQ[string(b.value)] = b.reason
	}
	dlqMsgs := readAll(t, brokers, dlq)
	seen := map[string]bool{}
	for _, m := range dlqMsgs {
		if stream.Header(m, "truncated") == "true" { // over ingest.MaxDLQValueBytes
			for v := range wantDLQ {
				if len(v) > len(m.Value) && strings.HasPrefix(v, string(m.Value)) && stream.Header(m, "original_bytes") == fmt.Sprint(len(v)) {
					m.Value = []byte(v)
				}
			}
		}
		reason, ok := wantDLQ[string(m.Value)]
		if !ok {
			t.Fatalf("unexpected DLQ record %.80q (reason %s)", m.Value, stream.Header(m, stream.HeaderReason))
		}
		if got := stream.Header(m, stream.HeaderReason); got != string(reason) {
			t.Fatalf("DLQ reason for %.60q = %q, want %q", m.Value, got, reason)
		}
		if stream.Header(m, stream.HeaderStage) != "ingest" || stream.Header(m, stream.HeaderSourceTopic) != raw ||
			stream.Header(m, stream.HeaderSourcePartition) == "" || stream.Header(m, stream.HeaderSourceOffset) == "" {
			t.Fatalf("DLQ headers %+v", m.Headers)
		}
		seen[string(m.Value)] = true
	}
	if len(seen) != len(wantDLQ) {
		t.Fatalf("DLQ has %d of %d poison records", len(seen), len(wantDLQ))
	}
}

func poisonValues() [][]byte {
	var out [][]byte
	for _, b := range poison() {
		out = append(out, b.value)
	}
	return out
}

// TestIngestEndToEnd: produce -> in-process ingest stage -> clean + DLQ.
func TestIngestEndToEnd(t *testing.T) {
	brokers := testenv.Kafka(t)
	raw, clean, dlq := testenv.Topic(t, brokers, 4), testenv.Topic(t, brokers, 4), testenv.Topic(t, brokers, 1)
	p := testPreparer(t)
	t0 := time.Now()
	lines := generated(t, postCount())
	// Poison records go in the middle of the stream.
	writeRaw(t, brokers, raw, p, lines[:len(lines)/2], poisonValues())
	writeRaw(t, brokers, raw, p, lines[len(lines)/2:], nil)
	t.Logf("generated and produced %d records in %s", len(lines), time.Since(t0).Round(time.Millisecond))

	st, err := ingest.NewStage(ingest.StageConfig{
		Brokers: brokers, GroupID: testenv.UniqueName(t, "ingest_"), RawTopic: raw, CleanTopic: clean, DLQTopic: dlq,
		BatchSize: 1000, BatchTimeout: 100 * time.Millisecond,
	}, p, ingest.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- st.Run(ctx) }()
	n := int64(len(lines))
	waitFor(t, "all posts on posts.clean", 3*time.Minute, func() bool {
		return count(t, brokers, clean) >= n && count(t, brokers, dlq) >= int64(len(poison()))
	})
	t.Logf("ingested %d posts in %s (%.0f posts/s, includes consumer-group join)", n, time.Since(start).Round(time.Millisecond), float64(n)/time.Since(start).Seconds())
	cancel()
	t1 := time.Now()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	t.Logf("stage stopped in %s", time.Since(t1).Round(time.Millisecond))
	t2 := time.Now()
	checkOutputs(t, brokers, raw, clean, dlq, p, lines)
	t.Logf("checked outputs in %s", time.Since(t2).Round(time.Millisecond))
}

// TestIngestSurvivesKill9 builds the binary, starts `undertone ingest`,
// SIGKILLs it mid-stream, restarts it and checks nothing was lost.
func TestIngestSurvivesKill9(t *testing.T) {
	brokers := testenv.Kafka(t)
	raw, clean, dlq := testenv.Topic(t, brokers, 4), testenv.Topic(t, brokers, 4), testenv.Topic(t, brokers, 1)
	p := testPreparer(t)
	lines := generated(t, postCount())
	writeRaw(t, brokers, raw, p, lines[:len(lines)/3], poisonValues())
	writeRaw(t, brokers, raw, p, lines[len(lines)/3:], nil)

	bin, err := testenv.BuildUndertone(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	group := testenv.UniqueName(t, "ingest_")
	start := func(name string) (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command(bin, "ingest", "--config", "")
		cmd.Env = append(os.Environ(),
			"UNDERTONE_KAFKA_BROKERS="+strings.Join(brokers, ","),
			"UNDERTONE_KAFKA_TOPICS_RAW="+raw, "UNDERTONE_KAFKA_TOPICS_CLEAN="+clean, "UNDERTONE_KAFKA_TOPICS_DLQ="+dlq,
			"UNDERTONE_KAFKA_GROUPS_INGEST="+group,
			"UNDERTONE_PRIVACY_PSEUDONYM_KEY="+integrationKey, "UNDERTONE_PRIVACY_PSEUDONYM_KEY_ID=k1",
			"UNDERTONE_INGEST_BATCH_SIZE=250", "UNDERTONE_ADMIN_ADDR=127.0.0.1:0",
		)
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return cmd, &logs
	}
	first, logs1 := start("first")
	n := int64(len(lines))
	waitFor(t, "the first process to produce part of the stream", 2*time.Minute, func() bool {
		return count(t, brokers, clean) >= n/5
	})
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	atKill := count(t, brokers, clean)
	t.Logf("SIGKILL after %d of %d clean messages", atKill, n)
	if atKill >= n {
		t.Logf("warning: the first process finished before the kill; logs:\n%s", logs1.String())
	}
	second, logs2 := start("second")
	defer func() {
		if second.ProcessState == nil {
			_ = second.Process.Signal(syscall.SIGKILL)
			_ = second.Wait()
		}
	}()
	waitFor(t, "the restarted process to catch up", 3*time.Minute, func() bool {
		return count(t, brokers, clean) >= n && count(t, brokers, dlq) >= int64(len(poison()))
	})
	// Let the second process finish its batch and commit, then stop it cleanly.
	time.Sleep(time.Second)
	if err := second.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := second.Wait(); err != nil {
		t.Fatalf("second process: %v\n%s", err, logs2.String())
	}
	checkOutputs(t, brokers, raw, clean, dlq, p, lines)
}
