// Package testenv gives integration tests the real Kafka and ClickHouse they
// run against, and a fresh topic or database per test.
//
// Addresses come from the environment: UNDERTONE_TEST_KAFKA (comma-separated
// host:port list) and UNDERTONE_TEST_CLICKHOUSE (native protocol host:port).
// `make test` starts both services with deploy/local and exports the
// variables. A missing or unreachable address fails the test rather than
// skipping it: integration tests that silently skip prove nothing.
//
// Every helper takes a testing.TB, calls t.Helper and registers its cleanup
// with t.Cleanup, so tests need no teardown code of their own.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/segmentio/kafka-go"
)

// Environment variables read by Kafka and ClickHouse.
const (
	EnvKafka      = "UNDERTONE_TEST_KAFKA"
	EnvClickHouse = "UNDERTONE_TEST_CLICKHOUSE"
)

// setupTimeout bounds every helper's own I/O (dial, create, drop).
const setupTimeout = 30 * time.Second

// Kafka returns the brokers named by UNDERTONE_TEST_KAFKA. It fails the test
// when the variable is unset or the first broker does not accept a TCP
// connection within a few seconds.
func Kafka(t testing.TB) []string {
	t.Helper()
	v := strings.TrimSpace(os.Getenv(EnvKafka))
	if v == "" {
		t.Fatalf("testenv: %s is not set: start Kafka with `make services-up` (or deploy/local/kafka.sh start) and export %s=127.0.0.1:9092", EnvKafka, EnvKafka)
	}
	var brokers []string
	for _, b := range strings.Split(v, ",") {
		if b = strings.TrimSpace(b); b != "" {
			brokers = append(brokers, b)
		}
	}
	if len(brokers) == 0 {
		t.Fatalf("testenv: %s=%q names no broker", EnvKafka, v)
	}
	reachable(t, EnvKafka, brokers[0])
	return brokers
}

// ClickHouse returns the native-protocol address named by
// UNDERTONE_TEST_CLICKHOUSE. It fails the test when the variable is unset or
// the address does not accept a TCP connection within a few seconds.
func ClickHouse(t testing.TB) string {
	t.Helper()
	v := strings.TrimSpace(os.Getenv(EnvClickHouse))
	if v == "" {
		t.Fatalf("testenv: %s is not set: start ClickHouse with `make services-up` (or deploy/local/clickhouse.sh start) and export %s=127.0.0.1:9000", EnvClickHouse, EnvClickHouse)
	}
	reachable(t, EnvClickHouse, v)
	return v
}

func reachable(t testing.TB, env, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("testenv: %s=%s is not reachable: %v (is the service running? `make services-up`)", env, addr, err)
	}
	_ = c.Close()
}

// UniqueName returns prefix plus a sanitized form of the test's name and a
// random suffix, using only [a-z0-9_] so it is a valid Kafka topic and
// ClickHouse identifier. It is at most 100 bytes long.
func UniqueName(t testing.TB, prefix string) string {
	t.Helper()
	var b strings.Builder
	for _, r := range strings.ToLower(t.Name()) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	name := strings.Trim(b.String(), "_")
	if len(name) > 60 {
		name = name[:60]
	}
	var rnd [4]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		t.Fatalf("testenv: random: %v", err)
	}
	return fmt.Sprintf("%s%s_%s_%s", prefix, name, strconv.FormatInt(time.Now().Unix(), 36), hex.EncodeToString(rnd[:]))
}

// Topic creates a fresh topic with the given number of partitions
// (replication factor 1) on brokers and waits until every partition has a
// leader that serves it. The topic is deleted at cleanup (best effort). It blocks for at most
// about 30 s.
func Topic(t testing.TB, brokers []string, partitions int) string {
	t.Helper()
	if partitions < 1 {
		partitions = 1
	}
	topic := UniqueName(t, "test_")
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()

	ctrl, err := dialController(ctx, brokers)
	if err != nil {
		t.Fatalf("testenv: topic %s: %v", topic, err)
	}
	defer ctrl.Close()
	err = ctrl.CreateTopics(kafka.TopicConfig{Topic: topic, NumPartitions: partitions, ReplicationFactor: 1})
	if err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
		t.Fatalf("testenv: create topic %s: %v", topic, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if c, err := dialController(ctx, brokers); err == nil {
			_ = c.DeleteTopics(topic)
			_ = c.Close()
		}
	})
	if err := waitLeaders(ctx, brokers[0], topic, partitions); err != nil {
		t.Fatalf("testenv: topic %s: %v", topic, err)
	}
	return topic
}

