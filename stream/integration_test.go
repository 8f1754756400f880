//go:build integration

package stream_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/undertone/undertone/stream"
)

func brokers(t testing.TB) []string {
	t.Helper()
	v := os.Getenv("UNDERTONE_TEST_KAFKA")
	if v == "" {
		t.Fatal("UNDERTONE_TEST_KAFKA is not set: start Kafka with deploy/local/kafka.sh start (make services-up)")
	}
	return strings.Split(v, ",")
}

func newTopic(t testing.TB, b []string, partitions int) string {
	t.Helper()
	name := fmt.Sprintf("test.stream.%s.%d", strings.ReplaceAll(t.Name(), "/", "."), time.Now().UnixNano())
	if err := stream.EnsureTopics(t.Context(), b, partitions, 1, name); err != nil {
		t.Fatal(err)
	}
	return name
}

func produceN(t testing.TB, b []string, topic string, n int) {
	t.Helper()
	w := stream.NewWriter(b, topic)
	defer w.Close()
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i] = kafka.Message{Key: []byte(fmt.Sprintf("k%d", i)), Value: []byte(fmt.Sprintf("v%d", i))}
	}
	if err := w.WriteMessages(t.Context(), msgs...); err != nil {
		t.Fatal(err)
	}
}

// collector records every value handled, failing the first call once.
type collector struct {
	mu       sync.Mutex
	seen     map[string]int
	failOnce bool
}

func (c *collector) handle(_ context.Context, _ int, msgs []kafka.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failOnce {
		c.failOnce = false
		return errors.New("transient")
	}
	for _, m := range msgs {
		c.seen[string(m.Value)]++
	}
	return nil
}

func (c *collector) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}

func runUntil(t *testing.T, cfg stream.ConsumerConfig, h stream.Handler, done func() bool) {
	t.Helper()
	c, err := stream.NewConsumer(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() { errc <- c.Run(ctx) }()
	deadline := time.Now().Add(60 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			cancel()
			t.Fatal("timed out waiting for messages")
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func TestConsumerDeliversEveryMessageAndCommits(t *testing.T) {
	b := brokers(t)
	topic := newTopic(t, b, 3)
	const n = 3000
	produceN(t, b, topic, n)
	group := "g-" + topic
	cfg := stream.ConsumerConfig{Brokers: b, GroupID: group, Topic: topic, BatchSize: 250, BatchTimeout: 100 * time.Millisecond}

	col := &collector{seen: map[string]int{}, failOnce: true}
	runUntil(t, cfg, col.handle, func() bool { return col.count() == n })
	for v, k := range col.seen {
		if k != 1 {
			t.Fatalf("value %s handled %d times", v, k)
		}
	}

	// A restart of the group resumes after the committed offsets: only new
	// messages arrive.
	produceN(t, b, topic, 10)
	col2 := &collector{seen: map[string]int{}}
	runUntil(t, cfg, col2.handle, func() bool { return col2.count() >= 10 })
	time.Sleep(500 * time.Millisecond)
	if got := col2.count(); got != 10 {
		t.Fatalf("after restart handled %d messages, want 10", got)
	}
}

func TestConsumerResumesFromStore(t *testing.T) {
	b := brokers(t)
	topic := newTopic(t, b, 1)
	produceN(t, b, topic, 100)
	cfg := stream.ConsumerConfig{
		Brokers: b, GroupID: "g-" + topic, Topic: topic, BatchSize: 50, BatchTimeout: 100 * time.Millisecond,
		// The store already holds offsets 0..59.
		Resume: func(context.Context, string, int) (int64, bool, error) { return 60, true, nil },
	}
	col := &collector{seen: map[string]int{}}
	runUntil(t, cfg, col.handle, func() bool { return col.count() >= 40 })
	time.Sleep(300 * time.Millisecond)
	if got := col.count(); got != 40 {
		t.Fatalf("handled %d, want 40 (offsets 60..99)", got)
	}
	if col.seen["v59"] != 0 || col.seen["v60"] != 1 {
		t.Fatalf("resume point wrong: v59=%d v60=%d", col.seen["v59"], col.seen["v60"])
	}
}
