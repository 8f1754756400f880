//go:build integration

package testenv_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/undertone/undertone/internal/testenv"
)

// TestKafkaConsumerGroup produces to a fresh topic and consumes every message
// back through a kafka-go consumer group (JoinGroup/SyncGroup/OffsetCommit),
// the path every stage uses. Kafka 4.0.0 refused kafka-go's JoinGroup v1;
// this proves the pinned broker accepts it.
func TestKafkaConsumerGroup(t *testing.T) {
	brokers := testenv.Kafka(t)
	topic := testenv.Topic(t, brokers, 3)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	w := &kafka.Writer{
		Addr:         kafka.TCP(brokers...),
		Topic:        topic,
		Balancer:     &kafka.Hash{},
		RequiredAcks: kafka.RequireAll,
		BatchTimeout: 10 * time.Millisecond,
	}
	const n = 100
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i] = kafka.Message{Key: fmt.Appendf(nil, "k%d", i), Value: fmt.Appendf(nil, "v%d", i)}
	}
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatalf("write: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("close writer: %v", err)
	}

	group := testenv.UniqueName(t, "group_")
	consume := func(want int) map[string]bool {
		t.Helper()
		r := kafka.NewReader(kafka.ReaderConfig{
			Brokers:     brokers,
			GroupID:     group,
			Topic:       topic,
			StartOffset: kafka.FirstOffset,
			MaxWait:     100 * time.Millisecond,
		})
		defer r.Close()
		seen := map[string]bool{}
		for len(seen) < want {
			m, err := r.FetchMessage(ctx)
			if err != nil {
				t.Fatalf("fetch after %d messages: %v", len(seen), err)
			}
			seen[string(m.Value)] = true
			if err := r.CommitMessages(ctx, m); err != nil {
				t.Fatalf("commit: %v", err)
			}
		}
		return seen
	}
	if got := consume(n); len(got) != n {
		t.Fatalf("consumed %d distinct messages, want %d", len(got), n)
	}

	// The group's committed offsets survive a new member: only new messages
	// are delivered.
	w2 := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, RequiredAcks: kafka.RequireAll, BatchTimeout: 10 * time.Millisecond}
	if err := w2.WriteMessages(ctx, kafka.Message{Key: []byte("late"), Value: []byte("late")}); err != nil {
		t.Fatalf("write late: %v", err)
	}
	_ = w2.Close()
	if got := consume(1); !got["late"] {
		t.Fatalf("after re-join got %v, want only the late message", got)
	}
}

// TestClickHouseRoundTrip writes rows with a native batch (columns named, as
// the 18.16 server requires) into a fresh database and reads them back.
func TestClickHouseRoundTrip(t *testing.T) {
	addr := testenv.ClickHouse(t)
	db := testenv.Database(t, addr)
	conn := testenv.Conn(t, addr, db)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	if err := conn.Exec(ctx, `CREATE TABLE smoke (
		id String,
		created_at DateTime,
		score Float32,
		labels Array(String)
	) ENGINE = MergeTree() ORDER BY (created_at, id)`); err != nil {
		t.Fatalf("create table: %v", err)
	}
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO smoke (id, created_at, score, labels)")
	if err != nil {
		t.Fatalf("prepare batch: %v", err)
	}
	base := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	const n = 1000
	for i := range n {
		if err := batch.Append(fmt.Sprintf("p%04d", i), base.Add(time.Duration(i)*time.Minute), float32(i%10)/10, []string{"fears", "joys"}[:1+i%2]); err != nil {
			t.Fatalf("append: %v", err)
		}
	}
	if err := batch.Send(); err != nil {
		t.Fatalf("send: %v", err)
	}

	var (
		count uint64
		max   string
		pairs uint64
	)
	if err := conn.QueryRow(ctx, "SELECT count(), max(id), sum(length(labels)) FROM smoke").Scan(&count, &max, &pairs); err != nil {
		t.Fatalf("query: %v", err)
	}
	if count != n || max != "p0999" || pairs != n+n/2 {
		t.Fatalf("count=%d max=%q label pairs=%d, want %d p0999 %d", count, max, pairs, n, n+n/2)
	}
	rows, err := conn.Query(ctx, "SELECT label, count() FROM smoke ARRAY JOIN labels AS label GROUP BY label ORDER BY label")
	if err != nil {
		t.Fatalf("array join query: %v", err)
	}
	defer rows.Close()
	got := map[string]uint64{}
	for rows.Next() {
		var l string
		var c uint64
		if err := rows.Scan(&l, &c); err != nil {
			t.Fatalf("scan: %v", err)
		}
		got[l] = c
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("rows: %v", err)
	}
	if got["fears"] != n || got["joys"] != n/2 {
		t.Fatalf("label counts %v, want fears=%d joys=%d", got, n, n/2)
	}
}
