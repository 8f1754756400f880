package report

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// chConn is the part of a clickhouse-go connection the ledger uses.
type chConn interface {
	Exec(ctx context.Context, query string, args ...any) error
	Query(ctx context.Context, query string, args ...any) (driver.Rows, error)
	PrepareBatch(ctx context.Context, query string, opts ...driver.PrepareBatchOption) (driver.Batch, error)
}

var identRe = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]{0,63}$`)

// ClickHouseLedger is the run ledger in the ClickHouse table
// <database>.report_ledger, an append-only MergeTree log (no row is ever
// updated, so no merge semantics are involved in the decision). It relies
// on a single server (or insert_quorum with select_sequential_consistency
// on a replicated cluster) making an acknowledged INSERT visible to every
// later SELECT.
type ClickHouseLedger struct {
	conn  chConn
	table string

	mu    sync.Mutex
	ready bool // the table is known to exist
}

// NewClickHouseLedger returns a ledger over conn in database. Call Ensure
// once to create the table.
func NewClickHouseLedger(conn chConn, database string) (*ClickHouseLedger, error) {
	if !identRe.MatchString(database) {
		return nil, fmt.Errorf("report: ledger: invalid database name %q", database)
	}
	return &ClickHouseLedger{conn: conn, table: database + ".report_ledger"}, nil
}

// Ensure creates the ledger table if it does not exist. The SQL is valid on
// ClickHouse 18.16 and current releases. The other methods call it on first
// use, so a scheduler can start while ClickHouse is down.
func (l *ClickHouseLedger) Ensure(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ready {
		return nil
	}
	err := l.conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+l.table+` (
		job String,
		period String,
		claim_id String,
		replica String,
		state String,
		at_ns Int64,
		detail String
	) ENGINE = MergeTree() ORDER BY (job, period, at_ns, claim_id)`)
	if err != nil {
		return fmt.Errorf("report: ledger: create table: %w", err)
	}
	l.ready = true
	return nil
}

// Append implements Ledger.
func (l *ClickHouseLedger) Append(ctx context.Context, e Entry) error {
	if err := l.Ensure(ctx); err != nil {
		return err
	}
	// A native batch: ClickHouse 18.16 needs the columns named and does not
	// take VALUES through clickhouse-go's Exec.
	b, err := l.conn.PrepareBatch(ctx, `INSERT INTO `+l.table+` (job, period, claim_id, replica, state, at_ns, detail)`)
	if err != nil {
		return fmt.Errorf("report: ledger: append: %w", err)
	}
	if err := b.Append(e.Job, e.Period, e.ClaimID, e.Replica, e.State, e.At.UnixNano(), e.Detail); err != nil {
		_ = b.Abort()
		return fmt.Errorf("report: ledger: append: %w", err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("report: ledger: append: %w", err)
	}
	return nil
}

// Entries implements Ledger.
func (l *ClickHouseLedger) Entries(ctx context.Context, job, period string) ([]Entry, error) {
	return l.query(ctx, `SELECT job, period, claim_id, replica, state, at_ns, detail FROM `+l.table+
		` WHERE job = ? AND period = ? ORDER BY at_ns, claim_id`, job, period)
}

// LastDone implements Ledger.
func (l *ClickHouseLedger) LastDone(ctx context.Context, job string) (Entry, bool, error) {
	es, err := l.query(ctx, `SELECT job, period, claim_id, replica, state, at_ns, detail FROM `+l.table+
		` WHERE job = ? AND state = ? ORDER BY at_ns DESC LIMIT 1`, job, StateDone)
	if err != nil || len(es) == 0 {
		return Entry{}, false, err
	}
	return es[0], true, nil
}

func (l *ClickHouseLedger) query(ctx context.Context, q string, args ...any) ([]Entry, error) {
	if err := l.Ensure(ctx); err != nil {
		return nil, err
	}
	rows, err := l.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("report: ledger: query: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var ns int64
		if err := rows.Scan(&e.Job, &e.Period, &e.ClaimID, &e.Replica, &e.State, &ns, &e.Detail); err != nil {
			return nil, fmt.Errorf("report: ledger: scan: %w", err)
		}
		e.At = time.Unix(0, ns)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("report: ledger: rows: %w", err)
	}
	return out, nil
}
