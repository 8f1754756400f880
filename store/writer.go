package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/ext"
	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/ClickHouse/clickhouse-go/v2/lib/proto"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/undertone/undertone/post"
)

// ErrPermanent marks a write error that retrying cannot fix (schema
// mismatch, bad credentials, an invalid post). Check with errors.Is.
var ErrPermanent = errors.New("permanent store error")

// ErrInvalid marks a post the store refuses (no post_id, created_at out of
// range). The sink sends such posts to the dead-letter topic.
var ErrInvalid = errors.New("invalid post")

// Settings carries the dependencies the caller wires in.
type Settings struct {
	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// WriterConfig configures a Writer.
type WriterConfig struct {
	// SourceTopic is recorded as src_topic with every row: the Kafka topic
	// the posts' Partition/Offset refer to.
	SourceTopic string
	// MinBackoff and MaxBackoff bound the exponential retry backoff (with
	// full jitter) while ClickHouse is unavailable. Defaults 100ms and 30s.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// AttemptTimeout bounds one dedupe+insert attempt. Default 2m.
	AttemptTimeout time.Duration
	// LookupChunk bounds the post_ids per dedupe query (sent as an
	// external table). Default 100,000.
	LookupChunk int
}

// Writer inserts enriched posts into the posts table exactly once per
// post_id. It is safe for concurrent use; each Write holds one connection
// at a time.
type Writer struct {
	conn   driver.Conn
	schema Schema
	cfg    WriterConfig
	log    *slog.Logger
	m      *writerMetrics
	pool   sync.Pool // *columns
}

type writerMetrics struct {
	rows       prometheus.Counter
	duplicates *prometheus.CounterVec
	retries    *prometheus.CounterVec
	duration   prometheus.Histogram
}

var (
	writerMetricsMu sync.Mutex
	writerMetricsBy = map[prometheus.Registerer]*writerMetrics{}
)

func writerMetricsFor(reg prometheus.Registerer) *writerMetrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	writerMetricsMu.Lock()
	defer writerMetricsMu.Unlock()
	if m, ok := writerMetricsBy[reg]; ok {
		return m
	}
	f := promauto.With(reg)
	m := &writerMetrics{
		rows: f.NewCounter(prometheus.CounterOpts{
			Name: "undertone_store_rows_written_total", Help: "Posts inserted into ClickHouse.",
		}),
		duplicates: f.NewCounterVec(prometheus.CounterOpts{
			Name: "undertone_store_duplicates_total",
			Help: "Posts not inserted because their post_id was already in the batch (batch) or in ClickHouse (stored).",
		}, []string{"kind"}),
		retries: f.NewCounterVec(prometheus.CounterOpts{
			Name: "undertone_store_write_retries_total", Help: "Failed write attempts, by class (retryable, permanent).",
		}, []string{"class"}),
		duration: f.NewHistogram(prometheus.HistogramOpts{
			Name: "undertone_store_write_duration_seconds", Help: "Time to store one batch, retries included.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
		}),
	}
	writerMetricsBy[reg] = m
	return m
}

// NewWriter returns a Writer that inserts into the posts table of s through
// conn. It does no I/O.
func NewWriter(conn driver.Conn, s Schema, cfg WriterConfig, set Settings) (*Writer, error) {
	if conn == nil {
		return nil, errors.New("store: nil connection")
	}
	if !identRe.MatchString(s.Database) {
		return nil, fmt.Errorf("store: invalid database name %q", s.Database)
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 100 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = cfg.MinBackoff
	}
	if cfg.AttemptTimeout <= 0 {
		cfg.AttemptTimeout = 2 * time.Minute
	}
	if cfg.LookupChunk <= 0 {
		cfg.LookupChunk = 100_000
	}
	logger := set.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	w := &Writer{conn: conn, schema: s, cfg: cfg, log: logger.With("component", "store_writer"), m: writerMetricsFor(set.Registerer)}
	w.pool.New = func() any { return new(columns) }
	return w, nil
}

// Validate reports why the store would refuse p (wrapping ErrInvalid), or
// nil. DateTime columns hold 1970-01-01 .. 2105-12-31 UTC.
func Validate(p *post.Enriched) error {
	switch {
	case p.PostID == "":
		return fmt.Errorf("%w: empty post_id", ErrInvalid)
	case p.Source == "":
		return fmt.Errorf("%w: empty source", ErrInvalid)
	case p.CreatedAt.Before(minTime) || !p.CreatedAt.Before(maxTime):
		return fmt.Errorf("%w: created_at %s outside 1970..2105", ErrInvalid, p.CreatedAt.Format(time.RFC3339))
	case !p.IngestedAt.IsZero() && (p.IngestedAt.Before(minTime) || !p.IngestedAt.Before(maxTime)):
		return fmt.Errorf("%w: ingested_at %s outside 1970..2105", ErrInvalid, p.IngestedAt.Format(time.RFC3339))
	}
	return nil
}

