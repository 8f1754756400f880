// Package stage is the enrich stage: a consumer-group member on posts.clean
// that runs the enrichment chain on each batch and hands the enriched posts
// to a Sink (the ClickHouse writer, inline in `undertone run`) and/or
// produces them to posts.enriched keyed by post_id. A batch's offsets are
// committed only after the sink and the produce succeeded; records that are
// not clean posts go to the dead-letter topic with stage=enrich.
package stage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/undertone/undertone/enrich"
	"github.com/undertone/undertone/post"
	"github.com/undertone/undertone/stream"
)

// Name is the DLQ "stage" header value of records this stage rejects.
const Name = "enrich"

// DLQ reasons.
const (
	// ReasonMalformedClean: the posts.clean record is not a clean post.
	ReasonMalformedClean = "malformed_clean"
	// ReasonSinkRejected: the sink permanently refused the post.
	ReasonSinkRejected = "sink_rejected"
)

// Sink stores enriched posts. Write blocks until batch is stored (retrying
// transient failures itself or returning them); it must not keep batch.
// store.Writer implements it.
type Sink interface {
	Write(ctx context.Context, batch []post.Enriched) error
}

// Writer is the part of *kafka.Writer the stage needs; WriteMessages must
// block until every message is acknowledged (stream.NewWriter does).
type Writer interface {
	WriteMessages(ctx context.Context, msgs ...kafka.Message) error
}

// Config configures the stage.
type Config struct {
	Brokers      []string
	GroupID      string
	CleanTopic   string
	DLQTopic     string
	BatchSize    int
	BatchTimeout time.Duration
	// Workers enrich one batch in parallel (0 = GOMAXPROCS).
	Workers int
	// EnrichedTopic, when set, receives every enriched post as JSON keyed by
	// post_id (enrich.produce_enriched).
	EnrichedTopic string
	// Resume is passed to the consumer: when the sink is the store, the
	// store says where each partition resumes.
	Resume stream.ResumeFunc
	// Permanent reports sink errors that retrying cannot fix (e.g.
	// errors.Is(err, store.ErrPermanent)); the posts concerned go to the DLQ
	// one by one. nil: every sink error is retried.
	Permanent func(error) bool
}

// Settings carries the dependencies the caller wires in.
type Settings struct {
	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// Stage is the running enrich stage.
type Stage struct {
	consumer *stream.Consumer
	closers  []func() error
	log      *slog.Logger
}

// New builds the stage. sink may be nil when cfg.EnrichedTopic is set; at
// least one of them is required. It connects only in Run.
func New(cfg Config, chain *enrich.Chain, sink Sink, set Settings) (*Stage, error) {
	if chain == nil {
		return nil, errors.New("enrich stage: nil chain")
	}
	if sink == nil && cfg.EnrichedTopic == "" {
		return nil, errors.New("enrich stage: no sink and no enriched topic: enriched posts would go nowhere")
	}
	if cfg.DLQTopic == "" {
		return nil, errors.New("enrich stage: dlq topic is required")
	}
	base := set.Logger
	if base == nil {
		base = slog.New(slog.DiscardHandler)
	}
	s := &Stage{log: base}
	var enriched Writer
	if cfg.EnrichedTopic != "" {
		w := stream.NewWriter(cfg.Brokers, cfg.EnrichedTopic)
		enriched = w
		s.closers = append(s.closers, closeWriter(w))
	}
	dlq := stream.NewWriter(cfg.Brokers, cfg.DLQTopic)
	s.closers = append(s.closers, closeWriter(dlq))
	h := NewHandler(chain, sink, enriched, dlq, HandlerConfig{Workers: cfg.Workers, Permanent: cfg.Permanent}, set.Registerer)
	c, err := stream.NewConsumer(stream.ConsumerConfig{
		Brokers:      cfg.Brokers,
		GroupID:      cfg.GroupID,
		Topic:        cfg.CleanTopic,
		BatchSize:    cfg.BatchSize,
		BatchTimeout: cfg.BatchTimeout,
		Resume:       cfg.Resume,
		Logger:       base,
		Registerer:   set.Registerer,
	}, h.Handle)
	if err != nil {
		s.close()
		return nil, fmt.Errorf("enrich stage: %w", err)
	}
	s.consumer = c
	return s, nil
}

// closeWriter closes w and its transport's idle connections, so no
// goroutine outlives the stage.
func closeWriter(w *kafka.Writer) func() error {
	return func() error {
		err := w.Close()
		if t, ok := w.Transport.(*kafka.Transport); ok {
			t.CloseIdleConnections()
		}
		return err
	}
}

func (s *Stage) close() error {
	var first error
	for _, c := range s.closers {
		if err := c(); err != nil && first == nil {
			first = fmt.Errorf("enrich stage: close producer: %w", err)
		}
	}
	s.closers = nil
	return first
}

// Run consumes until ctx is done, then finishes the batch in hand, commits
// it and closes the producers. It returns nil after a clean shutdown.
func (s *Stage) Run(ctx context.Context) error {
	s.log.Info("enrich stage started")
	err := s.consumer.Run(ctx)
	if cerr := s.close(); cerr != nil && err == nil {
		err = cerr
	}
	s.log.Info("enrich stage stopped")
	return err
}

// HandlerConfig configures a Handler.
type HandlerConfig struct {
	Workers   int
	Permanent func(error) bool
}

// Handler enriches batches of posts.clean messages. It is safe for
// concurrent use (the consumer runs one batch per partition at a time).
type Handler struct {
	chain     *enrich.Chain
	sink      Sink
	enriched  Writer
	dlq       Writer
	cfg       HandlerConfig
	processed *prometheus.CounterVec
}

// NewHandler returns the batch handler of the stage. sink and enriched may
// each be nil; reg may be nil.
func NewHandler(chain *enrich.Chain, sink Sink, enriched, dlq Writer, cfg HandlerConfig, reg prometheus.Registerer) *Handler {
	h := &Handler{chain: chain, sink: sink, enriched: enriched, dlq: dlq, cfg: cfg,
		processed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "undertone_enrich_stage_posts_total",
			Help: "posts.clean records handled by the enrich stage, by outcome (enriched, dlq).",
		}, []string{"outcome"}),
	}
	if reg != nil {
		if err := reg.Register(h.processed); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				if c, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
					h.processed = c
				}
			}
		}
	}
	return h
}

