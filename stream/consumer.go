// Package stream is the Kafka plumbing every stage shares: a consumer-group
// batch loop that commits only after the handler succeeded, a producer
// constructor with safe defaults, dead-letter messages and topic creation.
package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/segmentio/kafka-go"
)

// Handler processes one batch of messages from one partition, in offset
// order. A nil error means the batch is done (written, produced or sent to
// the dead-letter topic) and its offsets may be committed. A non-nil error
// means the batch must be retried: the consumer calls the handler again with
// the same batch after a backoff, and never skips it. The handler must
// return promptly once ctx is done. The consumer owns msgs; the handler must
// not keep them after it returns.
type Handler func(ctx context.Context, partition int, msgs []kafka.Message) error

// ResumeFunc tells where to start reading a partition when the store, not
// the Kafka commit, is the source of truth for progress. ok=false means the
// store knows nothing of this partition; next is the first offset not yet
// stored.
type ResumeFunc func(ctx context.Context, topic string, partition int) (next int64, ok bool, err error)

// ConsumerConfig configures a Consumer.
type ConsumerConfig struct {
	Brokers []string
	GroupID string
	Topic   string
	// BatchSize bounds the messages handed to the handler at once.
	BatchSize int
	// BatchTimeout bounds how long a partial batch waits for more messages
	// after its first one.
	BatchTimeout time.Duration
	// DrainTimeout bounds how long the batch in hand may take to finish after
	// Run's ctx is done. Default 30s.
	DrainTimeout time.Duration
	// MaxBackoff caps the retry backoff of a failing handler. Default 30s.
	MaxBackoff time.Duration
	// SessionTimeout is the consumer-group session timeout. Default 10s, so
	// a killed member's partitions move on quickly.
	SessionTimeout time.Duration
	// Resume, when set, is asked where to start each assigned partition; the
	// consumer starts at the later of the stored and the committed position.
	Resume ResumeFunc

	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// Validate reports a missing or invalid setting.
func (c ConsumerConfig) Validate() error {
	switch {
	case len(c.Brokers) == 0:
		return errors.New("stream: no brokers")
	case c.GroupID == "":
		return errors.New("stream: no consumer group")
	case c.Topic == "":
		return errors.New("stream: no topic")
	case c.BatchSize <= 0:
		return fmt.Errorf("stream: batch size %d, must be > 0", c.BatchSize)
	case c.BatchTimeout <= 0:
		return fmt.Errorf("stream: batch timeout %s, must be > 0", c.BatchTimeout)
	}
	return nil
}

// Consumer is a consumer-group member that reads batches per partition and
// commits each batch's offsets only after its handler succeeded.
type Consumer struct {
	cfg     ConsumerConfig
	handle  Handler
	log     *slog.Logger
	metrics *consumerMetrics
}

type consumerMetrics struct {
	consumed  *prometheus.CounterVec
	batches   *prometheus.CounterVec
	retries   *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	lag       *prometheus.GaugeVec
	committed *prometheus.GaugeVec
}

var (
	metricsMu    sync.Mutex
	metricsByReg = map[prometheus.Registerer]*consumerMetrics{}
)

// metricsFor returns the consumer metrics registered on reg, registering
// them once per registry (several consumers may share one process).
func metricsFor(reg prometheus.Registerer) *consumerMetrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	metricsMu.Lock()
	defer metricsMu.Unlock()
	if m, ok := metricsByReg[reg]; ok {
		return m
	}
	f := promauto.With(reg)
	labels := []string{"topic", "group"}
	m := &consumerMetrics{
		consumed: f.NewCounterVec(prometheus.CounterOpts{
			Name: "undertone_stream_consumed_messages_total", Help: "Messages handed to handlers and committed.",
		}, labels),
		batches: f.NewCounterVec(prometheus.CounterOpts{
			Name: "undertone_stream_batches_total", Help: "Batches handled successfully.",
		}, labels),
		retries: f.NewCounterVec(prometheus.CounterOpts{
			Name: "undertone_stream_handler_retries_total", Help: "Handler failures that caused a batch retry.",
		}, labels),
		duration: f.NewHistogramVec(prometheus.HistogramOpts{
			Name: "undertone_stream_batch_duration_seconds", Help: "Time to handle one batch, retries included.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}, labels),
		lag: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "undertone_stream_consumer_lag_messages", Help: "Messages behind the partition's high watermark.",
		}, []string{"topic", "group", "partition"}),
		committed: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "undertone_stream_committed_offset", Help: "Last committed offset (next to read).",
		}, []string{"topic", "group", "partition"}),
	}
	metricsByReg[reg] = m
	return m
}