var (
	minTime = time.Unix(0, 0).UTC()
	maxTime = time.Date(2106, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Write stores batch in one INSERT (so it lands whole or not at all, the
// materialized views included), skipping posts whose post_id is already
// stored and repeats within batch. It blocks, retrying with exponential
// backoff and jitter while ClickHouse is unavailable, until the batch is
// stored, a permanent error occurs (wrapping ErrPermanent) or ctx ends (the
// ctx error). Every attempt first re-reads which post_ids are stored, so an
// attempt whose outcome was unknown (the connection dropped after the
// server committed) is not inserted twice. Write does not modify or keep
// batch.
func (w *Writer) Write(ctx context.Context, batch []post.Enriched) error {
	if len(batch) == 0 {
		return nil
	}
	for i := range batch {
		if err := Validate(&batch[i]); err != nil {
			return fmt.Errorf("store: post %d: %w: %w", i, ErrPermanent, err)
		}
	}
	start := time.Now()
	uniq := firstOccurrences(batch)
	if d := len(batch) - len(uniq); d > 0 {
		w.m.duplicates.WithLabelValues("batch").Add(float64(d))
	}
	bo := w.cfg.MinBackoff
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, w.cfg.AttemptTimeout)
		err := w.attempt(actx, uniq)
		cancel()
		if err == nil {
			w.m.duration.Observe(time.Since(start).Seconds())
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if Permanent(err) {
			w.m.retries.WithLabelValues("permanent").Inc()
			return fmt.Errorf("store: write: %w: %w", ErrPermanent, err)
		}
		w.m.retries.WithLabelValues("retryable").Inc()
		d := time.Duration(rand.Int64N(int64(bo)) + 1)
		w.log.Warn("write failed, retrying", "attempt", attempt, "backoff", d, "posts", len(uniq), "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
		bo = min(bo*2, w.cfg.MaxBackoff)
	}
}

// firstOccurrences returns pointers to the first post of each post_id.
func firstOccurrences(batch []post.Enriched) []*post.Enriched {
	seen := make(map[string]struct{}, len(batch))
	out := make([]*post.Enriched, 0, len(batch))
	for i := range batch {
		p := &batch[i]
		if _, ok := seen[p.PostID]; ok {
			continue
		}
		seen[p.PostID] = struct{}{}
		out = append(out, p)
	}
	return out
}

func (w *Writer) attempt(ctx context.Context, posts []*post.Enriched) error {
	stored, err := w.stored(ctx, posts)
	if err != nil {
		return fmt.Errorf("dedupe lookup: %w", err)
	}
	if len(stored) > 0 {
		rest := make([]*post.Enriched, 0, len(posts)-len(stored))
		for _, p := range posts {
			if _, ok := stored[p.PostID]; !ok {
				rest = append(rest, p)
			}
		}
		w.m.duplicates.WithLabelValues("stored").Add(float64(len(posts) - len(rest)))
		posts = rest
	}
	if len(posts) == 0 {
		return nil
	}
	if err := w.insert(ctx, posts); err != nil {
		return fmt.Errorf("insert: %w", err)
	}
	w.m.rows.Add(float64(len(posts)))
	return nil
}

// stored returns the post_ids of posts already in the posts table. The
// batch's post_ids travel as an external table (native columns, no SQL text
// to parse: the old 20,000-literal IN list cost the server more CPU than the
// INSERT itself), and the lookup reads only the partitions and index ranges
// of the posts' created_at range.
func (w *Writer) stored(ctx context.Context, posts []*post.Enriched) (map[string]struct{}, error) {
	out := map[string]struct{}{}
	ids := make([]string, 0, min(len(posts), w.cfg.LookupChunk))
	for lo := 0; lo < len(posts); {
		hi := min(lo+w.cfg.LookupChunk, len(posts))
		minT, maxT := posts[lo].CreatedAt, posts[lo].CreatedAt
		ids = ids[:0]
		for _, p := range posts[lo:hi] {
			if p.CreatedAt.Before(minT) {
				minT = p.CreatedAt
			}
			if p.CreatedAt.After(maxT) {
				maxT = p.CreatedAt
			}
			ids = append(ids, p.PostID)
		}
		lo = hi
		tbl, err := ext.NewTable(DedupeTable, ext.Column("post_id", "String"))
		if err != nil {
			return nil, err
		}
		if _, err := tbl.Block().Columns[0].Append(ids); err != nil {
			return nil, err
		}
		qctx := clickhouse.Context(ctx, clickhouse.WithExternalTable(tbl))
		rows, err := w.conn.Query(qctx, DedupeQuery(w.schema, minT, maxT))
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = struct{}{}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DedupeTable is the name of the external table (one String column,
// post_id) that carries a batch's post_ids to the dedupe lookup.
const DedupeTable = "dedupe_ids"

// DedupeQuery is the sink's per-batch lookup of already stored post_ids;
// the ids come in the external table DedupeTable. Exported for the SQL
// compatibility check.
func DedupeQuery(s Schema, minT, maxT time.Time) string {
	return fmt.Sprintf("SELECT post_id FROM %s WHERE created_at >= toDateTime('%s', 'UTC') AND created_at <= toDateTime('%s', 'UTC') AND post_id IN %s",
		s.Table("posts"), minT.UTC().Truncate(time.Second).Format(time.DateTime), maxT.UTC().Format(time.DateTime), DedupeTable)
}

func (w *Writer) insert(ctx context.Context, posts []*post.Enriched) error {
	cols := w.pool.Get().(*columns)
	defer func() { cols.reset(); w.pool.Put(cols) }()
	cols.fill(posts, w.cfg.SourceTopic)
	if w.schema.Cluster != "" {
		// Distributed inserts are asynchronous by default: the dedupe
		// lookup of the next batch must see these rows on their shards.
		ctx = clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"insert_distributed_sync": 1}))
	}
	b, err := w.conn.PrepareBatch(ctx, InsertQuery(w.schema))
	if err != nil {
		return err
	}
	if err := cols.appendTo(b); err != nil {
		_ = b.Abort()
		return err
	}
	return b.Send()
}

// Resume returns the Kafka offset after the highest one stored for
// (topic, partition), for stream.ConsumerConfig.Resume: the store, not the
// Kafka commit, says what has been written. ok is false when nothing is
// stored for the partition, and always in cluster mode, where a batch can
// land on some shards and not others, so the highest stored offset does not
// prove the lower ones are stored; there the post_id dedupe alone keeps
// replays from counting twice.
func (w *Writer) Resume(ctx context.Context, topic string, partition int) (next int64, ok bool, err error) {
	if w.schema.Cluster != "" {
		return 0, false, nil
	}
	rows, err := w.conn.Query(ctx, ResumeQuery(w.schema), topic, int32(partition))
	if err != nil {
		return 0, false, fmt.Errorf("store: resume: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return 0, false, rows.Err()
	}
	var maxOff int64
	if err := rows.Scan(&maxOff); err != nil {
		return 0, false, fmt.Errorf("store: resume: %w", err)
	}
	return maxOff + 1, true, nil
}

// ResumeQuery is the query behind Resume (parameters: topic, partition).
func ResumeQuery(s Schema) string {
	return "SELECT maxMerge(max_offset) FROM " + s.Table("sink_offsets") +
		" WHERE src_topic = ? AND src_partition = ? GROUP BY src_topic, src_partition"
}

// Invalid reports whether err is about the posts themselves (ErrInvalid):
// the only store error for which setting the posts concerned aside (the
// DLQ) is right. Other permanent errors (a schema mismatch, bad credentials)
// concern every post; a stage must stop or keep retrying on those, never
// send its whole input to the DLQ.
func Invalid(err error) bool { return errors.Is(err, ErrInvalid) }

// Permanent reports whether err is one that retrying cannot fix: ErrPermanent,
// ErrInvalid, or a ClickHouse exception for a missing table or column, a
// type mismatch, bad SQL or bad credentials. Network errors and every other
// server error (too many parts, memory limit, timeouts) are retryable.
func Permanent(err error) bool {
	if errors.Is(err, ErrPermanent) || errors.Is(err, ErrInvalid) {
		return true
	}
	var ex *clickhouse.Exception
	if errors.As(err, &ex) {
		_, ok := permanentCodes[ex.Code]
		return ok
	}
	var (
		colErr   *column.Error
		convErr  *column.ColumnConverterError
		typeErr  *column.UnsupportedColumnTypeError
		blockErr *proto.BlockError
	)
	if errors.As(err, &colErr) || errors.As(err, &convErr) || errors.As(err, &typeErr) || errors.As(err, &blockErr) {
		// Client-side: a value the column cannot hold, a column type the
		// driver does not know. Retrying repeats it.
		return true
	}
	// Network errors, timeouts and anything unknown: retry. Misjudging an
	// error as retryable costs log lines, never data.
	return false
}

var permanentCodes = map[int32]struct{}{
	8: {}, 10: {}, 16: {}, 20: {}, 27: {}, 36: {}, 44: {}, 47: {}, 53: {}, 60: {}, 62: {}, 70: {}, 81: {},
	164: {}, 192: {}, 193: {}, 194: {}, 195: {}, 497: {}, 516: {},
}

// quantize maps a score in [-1, 1] to the nearest multiple of 2^-16, so that
// Float64 sums of stored scores are exact and independent of order: the
// aggregates equal a recomputation from posts bit for bit.
func quantize(x float64) float32 {
	if math.IsNaN(x) {
		return 0
	}
	x = max(-1, min(1, x))
	return float32(math.Round(x*65536) / 65536)
}
