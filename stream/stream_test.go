package stream_test

import (
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/undertone/undertone/stream"
)

func TestConsumerConfigValidate(t *testing.T) {
	good := stream.ConsumerConfig{Brokers: []string{"b:1"}, GroupID: "g", Topic: "t", BatchSize: 10, BatchTimeout: time.Second}
	tests := []struct {
		name   string
		mutate func(*stream.ConsumerConfig)
		want   string
	}{
		{"ok", func(*stream.ConsumerConfig) {}, ""},
		{"no brokers", func(c *stream.ConsumerConfig) { c.Brokers = nil }, "stream: no brokers"},
		{"no group", func(c *stream.ConsumerConfig) { c.GroupID = "" }, "stream: no consumer group"},
		{"no topic", func(c *stream.ConsumerConfig) { c.Topic = "" }, "stream: no topic"},
		{"batch size", func(c *stream.ConsumerConfig) { c.BatchSize = 0 }, "stream: batch size 0, must be > 0"},
		{"batch timeout", func(c *stream.ConsumerConfig) { c.BatchTimeout = 0 }, "stream: batch timeout 0s, must be > 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.mutate(&c)
			err := c.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Fatalf("Validate() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNewConsumerRejectsNilHandler(t *testing.T) {
	_, err := stream.NewConsumer(stream.ConsumerConfig{Brokers: []string{"b:1"}, GroupID: "g", Topic: "t", BatchSize: 1, BatchTimeout: time.Second}, nil)
	if err == nil {
		t.Fatal("want error for nil handler")
	}
}

func TestDLQMessage(t *testing.T) {
	orig := kafka.Message{Topic: "posts.raw", Partition: 3, Offset: 42, Key: []byte("k"), Value: []byte("{bad")}
	m := stream.DLQMessage(orig, "ingest", "invalid_json")
	if string(m.Value) != "{bad" || string(m.Key) != "k" {
		t.Fatalf("original bytes not kept: %q %q", m.Key, m.Value)
	}
	want := map[string]string{
		"reason": "invalid_json", "stage": "ingest", "source_topic": "posts.raw",
		"source_partition": "3", "source_offset": "42",
	}
	for k, v := range want {
		if got := stream.Header(m, k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if m.Topic != "" {
		t.Errorf("Topic = %q, want empty (writer's topic)", m.Topic)
	}
}
