package query

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// DialOptions says how the query path reaches ClickHouse.
type DialOptions struct {
	Addr []string
	// Database is the connection's default database (default "default").
	// A read-only user limited with allow_databases needs the store's.
	Database string
	Username string
	Password string
	// MaxOpenConns bounds concurrent queries (default 16).
	MaxOpenConns int
	DialTimeout  time.Duration
	Logger       *slog.Logger
}

// Open opens a connection pool for the query path. It does not connect:
// the first query (or Querier.Ping) does, so a server can start while
// ClickHouse is down and answer 503 until it is back. Queries name their
// database, whatever the connection's default.
func Open(o DialOptions) (driver.Conn, error) {
	if o.DialTimeout <= 0 {
		o.DialTimeout = 5 * time.Second
	}
	if o.MaxOpenConns <= 0 {
		o.MaxOpenConns = 16
	}
	if o.Database == "" {
		o.Database = "default"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:         o.Addr,
		Auth:         clickhouse.Auth{Database: o.Database, Username: o.Username, Password: o.Password},
		DialTimeout:  o.DialTimeout,
		MaxOpenConns: o.MaxOpenConns,
		MaxIdleConns: o.MaxOpenConns,
		Compression:  &clickhouse.Compression{Method: clickhouse.CompressionLZ4},
		Logger:       o.Logger.With("component", "clickhouse"),
		ClientInfo: clickhouse.ClientInfo{
			Products: []struct{ Name, Version string }{{Name: "undertone-query", Version: "1"}},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("query: open clickhouse: %w", err)
	}
	return conn, nil
}