func dialController(ctx context.Context, brokers []string) (*kafka.Conn, error) {
	var d kafka.Dialer
	conn, err := d.DialContext(ctx, "tcp", brokers[0])
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", brokers[0], err)
	}
	defer conn.Close()
	ctrl, err := conn.Controller()
	if err != nil {
		return nil, fmt.Errorf("find controller: %w", err)
	}
	cc, err := d.DialContext(ctx, "tcp", net.JoinHostPort(ctrl.Host, strconv.Itoa(ctrl.Port)))
	if err != nil {
		return nil, fmt.Errorf("dial controller: %w", err)
	}
	return cc, nil
}

func waitLeaders(ctx context.Context, broker, topic string, partitions int) error {
	var d kafka.Dialer
	var last error
	for {
		conn, err := d.DialContext(ctx, "tcp", broker)
		if err == nil {
			var parts []kafka.Partition
			parts, err = conn.ReadPartitions(topic)
			_ = conn.Close()
			if err == nil && len(parts) == partitions && allLed(parts) {
				if err = serving(ctx, &d, parts); err == nil {
					return nil
				}
			} else if err == nil {
				err = fmt.Errorf("%d of %d partitions visible or some without a leader", len(parts), partitions)
			}
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("no leaders before deadline: %w", last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// serving checks that every partition's leader answers for it: metadata can
// name a leader before the replica is ready to serve.
func serving(ctx context.Context, d *kafka.Dialer, parts []kafka.Partition) error {
	for _, p := range parts {
		addr := net.JoinHostPort(p.Leader.Host, strconv.Itoa(p.Leader.Port))
		lc, err := d.DialLeader(ctx, "tcp", addr, p.Topic, p.ID)
		if err != nil {
			return fmt.Errorf("partition %d: %w", p.ID, err)
		}
		_, err = lc.ReadLastOffset()
		_ = lc.Close()
		if err != nil {
			return fmt.Errorf("partition %d: %w", p.ID, err)
		}
	}
	return nil
}

func allLed(parts []kafka.Partition) bool {
	for _, p := range parts {
		if p.Leader.Host == "" {
			return false
		}
	}
	return true
}

// Database creates a fresh ClickHouse database on addr and returns its name.
// The database is dropped at cleanup, with its tables.
func Database(t testing.TB, addr string) string {
	t.Helper()
	db := UniqueName(t, "test_")
	conn := open(t, addr, "default")
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	if err := conn.Exec(ctx, "CREATE DATABASE "+db); err != nil {
		t.Fatalf("testenv: create database %s on %s: %v", db, addr, err)
	}
	t.Cleanup(func() {
		conn := open(t, addr, "default")
		defer conn.Close()
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		if err := DropDatabase(ctx, conn, db); err != nil {
			t.Errorf("testenv: drop database %s: %v", db, err)
		}
	})
	return db
}

// DropDatabase drops db the way ClickHouse 18.16 tolerates: it first waits
// (within ctx) for statements still running on the database to finish —
// an INSERT sent by a process a test just killed keeps running on the
// server — then drops the materialized views, then the database. Dropping
// a view's target while an INSERT into its source runs can deadlock on
// 18.16's table locks (ClickHouse issue 4316); a DROP DATABASE hung that
// way for more than 5 minutes in a CI run.
func DropDatabase(ctx context.Context, conn driver.Conn, db string) error {
	for {
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM system.processes WHERE position(query, @db) > 0 AND position(query, 'system.processes') = 0",
			clickhouse.Named("db", db)).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d statements still running on %s: %w", n, db, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
	views, err := MaterializedViews(ctx, conn, db)
	if err != nil {
		return err
	}
	for _, v := range views {
		if err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+db+".`"+v+"`"); err != nil {
			return err
		}
	}
	return conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db)
}

// MaterializedViews returns the names of db's materialized views, sorted.
func MaterializedViews(ctx context.Context, conn driver.Conn, db string) ([]string, error) {
	rows, err := conn.Query(ctx, "SELECT name FROM system.tables WHERE database = @db AND engine = 'MaterializedView' ORDER BY name", clickhouse.Named("db", db))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var views []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		views = append(views, v)
	}
	return views, rows.Err()
}

// Conn opens a clickhouse-go v2 native connection to database on addr (user
// default, no password: the local dev server's setup) and closes it at
// cleanup.
func Conn(t testing.TB, addr, database string) driver.Conn {
	t.Helper()
	conn := open(t, addr, database)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func open(t testing.TB, addr, database string) driver.Conn {
	t.Helper()
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:        []string{addr},
		Auth:        clickhouse.Auth{Database: database, Username: "default"},
		Protocol:    clickhouse.Native,
		DialTimeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatalf("testenv: open clickhouse %s: %v", addr, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	if err := conn.Ping(ctx); err != nil {
		_ = conn.Close()
		t.Fatalf("testenv: ping clickhouse %s: %v", addr, err)
	}
	return conn
}
