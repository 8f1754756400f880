package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// ClickHouse error codes the store branches on.
const (
	codeUnknownTable          = 60
	codeTableAlreadyExists    = 57
	codeDatabaseAlreadyExists = 82
)

// Migrator applies the embedded migrations to one ClickHouse server (or,
// with ON CLUSTER DDL, to a replicated cluster through one of its nodes).
//
// ClickHouse has no transactions or locks, so safety under concurrency comes
// from the statements: every one is CREATE ... IF NOT EXISTS, so two
// processes applying the same migration at once both succeed and the result
// is the same. A statement that loses a creation race (the server reports the
// table exists or is being created) counts as applied; one that finds a table
// it depends on still missing is retried for a while. The schema_migrations
// table records what was applied; it is a ReplacingMergeTree on version, so
// a version recorded twice by two processes shows once.
type Migrator struct {
	conn   driver.Conn
	schema Schema
	log    *slog.Logger
	off    map[string]bool // optional views to drop (WithViewsOff)
}

// OptionalViews are the materialized views a deployment may turn off to
// save insert CPU, with what each costs and feeds:
//   - q_driver_dims_mv (migration 0013; store.drivers_by_dimension): the
//     drivers' items per source, lang and sentiment label, so that drivers
//     with one kind of filter are exact and fast. It is the most expensive
//     view (docs/storage.md); without it those requests sample
//     q_theme_posts for periods the table does not cover.
//   - q_driver_combo_mv (migration 0015; the same setting): the same per
//     combination of source, lang and sentiment label, for drivers with
//     two kinds of filters (see docs/storage.md).
var OptionalViews = []string{"q_driver_dims_mv", "q_driver_combo_mv"}

// WithViewsOff makes Up drop the named optional views (OptionalViews)
// after the migrations, and create the others again if an earlier run
// dropped them. A view created again misses the posts written while it was
// off: the queries that read its table notice and fall back (see
// docs/api.md). It returns m.
func (m *Migrator) WithViewsOff(names ...string) *Migrator {
	m.off = map[string]bool{}
	for _, n := range names {
		m.off[n] = true
	}
	return m
}

// NewMigrator returns a Migrator that runs statements on conn. It does no
// I/O.
func NewMigrator(conn driver.Conn, s Schema, logger *slog.Logger) *Migrator {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Migrator{conn: conn, schema: s, log: logger.With("component", "migrate")}
}

// MigrationStatus is one migration and whether the server has it.
type MigrationStatus struct {
	Version   int
	Name      string
	Applied   bool
	AppliedAt time.Time
	// Modified is true when the applied file's checksum differs from the
	// embedded one (someone edited an applied migration).
	Modified bool
}

