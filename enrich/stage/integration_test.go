//go:build integration

package stage_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/undertone/undertone/enrich"
	"github.com/undertone/undertone/enrich/enrichtest"
	"github.com/undertone/undertone/enrich/intent"
	"github.com/undertone/undertone/enrich/stage"
	"github.com/undertone/undertone/internal/testenv"
	"github.com/undertone/undertone/post"
	"github.com/undertone/undertone/stream"
)

// TestStageAgainstKafka runs the stage on a real broker: every clean post
// reaches the sink and posts.enriched exactly once, keyed by post_id, with
// Kafka coordinates; a malformed record lands in the DLQ with stage=enrich;
// the stage shuts down cleanly and a restart consumes nothing twice.
func TestStageAgainstKafka(t *testing.T) {
	brokers := testenv.Kafka(t)
	clean := testenv.Topic(t, brokers, 3)
	enrichedTopic := testenv.Topic(t, brokers, 3)
	dlqTopic := testenv.Topic(t, brokers, 1)

	const n = 600
	w := stream.NewWriter(brokers, clean)
	msgs := make([]kafka.Message, 0, n+1)
	for i := range n {
		c := post.Clean{PostID: fmt.Sprintf("pid-%d", i), ID: fmt.Sprint(i), Source: "test", Lang: "en",
			CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Text: "How do I cancel my Acme plan?"}
		b, _ := json.Marshal(c)
		msgs = append(msgs, kafka.Message{Key: []byte(c.PostID), Value: b})
	}
	msgs = append(msgs, kafka.Message{Key: []byte("bad"), Value: []byte("{not a clean post")})
	if err := w.WriteMessages(t.Context(), msgs...); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	w.Transport.(*kafka.Transport).CloseIdleConnections()

	ie, err := intent.New(intent.Config{})
	if err != nil {
		t.Fatal(err)
	}
	chain, err := enrich.NewChain(enrich.Settings{}, ie)
	if err != nil {
		t.Fatal(err)
	}
	sink := &enrichtest.Sink{}
	cfg := stage.Config{Brokers: brokers, GroupID: "g-" + clean, CleanTopic: clean, DLQTopic: dlqTopic,
		EnrichedTopic: enrichedTopic, BatchSize: 100, BatchTimeout: 100 * time.Millisecond}
	run := func(until func() bool) {
		st, err := stage.New(cfg, chain, sink, stage.Settings{})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- st.Run(ctx) }()
		deadline := time.Now().Add(60 * time.Second)
		for !until() && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("Run did not return after cancel")
		}
	}
	run(func() bool { return len(sink.Posts()) >= n })
	got := sink.Posts()
	if len(got) != n {
		t.Fatalf("sink got %d posts, want %d", len(got), n)
	}
	seen := map[string]bool{}
	for _, p := range got {
		if seen[p.PostID] {
			t.Fatalf("post %s written twice", p.PostID)
		}
		seen[p.PostID] = true
		if len(p.Intents) != 2 || p.Enrichers["intent"] == "" {
			t.Fatalf("post not enriched: %+v", p)
		}
	}

	// posts.enriched has every post keyed by post_id; the DLQ has the bad one.
	if got := readAll(t, brokers, enrichedTopic, n); len(got) != n {
		t.Errorf("posts.enriched has %d messages, want %d", len(got), n)
	} else {
		for _, m := range got {
			var e post.Enriched
			if err := json.Unmarshal(m.Value, &e); err != nil || string(m.Key) != e.PostID {
				t.Fatalf("enriched message key %q value %s: %v", m.Key, m.Value, err)
			}
		}
	}
	dead := readAll(t, brokers, dlqTopic, 1)
	if len(dead) != 1 || stream.Header(dead[0], stream.HeaderStage) != "enrich" ||
		stream.Header(dead[0], stream.HeaderReason) != stage.ReasonMalformedClean || string(dead[0].Value) != "{not a clean post" {
		t.Fatalf("dlq = %+v", dead)
	}

	// A restart resumes after the committed offsets: nothing is redelivered.
	restart := time.Now()
	run(func() bool { return len(sink.Posts()) > n || time.Since(restart) > 8*time.Second })
	if len(sink.Posts()) != n {
		t.Errorf("after restart sink has %d posts, want %d", len(sink.Posts()), n)
	}
}

func readAll(t *testing.T, brokers []string, topic string, want int) []kafka.Message {
	t.Helper()
	conn, err := kafka.DialContext(t.Context(), "tcp", brokers[0])
	if err != nil {
		t.Fatal(err)
	}
	parts, err := conn.ReadPartitions(topic)
	_ = conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	var out []kafka.Message
	for _, p := range parts {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: topic, Partition: p.ID, MaxWait: 200 * time.Millisecond})
		for {
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
			m, err := r.ReadMessage(ctx)
			cancel()
			if err != nil {
				break
			}
			out = append(out, m)
			if len(out) > want {
				break
			}
		}
		_ = r.Close()
	}
	return out
}
