package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/segmentio/kafka-go"

	"github.com/undertone/undertone/ingest/anonymize"
	"github.com/undertone/undertone/stream"
)

// StageName is the DLQ "stage" header value of records ingest rejects.
const StageName = "ingest"

// Writer is the part of *kafka.Writer the stage needs. WriteMessages must
// block until every message is acknowledged (stream.NewWriter does).
type Writer interface {
	WriteMessages(ctx context.Context, msgs ...kafka.Message) error
}

// StageConfig configures the ingest stage.
type StageConfig struct {
	Brokers      []string
	GroupID      string
	RawTopic     string
	CleanTopic   string
	DLQTopic     string
	BatchSize    int
	BatchTimeout time.Duration
}

// Settings carries the dependencies the caller wires in.
type Settings struct {
	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// Stage is the ingest stage: a consumer-group member on posts.raw that
// produces clean posts to posts.clean (keyed by post_id) and rejected
// records to posts.dlq, and commits a batch only after both produces were
// acknowledged.
type Stage struct {
	consumer *stream.Consumer
	handler  *Handler
	closers  []func() error
	log      *slog.Logger
}

// NewStage builds the stage; it connects only in Run.
func NewStage(cfg StageConfig, prep *Preparer, set Settings) (*Stage, error) {
	if prep == nil {
		return nil, errors.New("ingest: nil preparer")
	}
	if cfg.CleanTopic == "" || cfg.DLQTopic == "" {
		return nil, errors.New("ingest: clean and dlq topics are required")
	}
	base := set.Logger
	if base == nil {
		base = slog.New(slog.DiscardHandler)
	}
	log := base.With("component", "ingest")
	clean := stream.NewWriter(cfg.Brokers, cfg.CleanTopic)
	dlq := stream.NewWriter(cfg.Brokers, cfg.DLQTopic)
	h := NewHandler(prep, clean, dlq, set.Registerer)
	c, err := stream.NewConsumer(stream.ConsumerConfig{
		Brokers:      cfg.Brokers,
		GroupID:      cfg.GroupID,
		Topic:        cfg.RawTopic,
		BatchSize:    cfg.BatchSize,
		BatchTimeout: cfg.BatchTimeout,
		Logger:       base,
		Registerer:   set.Registerer,
	}, h.Handle)
	if err != nil {
		_ = clean.Close()
		_ = dlq.Close()
		return nil, fmt.Errorf("ingest: %w", err)
	}
	return &Stage{consumer: c, handler: h, closers: []func() error{clean.Close, dlq.Close}, log: log}, nil
}

// Run consumes until ctx is done, then finishes the batch in hand, commits
// it and closes the producers. It returns nil after a clean shutdown.
func (s *Stage) Run(ctx context.Context) error {
	s.log.Info("ingest stage started")
	err := s.consumer.Run(ctx)
	for _, c := range s.closers {
		if cerr := c(); cerr != nil && err == nil {
			err = fmt.Errorf("ingest: close producer: %w", cerr)
		}
	}
	s.log.Info("ingest stage stopped")
	return err
}

// Handler prepares batches of raw messages. It is safe for concurrent use
// (one batch per partition at a time).
type Handler struct {
	prep    *Preparer
	clean   Writer
	dlq     Writer
	metrics *stageMetrics
}

type stageMetrics struct {
	consumed prometheus.Counter
	produced prometheus.Counter
	rejected *prometheus.CounterVec
	pii      *prometheus.CounterVec
	duration prometheus.Histogram
}

// NewHandler returns the batch handler of the stage, writing to clean and
// dlq. reg may be nil.
func NewHandler(prep *Preparer, clean, dlq Writer, reg prometheus.Registerer) *Handler {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	f := promauto.With(reg)
	m := &stageMetrics{
		consumed: f.NewCounter(prometheus.CounterOpts{
			Name: "undertone_ingest_consumed_records_total", Help: "Raw records read from posts.raw (retries included).",
		}),
		produced: f.NewCounter(prometheus.CounterOpts{
			Name: "undertone_ingest_produced_records_total", Help: "Clean posts acknowledged on posts.clean.",
		}),
		rejected: f.NewCounterVec(prometheus.CounterOpts{
			Name: "undertone_ingest_rejected_records_total", Help: "Records sent to posts.dlq, by reason.",
		}, []string{"reason"}),
		pii: f.NewCounterVec(prometheus.CounterOpts{
			Name: "undertone_ingest_pii_replaced_total", Help: "Spans of personal data replaced by placeholders, by kind.",
		}, []string{"kind"}),
		duration: f.NewHistogram(prometheus.HistogramOpts{
			Name: "undertone_ingest_batch_duration_seconds", Help: "Time to prepare and produce one batch.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}),
	}
	for _, r := range Reasons {
		m.rejected.WithLabelValues(string(r))
	}
	for _, k := range anonymize.Kinds() {
		m.pii.WithLabelValues(k.String())
	}
	return &Handler{prep: prep, clean: clean, dlq: dlq, metrics: m}
}

// MaxDLQValueBytes bounds the value of a DLQ message. A raw record that
// fills Kafka's default 1 MB message limit would not fit again once the DLQ
// headers are added, and the batch would be retried forever; such values
// are cut to this size and marked with the headers truncated=true and
// original_bytes.
const MaxDLQValueBytes = 900 << 10

func dlqMessage(m kafka.Message, reason Reason, err error) kafka.Message {
	orig := len(m.Value)
	if orig > MaxDLQValueBytes {
		m.Value = m.Value[:MaxDLQValueBytes]
	}
	d := stream.DLQMessage(m, StageName, string(reason))
	// The full error names the field and says why ("missing_field: text:
	// required, non-blank"); rejection details never echo field values.
	d.Headers = append(d.Headers, kafka.Header{Key: stream.HeaderError, Value: []byte(err.Error())})
	if orig > MaxDLQValueBytes {
		d.Headers = append(d.Headers,
			kafka.Header{Key: "truncated", Value: []byte("true")},
			kafka.Header{Key: "original_bytes", Value: []byte(strconv.Itoa(orig))})
	}
	return d
}

// Handle implements stream.Handler: it prepares every message, produces
// the clean posts and the rejects, and returns nil only when both produces
// were acknowledged. A non-nil error makes the consumer retry the whole
// batch (duplicates on posts.clean are possible; post_id dedupes them).
func (h *Handler) Handle(ctx context.Context, _ int, msgs []kafka.Message) error {
	start := time.Now()
	clean := make([]kafka.Message, 0, len(msgs))
	var dlq []kafka.Message
	var rejected map[Reason]int
	var pii anonymize.Counts
	for _, m := range msgs {
		c, counts, err := h.prep.PrepareCounted(m.Value)
		if err != nil {
			reason := ReasonMalformedJSON
			var re *RejectError
			if errors.As(err, &re) {
				reason = re.Reason
			}
			dlq = append(dlq, dlqMessage(m, reason, err))
			if rejected == nil {
				rejected = map[Reason]int{}
			}
			rejected[reason]++
			continue
		}
		for i := range counts {
			pii[i] += counts[i]
		}
		v, err := json.Marshal(c)
		if err != nil { // cannot happen for post.Clean; never drop silently
			return fmt.Errorf("ingest: encode clean post: %w", err)
		}
		clean = append(clean, kafka.Message{Key: []byte(c.PostID), Value: v})
	}
	if len(clean) > 0 {
		if err := h.clean.WriteMessages(ctx, clean...); err != nil {
			return fmt.Errorf("ingest: produce clean: %w", err)
		}
	}
	if len(dlq) > 0 {
		if err := h.dlq.WriteMessages(ctx, dlq...); err != nil {
			return fmt.Errorf("ingest: produce dlq: %w", err)
		}
	}
	h.metrics.consumed.Add(float64(len(msgs)))
	h.metrics.produced.Add(float64(len(clean)))
	for r, n := range rejected {
		h.metrics.rejected.WithLabelValues(string(r)).Add(float64(n))
	}
	for _, k := range anonymize.Kinds() {
		if pii[k] > 0 {
			h.metrics.pii.WithLabelValues(k.String()).Add(float64(pii[k]))
		}
	}
	h.metrics.duration.Observe(time.Since(start).Seconds())
	return nil
}