// NewConsumer returns a Consumer; it does not connect until Run.
func NewConsumer(cfg ConsumerConfig, h Handler) (*Consumer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if h == nil {
		return nil, errors.New("stream: nil handler")
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = 30 * time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.SessionTimeout <= 0 {
		cfg.SessionTimeout = 10 * time.Second
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Consumer{
		cfg:     cfg,
		handle:  h,
		log:     log.With("component", "stream", "topic", cfg.Topic, "group", cfg.GroupID),
		metrics: metricsFor(cfg.Registerer),
	}, nil
}

// Run joins the group and consumes until ctx is done. It blocks. On
// shutdown it stops fetching, lets the batch in hand finish (bounded by
// DrainTimeout), commits it and leaves the group. It returns nil after a
// clean shutdown.
func (c *Consumer) Run(ctx context.Context) error {
	group, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID:                c.cfg.GroupID,
		Brokers:           c.cfg.Brokers,
		Topics:            []string{c.cfg.Topic},
		StartOffset:       kafka.FirstOffset,
		SessionTimeout:    c.cfg.SessionTimeout,
		HeartbeatInterval: c.cfg.SessionTimeout / 5,
		RebalanceTimeout:  c.cfg.SessionTimeout * 3,
		JoinGroupBackoff:  time.Second,
		// Partition changes (a topic grown for scale-out) trigger a rebalance.
		WatchPartitionChanges: true,
	})
	if err != nil {
		return fmt.Errorf("stream: consumer group: %w", err)
	}
	// handler context: survives rebalances, ends DrainTimeout after ctx.
	hctx, hcancel := context.WithCancel(context.WithoutCancel(ctx))
	stopDrain := context.AfterFunc(ctx, func() {
		time.AfterFunc(c.cfg.DrainTimeout, hcancel)
	})
	defer func() {
		stopDrain()
		hcancel()
	}()
	c.log.Info("consumer started", "batch_size", c.cfg.BatchSize, "batch_timeout", c.cfg.BatchTimeout)
	backoff := newBackoff(100*time.Millisecond, c.cfg.MaxBackoff)
	for {
		gen, err := group.Next(ctx)
		if ctx.Err() != nil {
			// Close ends the generation and waits for partition loops, which
			// finish and commit their batch in hand.
			cerr := group.Close()
			c.log.Info("consumer stopped")
			if cerr != nil && !errors.Is(cerr, kafka.ErrGroupClosed) {
				return fmt.Errorf("stream: close group: %w", cerr)
			}
			return nil
		}
		if err != nil {
			if errors.Is(err, kafka.ErrGroupClosed) {
				return nil
			}
			c.log.Warn("consumer group join failed, retrying", "err", err)
			if !sleep(ctx, backoff.next()) {
				continue
			}
			continue
		}
		backoff.reset()
		parts := gen.Assignments[c.cfg.Topic]
		ids := make([]int, 0, len(parts))
		for _, p := range parts {
			ids = append(ids, p.ID)
		}
		c.log.Info("partitions assigned", "generation", gen.ID, "partitions", fmt.Sprint(ids))
		for _, p := range parts {
			gen.Start(func(gctx context.Context) {
				c.consumePartition(gctx, hctx, gen, p.ID, p.Offset)
			})
		}
	}
}

// consumePartition reads one partition for the lifetime of a generation.
// gctx ends with the generation; hctx bounds handler work and only ends on
// shutdown (after the drain timeout).
func (c *Consumer) consumePartition(gctx, hctx context.Context, gen *kafka.Generation, partition int, committed int64) {
	log := c.log.With("partition", partition)
	start, err := c.startOffset(gctx, partition, committed)
	if err != nil {
		if gctx.Err() == nil {
			log.Error("resume lookup failed", "err", err)
		}
		return
	}
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:   c.cfg.Brokers,
		Topic:     c.cfg.Topic,
		Partition: partition,
		MinBytes:  1,
		MaxBytes:  16 << 20,
		MaxWait:   c.cfg.BatchTimeout,
		// Keep the prefetch bounded: backpressure comes from the handler.
		QueueCapacity: max(c.cfg.BatchSize, 100),
	})
	defer r.Close()
	if err := r.SetOffset(start); err != nil {
		log.Error("set offset failed", "offset", start, "err", err)
		return
	}
	part := strconv.Itoa(partition)
	lag := c.metrics.lag.WithLabelValues(c.cfg.Topic, c.cfg.GroupID, part)
	committedG := c.metrics.committed.WithLabelValues(c.cfg.Topic, c.cfg.GroupID, part)
	batch := make([]kafka.Message, 0, c.cfg.BatchSize)
	for {
		batch = c.fetchBatch(gctx, r, batch[:0])
		if len(batch) == 0 {
			return // generation over
		}
		if !c.handleWithRetry(hctx, log, partition, batch) {
			return // shutdown while failing: not committed, will be redelivered
		}
		next := batch[len(batch)-1].Offset + 1
		if err := c.commit(hctx, gen, partition, next); err != nil {
			// The batch is done; a lost commit only means redelivery, which
			// downstream dedupe (post_id) absorbs.
			log.Warn("commit failed", "offset", next, "err", err)
		} else {
			committedG.Set(float64(next))
		}
		c.metrics.consumed.WithLabelValues(c.cfg.Topic, c.cfg.GroupID).Add(float64(len(batch)))
		c.metrics.batches.WithLabelValues(c.cfg.Topic, c.cfg.GroupID).Inc()
		lag.Set(float64(r.Stats().Lag))
		if gctx.Err() != nil {
			return
		}
	}
}

