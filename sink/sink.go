// Package sink is the sink stage: a consumer-group member on posts.enriched
// that stores every enriched post in ClickHouse exactly once through
// store.Writer, resuming each partition after the highest offset the store
// holds. Undecodable or invalid records go to the dead-letter topic.
package sink

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/segmentio/kafka-go"

	"github.com/undertone/undertone/post"
	"github.com/undertone/undertone/store"
	"github.com/undertone/undertone/stream"
)

// StageName is the DLQ "stage" header value of records the sink rejects.
const StageName = "sink"

// DLQ reasons.
const (
	ReasonMalformedJSON = "malformed_json"
	ReasonInvalid       = "invalid_post"
)

// Store is the part of *store.Writer the stage needs.
type Store interface {
	Write(ctx context.Context, batch []post.Enriched) error
}

// Producer is the part of *kafka.Writer the stage needs for the DLQ.
// WriteMessages must block until every message is acknowledged.
type Producer interface {
	WriteMessages(ctx context.Context, msgs ...kafka.Message) error
}

// Settings carries the dependencies the caller wires in.
type Settings struct {
	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// Handler stores batches of posts.enriched messages. It is safe for
// concurrent use (the consumer runs one batch per partition at a time).
type Handler struct {
	store Store
	dlq   Producer
	m     *metrics
}

type metrics struct {
	consumed prometheus.Counter
	rejected *prometheus.CounterVec
}

// NewHandler returns the stage's batch handler. reg may be nil.
func NewHandler(st Store, dlq Producer, reg prometheus.Registerer) *Handler {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	f := promauto.With(reg)
	m := &metrics{
		consumed: f.NewCounter(prometheus.CounterOpts{
			Name: "undertone_sink_consumed_records_total", Help: "Enriched posts handled (stored, duplicate or rejected).",
		}),
		rejected: f.NewCounterVec(prometheus.CounterOpts{
			Name: "undertone_sink_rejected_records_total", Help: "Records sent to the DLQ, by reason.",
		}, []string{"reason"}),
	}
	m.rejected.WithLabelValues(ReasonMalformedJSON)
	m.rejected.WithLabelValues(ReasonInvalid)
	return &Handler{store: st, dlq: dlq, m: m}
}

// Decode turns one posts.enriched message into a post carrying the
// message's partition and offset. It uses the JSON v2 decoder (the
// proposal behind encoding/json/v2): about twice as fast as encoding/json
// with a third of the allocations on enriched posts (BenchmarkDecode), and
// strict where it differs (exact field names, valid UTF-8), which suits a
// contract our own stages produce.
func Decode(m kafka.Message) (post.Enriched, error) {
	var p post.Enriched
	if err := jsonv2.Unmarshal(m.Value, &p); err != nil {
		return p, err
	}
	p.Partition, p.Offset = m.Partition, m.Offset
	return p, nil
}

// Handle implements stream.Handler. It stores the batch's valid posts in
// one store write, then produces the rejects to the DLQ, and returns nil
// only when both succeeded; otherwise the consumer retries the batch, and
// the store's post_id dedupe keeps the retry from counting twice. Handle
// blocks while ClickHouse is unavailable (the store retries), so the
// consumer fetches nothing meanwhile.
func (h *Handler) Handle(ctx context.Context, _ int, msgs []kafka.Message) error {
	posts := make([]post.Enriched, 0, len(msgs))
	var dlq []kafka.Message
	for _, m := range msgs {
		p, err := Decode(m)
		reason := ""
		switch {
		case err != nil:
			reason = ReasonMalformedJSON
		case store.Validate(&p) != nil:
			reason = ReasonInvalid
		}
		if reason != "" {
			dlq = append(dlq, stream.DLQMessage(m, StageName, reason))
			h.m.rejected.WithLabelValues(reason).Inc()
			continue
		}
		posts = append(posts, p)
	}
	if err := h.store.Write(ctx, posts); err != nil {
		return fmt.Errorf("sink: %w", err)
	}
	if len(dlq) > 0 {
		if h.dlq == nil {
			return errors.New("sink: rejected records but no DLQ producer")
		}
		if err := h.dlq.WriteMessages(ctx, dlq...); err != nil {
			return fmt.Errorf("sink: produce dlq: %w", err)
		}
	}
	h.m.consumed.Add(float64(len(msgs)))
	return nil
}

// StageConfig configures the sink stage.
type StageConfig struct {
	Brokers []string
	GroupID string
	// Topic is the enriched-posts topic; DLQTopic takes the rejects.
	Topic    string
	DLQTopic string
	// BatchSize and BatchTimeout bound one ClickHouse INSERT (see the
	// sink section of config/undertone.yaml for the defaults' reasoning).
	BatchSize    int
	BatchTimeout time.Duration
	MaxBackoff   time.Duration
}

// Stage is the sink stage process: a consumer whose handler writes to the
// store, resuming from the store's offsets.
type Stage struct {
	consumer *stream.Consumer
	dlq      *kafka.Writer
	log      *slog.Logger
}

// NewStage builds the stage around w, whose SourceTopic must be cfg.Topic.
// It connects only in Run.
func NewStage(cfg StageConfig, w *store.Writer, set Settings) (*Stage, error) {
	if w == nil {
		return nil, errors.New("sink: nil writer")
	}
	if cfg.DLQTopic == "" {
		return nil, errors.New("sink: dlq topic is required")
	}
	base := set.Logger
	if base == nil {
		base = slog.New(slog.DiscardHandler)
	}
	dlq := stream.NewWriter(cfg.Brokers, cfg.DLQTopic)
	// Partitions' partial batches (batch_timeout at low volume) that wait
	// while an INSERT is in flight share the next one (store.Coalescer).
	h := NewHandler(store.NewCoalescer(w, cfg.BatchSize), dlq, set.Registerer)
	c, err := stream.NewConsumer(stream.ConsumerConfig{
		Brokers:      cfg.Brokers,
		GroupID:      cfg.GroupID,
		Topic:        cfg.Topic,
		BatchSize:    cfg.BatchSize,
		BatchTimeout: cfg.BatchTimeout,
		MaxBackoff:   cfg.MaxBackoff,
		Resume:       w.Resume,
		Logger:       base,
		Registerer:   set.Registerer,
	}, h.Handle)
	if err != nil {
		_ = dlq.Close()
		return nil, fmt.Errorf("sink: %w", err)
	}
	return &Stage{consumer: c, dlq: dlq, log: base.With("component", "sink")}, nil
}

// Run consumes until ctx is done, finishes and commits the batch in hand,
// then closes the DLQ producer. It returns nil after a clean shutdown.
func (s *Stage) Run(ctx context.Context) error {
	s.log.Info("sink stage started")
	err := s.consumer.Run(ctx)
	if cerr := s.dlq.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("sink: close dlq producer: %w", cerr)
	}
	s.log.Info("sink stage stopped")
	return err
}
