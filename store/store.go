// Package store is Undertone's ClickHouse side: the schema (versioned SQL
// migrations embedded in the binary), the Migrator that applies them, the
// Writer that inserts enriched posts exactly once, the resume point the
// sink's Kafka consumer starts from, and retention by dropping partitions.
//
// Only the posts table is written by the application; mentions, the daily
// aggregates and sink_offsets are filled by materialized views inside the
// same INSERT. See docs/storage.md and docs/delivery.md.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Config is what the store needs to reach ClickHouse and lay out the schema.
// cmd/ fills it from the clickhouse and store config sections.
type Config struct {
	// Addr lists native-protocol host:port addresses.
	Addr     []string
	Database string
	Username string
	Password string
	// Cluster, when set, selects cluster mode: sharded local tables
	// (<table>_local) with Distributed tables named like the single-node
	// tables on top.
	Cluster string
	// Replicated selects, in cluster mode, ReplicatedMergeTree engines and
	// ON CLUSTER DDL (needs ClickHouse Keeper or ZooKeeper). When false the
	// local tables are plain MergeTree shards and the Migrator must be run
	// against every host (see MigrateHosts).
	Replicated  bool
	DialTimeout time.Duration
	// ViewsOff names optional views (OptionalViews) MigrateHosts drops
	// after migrating; the others it creates again if they were dropped.
	ViewsOff []string
}

// Schema returns the template parameters for this configuration.
func (c Config) Schema() Schema {
	return Schema{Database: c.Database, Cluster: c.Cluster, Replicated: c.Replicated}
}

// Validate reports a missing setting.
func (c Config) Validate() error {
	switch {
	case len(c.Addr) == 0:
		return errors.New("store: no clickhouse address")
	case !identRe.MatchString(c.Database):
		return fmt.Errorf("store: invalid database name %q", c.Database)
	case c.Cluster != "" && !identRe.MatchString(c.Cluster):
		return fmt.Errorf("store: invalid cluster name %q", c.Cluster)
	}
	return nil
}

// Dial opens a clickhouse-go native connection pool to cfg.Addr and pings it.
// The connection's default database is "default" so that it works before
// the Undertone database exists; every statement names its database.
func Dial(ctx context.Context, cfg Config, logger *slog.Logger) (driver.Conn, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	dt := cfg.DialTimeout
	if dt <= 0 {
		dt = 5 * time.Second
	}
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:         cfg.Addr,
		Auth:         clickhouse.Auth{Database: "default", Username: cfg.Username, Password: cfg.Password},
		DialTimeout:  dt,
		Compression:  &clickhouse.Compression{Method: clickhouse.CompressionLZ4},
		MaxOpenConns: 8,
		MaxIdleConns: 4,
		Logger:       logger.With("component", "clickhouse"),
		ClientInfo: clickhouse.ClientInfo{
			Products: []struct{ Name, Version string }{{Name: "undertone", Version: "1"}},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, dt)
	defer cancel()
	if err := conn.Ping(pctx); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("store: ping %v: %w", cfg.Addr, err)
	}
	return conn, nil
}