func (c *Consumer) startOffset(gctx context.Context, partition int, committed int64) (int64, error) {
	if c.cfg.Resume == nil {
		return committed, nil
	}
	b := newBackoff(100*time.Millisecond, c.cfg.MaxBackoff)
	for {
		next, ok, err := c.cfg.Resume(gctx, c.cfg.Topic, partition)
		if err == nil {
			if ok && (committed < 0 || next > committed) {
				c.log.Info("resuming from store", "partition", partition, "offset", next, "committed", committed)
				return next, nil
			}
			return committed, nil
		}
		c.log.Warn("resume lookup failed, retrying", "partition", partition, "err", err)
		if !sleep(gctx, b.next()) {
			return 0, gctx.Err()
		}
	}
}

// fetchBatch waits for a first message (until gctx ends), then gathers more
// until the batch is full or BatchTimeout has passed since the first.
func (c *Consumer) fetchBatch(gctx context.Context, r *kafka.Reader, batch []kafka.Message) []kafka.Message {
	m, err := r.FetchMessage(gctx)
	if err != nil {
		return batch
	}
	batch = append(batch, m)
	wctx, cancel := context.WithTimeout(gctx, c.cfg.BatchTimeout)
	defer cancel()
	for len(batch) < c.cfg.BatchSize {
		m, err := r.FetchMessage(wctx)
		if err != nil {
			break
		}
		batch = append(batch, m)
	}
	return batch
}

// handleWithRetry calls the handler until it succeeds. It returns false
// when hctx ended first.
func (c *Consumer) handleWithRetry(hctx context.Context, log *slog.Logger, partition int, batch []kafka.Message) bool {
	start := time.Now()
	b := newBackoff(100*time.Millisecond, c.cfg.MaxBackoff)
	for attempt := 1; ; attempt++ {
		err := c.handle(hctx, partition, batch)
		if err == nil {
			c.metrics.duration.WithLabelValues(c.cfg.Topic, c.cfg.GroupID).Observe(time.Since(start).Seconds())
			return true
		}
		if hctx.Err() != nil {
			log.Warn("batch abandoned at shutdown, will be redelivered", "first_offset", batch[0].Offset, "messages", len(batch), "err", err)
			return false
		}
		c.metrics.retries.WithLabelValues(c.cfg.Topic, c.cfg.GroupID).Inc()
		d := b.next()
		log.Warn("batch failed, retrying", "attempt", attempt, "backoff", d, "first_offset", batch[0].Offset, "messages", len(batch), "err", err)
		if !sleep(hctx, d) {
			return false
		}
	}
}

func (c *Consumer) commit(ctx context.Context, gen *kafka.Generation, partition int, next int64) error {
	var err error
	for range 3 {
		err = gen.CommitOffsets(map[string]map[int]int64{c.cfg.Topic: {partition: next}})
		if err == nil {
			return nil
		}
		if !sleep(ctx, 200*time.Millisecond) {
			break
		}
	}
	return err
}

// backoff is exponential with full jitter.
type backoff struct {
	min, max, cur time.Duration
}

func newBackoff(minD, maxD time.Duration) *backoff { return &backoff{min: minD, max: maxD} }

func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = b.min
	} else {
		b.cur = min(b.cur*2, b.max)
	}
	return b.cur/2 + rand.N(b.cur/2+1)
}

func (b *backoff) reset() { b.cur = 0 }

// sleep waits d or until ctx is done; it reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
