package stream

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
)

// NewWriter returns a producer for topic with the pipeline's defaults:
// every write waits for all in-sync replicas, keys are hashed with murmur2
// (the Java client's partitioner, so other producers agree on partitions),
// and WriteMessages blocks until the whole batch is acknowledged. The
// caller must Close it.
func NewWriter(brokers []string, topic string) *kafka.Writer {
	return &kafka.Writer{
		Addr: kafka.TCP(brokers...),
		// A transport of its own: the shared default caches topic metadata
		// for seconds and misses topics created after its first use.
		Transport:    &kafka.Transport{MetadataTTL: 2 * time.Second},
		Topic:        topic,
		Balancer:     &kafka.Murmur2Balancer{},
		RequiredAcks: kafka.RequireAll,
		// Batches are formed by the caller; flush quickly.
		BatchSize:    10000,
		BatchBytes:   64 << 20,
		BatchTimeout: 5 * time.Millisecond,
		MaxAttempts:  10,
		Compression:  kafka.Lz4,
		// Topics are created explicitly (EnsureTopics) with the right
		// partition count.
		AllowAutoTopicCreation: false,
	}
}

// DLQ header names (DESIGN.md).
const (
	HeaderReason          = "reason"
	HeaderStage           = "stage"
	HeaderSourceTopic     = "source_topic"
	HeaderSourcePartition = "source_partition"
	HeaderSourceOffset    = "source_offset"
	// HeaderError carries the full human-readable error (which field, why)
	// where the stage has more to say than the reason code.
	HeaderError = "error"
)

// DLQMessage wraps a message that a stage rejected for the dead-letter
// topic: the original key and bytes, plus headers saying why, where and
// from which partition and offset. The Topic field is left empty for the
// DLQ writer's topic.
func DLQMessage(orig kafka.Message, stage, reason string) kafka.Message {
	return kafka.Message{
		Key:   orig.Key,
		Value: orig.Value,
		Headers: []kafka.Header{
			{Key: HeaderReason, Value: []byte(reason)},
			{Key: HeaderStage, Value: []byte(stage)},
			{Key: HeaderSourceTopic, Value: []byte(orig.Topic)},
			{Key: HeaderSourcePartition, Value: []byte(strconv.Itoa(orig.Partition))},
			{Key: HeaderSourceOffset, Value: []byte(strconv.FormatInt(orig.Offset, 10))},
		},
	}
}

// Header returns the value of the first header named key, or "".
func Header(m kafka.Message, key string) string {
	for _, h := range m.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

// EnsureTopics creates the topics that do not exist yet with the given
// partition count and replication factor. It blocks until the controller
// answered or ctx is done.
func EnsureTopics(ctx context.Context, brokers []string, partitions, replication int, topics ...string) error {
	if len(brokers) == 0 {
		return errors.New("stream: no brokers")
	}
	var d kafka.Dialer
	conn, err := d.DialContext(ctx, "tcp", brokers[0])
	if err != nil {
		return fmt.Errorf("stream: dial %s: %w", brokers[0], err)
	}
	defer conn.Close()
	ctrl, err := conn.Controller()
	if err != nil {
		return fmt.Errorf("stream: controller: %w", err)
	}
	cc, err := d.DialContext(ctx, "tcp", net.JoinHostPort(ctrl.Host, strconv.Itoa(ctrl.Port)))
	if err != nil {
		return fmt.Errorf("stream: dial controller: %w", err)
	}
	defer cc.Close()
	cfgs := make([]kafka.TopicConfig, 0, len(topics))
	for _, t := range topics {
		cfgs = append(cfgs, kafka.TopicConfig{Topic: t, NumPartitions: partitions, ReplicationFactor: replication})
	}
	if err := cc.CreateTopics(cfgs...); err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
		return fmt.Errorf("stream: create topics: %w", err)
	}
	// Wait until every topic has leaders for all partitions.
	deadline := time.Now().Add(30 * time.Second)
	for _, t := range topics {
		for {
			parts, err := conn.ReadPartitions(t)
			if err == nil && len(parts) > 0 && allLed(parts) && partitionsServe(ctx, &d, parts) {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("stream: topic %s has no leaders after 30s (last err: %v)", t, err)
			}
			if !sleep(ctx, 100*time.Millisecond) {
				return ctx.Err()
			}
		}
	}
	return nil
}

// partitionsServe reports whether every partition's leader answers for it
// (metadata can name a leader before the replica is ready to serve).
func partitionsServe(ctx context.Context, d *kafka.Dialer, parts []kafka.Partition) bool {
	for _, p := range parts {
		addr := net.JoinHostPort(p.Leader.Host, strconv.Itoa(p.Leader.Port))
		lc, err := d.DialLeader(ctx, "tcp", addr, p.Topic, p.ID)
		if err != nil {
			return false
		}
		_, err = lc.ReadLastOffset()
		lc.Close()
		if err != nil {
			return false
		}
	}
	return true
}

func allLed(parts []kafka.Partition) bool {
	for _, p := range parts {
		if p.Leader.Host == "" {
			return false
		}
	}
	return true
}