func (m *Migrator) bootstrap(ctx context.Context) error {
	oc := m.schema.OnCluster()
	stmts := []string{
		fmt.Sprintf("CREATE DATABASE IF NOT EXISTS %s%s", m.schema.Database, oc),
		fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.schema_migrations%s (
    version     UInt32,
    name        String,
    checksum    String,
    applied_at  DateTime('UTC') DEFAULT now()
) ENGINE = ReplacingMergeTree() ORDER BY version`, m.schema.Database, oc),
	}
	for _, st := range stmts {
		if err := m.exec(ctx, st); err != nil {
			return err
		}
	}
	return nil
}

// Up applies every migration not yet recorded, in version order, and
// returns the versions it applied. It blocks until done or ctx ends. It is
// safe to run from several processes at once.
func (m *Migrator) Up(ctx context.Context) ([]int, error) {
	migs, err := Migrations(m.schema)
	if err != nil {
		return nil, err
	}
	if err := m.bootstrap(ctx); err != nil {
		return nil, err
	}
	done, err := m.applied(ctx)
	if err != nil {
		return nil, err
	}
	var out []int
	for _, mig := range migs {
		if _, ok := done[mig.Version]; ok {
			continue
		}
		start := time.Now()
		for _, st := range mig.Statements {
			if err := m.exec(ctx, st); err != nil {
				return out, fmt.Errorf("store: migration %04d_%s: %w", mig.Version, mig.Name, err)
			}
		}
		if err := m.record(ctx, mig); err != nil {
			return out, fmt.Errorf("store: record migration %d: %w", mig.Version, err)
		}
		m.log.Info("migration applied", "version", mig.Version, "name", mig.Name,
			"statements", len(mig.Statements), "duration", time.Since(start))
		out = append(out, mig.Version)
	}
	return out, m.optionalViews(ctx, migs)
}

// optionalViews drops the optional views that are off and creates the
// others that are missing, with their statements from migs.
func (m *Migrator) optionalViews(ctx context.Context, migs []Migration) error {
	for _, name := range OptionalViews {
		table := m.schema.LocalTable(name)
		var n uint64
		if err := m.conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = @db AND name = @name",
			clickhouse.Named("db", m.schema.Database), clickhouse.Named("name", strings.TrimPrefix(table, m.schema.Database+"."))).Scan(&n); err != nil {
			return fmt.Errorf("store: optional view %s: %w", name, err)
		}
		switch {
		case m.off[name] && n > 0:
			if err := m.exec(ctx, "DROP TABLE IF EXISTS "+table+m.schema.OnCluster()); err != nil {
				return fmt.Errorf("store: drop optional view %s: %w", name, err)
			}
			m.log.Info("optional view dropped", "view", name)
		case !m.off[name] && n == 0:
			create := "CREATE MATERIALIZED VIEW IF NOT EXISTS " + table + m.schema.OnCluster() + " "
			var st string
			for _, mig := range migs {
				for _, s := range mig.Statements {
					if strings.HasPrefix(s, create) {
						st = s
					}
				}
			}
			if st == "" {
				return fmt.Errorf("store: optional view %s: no migration creates it", name)
			}
			if err := m.exec(ctx, st); err != nil {
				return fmt.Errorf("store: create optional view %s: %w", name, err)
			}
			m.log.Info("optional view created; its table misses the posts written while it was off", "view", name)
		}
	}
	return nil
}

// record inserts mig into schema_migrations. It uses a native batch:
// ClickHouse 18.16 does not answer an INSERT ... VALUES sent as a plain
// query over the native protocol.
func (m *Migrator) record(ctx context.Context, mig Migration) error {
	b, err := m.conn.PrepareBatch(ctx, fmt.Sprintf(
		"INSERT INTO %s.schema_migrations (version, name, checksum)", m.schema.Database))
	if err != nil {
		return err
	}
	if err := b.Append(uint32(mig.Version), mig.Name, mig.Checksum); err != nil {
		_ = b.Abort()
		return err
	}
	return b.Send()
}

type appliedRow struct {
	at       time.Time
	checksum string
}

func (m *Migrator) applied(ctx context.Context) (map[int]appliedRow, error) {
	rows, err := m.conn.Query(ctx, fmt.Sprintf(
		"SELECT version, any(checksum), min(applied_at) FROM %s.schema_migrations GROUP BY version ORDER BY version",
		m.schema.Database))
	if err != nil {
		return nil, fmt.Errorf("store: read schema_migrations: %w", err)
	}
	defer rows.Close()
	out := map[int]appliedRow{}
	for rows.Next() {
		var (
			v   uint32
			sum string
			at  time.Time
		)
		if err := rows.Scan(&v, &sum, &at); err != nil {
			return nil, fmt.Errorf("store: read schema_migrations: %w", err)
		}
		out[int(v)] = appliedRow{at: at, checksum: sum}
	}
	return out, rows.Err()
}

// Status lists every embedded migration and whether it is applied. It
// creates the database and schema_migrations table if they are missing.
func (m *Migrator) Status(ctx context.Context) ([]MigrationStatus, error) {
	migs, err := Migrations(m.schema)
	if err != nil {
		return nil, err
	}
	if err := m.bootstrap(ctx); err != nil {
		return nil, err
	}
	done, err := m.applied(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]MigrationStatus, 0, len(migs))
	for _, mig := range migs {
		st := MigrationStatus{Version: mig.Version, Name: mig.Name}
		if a, ok := done[mig.Version]; ok {
			st.Applied, st.AppliedAt, st.Modified = true, a.at, a.checksum != mig.Checksum
		}
		out = append(out, st)
	}
	return out, nil
}

// exec runs one idempotent DDL statement, absorbing the races concurrent
// migrators can hit.
func (m *Migrator) exec(ctx context.Context, st string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := m.conn.Exec(ctx, st)
		var ex *clickhouse.Exception
		switch {
		case err == nil:
			return nil
		case errors.As(err, &ex) && (ex.Code == codeTableAlreadyExists || ex.Code == codeDatabaseAlreadyExists):
			// Another migrator created it between our IF NOT EXISTS check
			// and our create: the statement's effect is there.
			return nil
		case errors.As(err, &ex) && ex.Code == codeUnknownTable && time.Now().Before(deadline):
			// A table this statement depends on is being created by a
			// concurrent migrator; wait for it.
		default:
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// MigrateHosts applies the migrations on every host of cfg.Addr, one
// connection each: what plain (non-replicated) cluster mode needs, where
// DDL is not distributed with ON CLUSTER. In the other modes it migrates
// through the first reachable address.
func MigrateHosts(ctx context.Context, cfg Config, logger *slog.Logger) error {
	hosts := [][]string{cfg.Addr}
	if cfg.Cluster != "" && !cfg.Replicated {
		hosts = hosts[:0]
		for _, a := range cfg.Addr {
			hosts = append(hosts, []string{a})
		}
	}
	for _, h := range hosts {
		c := cfg
		c.Addr = h
		conn, err := Dial(ctx, c, logger)
		if err != nil {
			return err
		}
		_, err = NewMigrator(conn, cfg.Schema(), logger).WithViewsOff(cfg.ViewsOff...).Up(ctx)
		_ = conn.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
