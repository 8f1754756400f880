package store

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Retention drops whole monthly partitions of the posts table (the
// anonymized text and per-post fields) once every day of the month is older
// than Days. mentions, the daily aggregates and sink_offsets are kept.
// Dropping partitions works on every ClickHouse version (no TTL needed) and
// frees the space at once.
//
// Because partitions are months, a post is kept at least Days and at most
// Days + 31 days.
type Retention struct {
	conn   driver.Conn
	schema Schema
	days   int
	log    *slog.Logger
}

// NewRetention returns a Retention keeping days days of posts. It does no
// I/O.
func NewRetention(conn driver.Conn, s Schema, days int, logger *slog.Logger) (*Retention, error) {
	if days <= 0 {
		return nil, fmt.Errorf("store: retention days %d, must be > 0", days)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Retention{conn: conn, schema: s, days: days, log: logger.With("component", "retention")}, nil
}

// PartitionsQuery lists the active partitions of a table (parameters:
// database, table).
const PartitionsQuery = "SELECT DISTINCT partition_id FROM system.parts WHERE database = ? AND table = ? AND active ORDER BY partition_id"

// Expired returns the partitions (YYYYMM ids) among ids whose every day is
// before now - days.
func Expired(ids []string, days int, now time.Time) []string {
	cutoff := now.UTC().AddDate(0, 0, -days)
	var out []string
	for _, id := range ids {
		if len(id) != 6 {
			continue
		}
		n, err := strconv.Atoi(id)
		if err != nil {
			continue
		}
		nextMonth := time.Date(n/100, time.Month(n%100)+1, 1, 0, 0, 0, 0, time.UTC)
		if !nextMonth.After(cutoff) {
			out = append(out, id)
		}
	}
	return out
}

// Apply drops the expired partitions of posts as of now and returns their
// ids. It blocks until the server answered or ctx ends; running it twice or
// from two processes is harmless.
func (r *Retention) Apply(ctx context.Context, now time.Time) ([]string, error) {
	table := "posts"
	if r.schema.Cluster != "" {
		table = "posts_local"
	}
	rows, err := r.conn.Query(ctx, PartitionsQuery, r.schema.Database, table)
	if err != nil {
		return nil, fmt.Errorf("store: retention: list partitions: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: retention: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: retention: %w", err)
	}
	var dropped []string
	for _, id := range Expired(ids, r.days, now) {
		q := DropPartitionQuery(r.schema, id)
		if err := r.conn.Exec(ctx, q); err != nil {
			return dropped, fmt.Errorf("store: retention: drop partition %s: %w", id, err)
		}
		r.log.Info("partition dropped", "table", r.schema.LocalTable("posts"), "partition", id, "retention_days", r.days)
		dropped = append(dropped, id)
	}
	if err := r.trimTextCopies(ctx, now); err != nil {
		return dropped, err
	}
	return dropped, nil
}

// TextCopies are tables other than posts that hold post text, partitioned
// by toYYYYMM(created_at) like posts: retention drops the same expired
// months there. q_theme_posts is the query API's drill-down table
// (migration 0010), q_driver_day, q_driver_dims and q_driver_combo its
// daily counts of the posts' words (0012, 0013, 0015; partitioned by
// toYYYYMM(day): the same partition ids). A table that does not exist
// has no partitions.
var TextCopies = []string{"q_theme_posts", "q_driver_day", "q_driver_dims", "q_driver_combo"}

func (r *Retention) trimTextCopies(ctx context.Context, now time.Time) error {
	for _, name := range TextCopies {
		table := name
		if r.schema.Cluster != "" {
			table = name + "_local"
		}
		rows, err := r.conn.Query(ctx, PartitionsQuery, r.schema.Database, table)
		if err != nil {
			return fmt.Errorf("store: retention: list partitions of %s: %w", name, err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("store: retention: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: retention: %w", err)
		}
		for _, id := range Expired(ids, r.days, now) {
			q := fmt.Sprintf("ALTER TABLE %s%s DROP PARTITION %s", r.schema.LocalTable(name), r.schema.OnCluster(), id)
			if err := r.conn.Exec(ctx, q); err != nil {
				return fmt.Errorf("store: retention: drop partition %s of %s: %w", id, name, err)
			}
			r.log.Info("partition dropped", "table", r.schema.LocalTable(name), "partition", id, "retention_days", r.days)
		}
	}
	return nil
}

// DropPartitionQuery drops one monthly partition (id YYYYMM) of posts.
func DropPartitionQuery(s Schema, id string) string {
	return fmt.Sprintf("ALTER TABLE %s%s DROP PARTITION %s", s.LocalTable("posts"), s.OnCluster(), id)
}

// Run applies retention now and then every interval until ctx ends. Errors
// are logged and retried at the next tick. It blocks; run it in a
// goroutine.
func (r *Retention) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := r.Apply(ctx, time.Now()); err != nil && ctx.Err() == nil {
			r.log.Error("retention failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