// Handle implements stream.Handler: decode, enrich, produce and/or sink,
// dead-letter what cannot be used. A non-nil error makes the consumer retry
// the same batch; a post is never skipped silently.
func (h *Handler) Handle(ctx context.Context, _ int, msgs []kafka.Message) error {
	posts := make([]post.Enriched, 0, len(msgs))
	origin := make([]int, 0, len(msgs)) // posts[i] came from msgs[origin[i]]
	var dead []kafka.Message
	for i, m := range msgs {
		var c post.Clean
		if err := json.Unmarshal(m.Value, &c); err != nil || c.PostID == "" {
			dead = append(dead, stream.DLQMessage(m, Name, ReasonMalformedClean))
			continue
		}
		e := post.NewEnriched(c)
		e.Partition, e.Offset = m.Partition, m.Offset
		posts = append(posts, e)
		origin = append(origin, i)
	}
	if err := h.chain.EnrichParallel(ctx, posts, h.cfg.Workers); err != nil {
		return fmt.Errorf("enrich stage: %w", err)
	}
	if h.enriched != nil && len(posts) > 0 {
		out := make([]kafka.Message, len(posts))
		for i := range posts {
			out[i] = kafka.Message{Key: []byte(posts[i].PostID), Value: posts[i].AppendJSON(nil)}
		}
		if err := h.enriched.WriteMessages(ctx, out...); err != nil {
			return fmt.Errorf("enrich stage: produce enriched: %w", err)
		}
	}
	if h.sink != nil && len(posts) > 0 {
		rejected, err := h.write(ctx, posts)
		if err != nil {
			return err
		}
		for _, i := range rejected {
			dead = append(dead, stream.DLQMessage(msgs[origin[i]], Name, ReasonSinkRejected))
		}
	}
	if len(dead) > 0 {
		if err := h.dlq.WriteMessages(ctx, dead...); err != nil {
			return fmt.Errorf("enrich stage: produce dlq: %w", err)
		}
	}
	h.processed.WithLabelValues("enriched").Add(float64(len(msgs) - len(dead)))
	h.processed.WithLabelValues("dlq").Add(float64(len(dead)))
	return nil
}

// write stores posts; on a permanent error it retries post by post and
// returns the indexes the sink refused for good.
func (h *Handler) write(ctx context.Context, posts []post.Enriched) ([]int, error) {
	err := h.sink.Write(ctx, posts)
	if err == nil {
		return nil, nil
	}
	if h.cfg.Permanent == nil || !h.cfg.Permanent(err) {
		return nil, fmt.Errorf("enrich stage: sink: %w", err)
	}
	if len(posts) == 1 {
		return []int{0}, nil
	}
	var rejected []int
	for i := range posts {
		err := h.sink.Write(ctx, posts[i:i+1])
		switch {
		case err == nil:
		case h.cfg.Permanent(err):
			rejected = append(rejected, i)
		default:
			return nil, fmt.Errorf("enrich stage: sink: %w", err)
		}
	}
	return rejected, nil
}
