//go:build integration

package query

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/undertone/undertone/internal/testenv"
	"github.com/undertone/undertone/store"
)

const codeReadonly = 164 // READONLY

func isReadonlyErr(err error) bool {
	var ex *clickhouse.Exception
	return errors.As(err, &ex) && ex.Code == codeReadonly
}

func migrated(t *testing.T, addr string) string {
	t.Helper()
	db := testenv.Database(t, addr)
	conn := testenv.Conn(t, addr, "default")
	migs, err := store.Migrations(store.Schema{Database: db})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range migs {
		for _, st := range m.Statements {
			if err := conn.Exec(t.Context(), st); err != nil {
				t.Fatalf("migration %d: %v", m.Version, err)
			}
		}
	}
	return db
}

// TestReadOnlySettingBlocksWrites: connected as a writing user, every query
// of the query path carries readonly=2, so even a hostile statement could
// not write.
func TestReadOnlySettingBlocksWrites(t *testing.T) {
	addr := testenv.ClickHouse(t)
	db := migrated(t, addr)
	conn := testenv.Conn(t, addr, "default")
	q, err := New(conn, Options{Database: db, ReadOnlySetting: true, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := q.ctx(t.Context())
	defer cancel()
	for _, st := range []string{
		"INSERT INTO " + db + ".posts (post_id) VALUES ('x')",
		"DROP TABLE " + db + ".posts",
		"CREATE TABLE " + db + ".evil (x UInt8) ENGINE = Memory",
	} {
		if err := conn.Exec(ctx, st); !isReadonlyErr(err) {
			t.Errorf("%s: %v, want READONLY (164)", st, err)
		}
	}
	if err := q.Ping(t.Context()); err != nil {
		t.Fatalf("reads still work: %v", err)
	}
}

// usersDir finds the users.d directory of the local test server: from
// UNDERTONE_TEST_CLICKHOUSE_USERS_D, else deploy/local's layout.
func usersDir(t *testing.T, addr string) string {
	if d := os.Getenv("UNDERTONE_TEST_CLICKHOUSE_USERS_D"); d != "" {
		return d
	}
	_, port, _ := strings.Cut(addr, ":")
	wd, _ := os.Getwd()
	base := filepath.Join(filepath.Dir(wd), ".local", "clickhouse-"+port)
	if _, err := os.Stat(filepath.Join(base, "users.xml")); err != nil {
		return ""
	}
	return filepath.Join(base, "users.d")
}

// TestReadOnlyUser creates a read-only ClickHouse user for the query path
// and runs queries as that user. Current ClickHouse: CREATE USER + GRANT
// SELECT. ClickHouse 18.16 has no SQL user management: the test drops a
// users.d file next to the server's users.xml (which the server reloads
// within seconds) with a profile readonly=2 (reads and per-query settings
// such as max_execution_time, no writes or DDL) and access to the test
// database only. docs/api.md shows the same file for production.
func TestReadOnlyUser(t *testing.T) {
	addr := testenv.ClickHouse(t)
	db := migrated(t, addr)
	admin := testenv.Conn(t, addr, "default")
	user := "ro_" + strings.TrimPrefix(db, "test_")
	pass := "ro-secret-" + user
	err := admin.Exec(t.Context(), fmt.Sprintf("CREATE USER %s IDENTIFIED WITH sha256_password BY '%s' SETTINGS readonly = 2", user, pass))
	switch {
	case err == nil:
		t.Cleanup(func() { _ = admin.Exec(context.Background(), "DROP USER IF EXISTS "+user) })
		if err := admin.Exec(t.Context(), fmt.Sprintf("GRANT SELECT ON %s.* TO %s", db, user)); err != nil {
			t.Fatal(err)
		}
	default:
		dir := usersDir(t, addr)
		if dir == "" {
			t.Skipf("server has no CREATE USER (%v) and its users.d directory is unknown: set UNDERTONE_TEST_CLICKHOUSE_USERS_D", err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(pass))
		file := filepath.Join(dir, user+".xml")
		xml := fmt.Sprintf(`<?xml version="1.0"?>
<yandex>
    <profiles><%[1]s_profile><readonly>2</readonly></%[1]s_profile></profiles>
    <users>
        <%[1]s>
            <password_sha256_hex>%[2]s</password_sha256_hex>
            <networks><ip>::1</ip><ip>127.0.0.0/8</ip></networks>
            <profile>%[1]s_profile</profile>
            <quota>default</quota>
            <allow_databases><database>%[3]s</database></allow_databases>
        </%[1]s>
    </users>
</yandex>
`, user, hex.EncodeToString(sum[:]), db)
		if err := os.WriteFile(file, []byte(xml), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Remove(file) })
	}
	conn, err := Open(DialOptions{Addr: []string{addr}, Database: db, Username: user, Password: pass})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Wait for the server to load the user (users.d is polled).
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := conn.Ping(t.Context())
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("read-only user never became usable: %v", err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	q, err := New(conn, Options{Database: db, MinAuthors: 5, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Ping(t.Context()); err != nil {
		t.Fatalf("ping as read-only user: %v", err)
	}
	now := time.Now().UTC()
	f := Filter{Topics: []string{"acme"}, From: now.AddDate(0, 0, -30).Truncate(24 * time.Hour), To: now.AddDate(0, 0, 1).Truncate(24 * time.Hour), Themes: []string{"fears"}}
	if _, err := q.Themes(t.Context(), ThemesRequest{Filter: f}); err != nil {
		t.Fatalf("themes as read-only user: %v", err)
	}
	if _, err := q.Quotes(t.Context(), QuotesRequest{Filter: f, Order: "recent", Limit: 3}); err != nil {
		t.Fatalf("quotes as read-only user: %v", err)
	}
	if err := conn.Exec(t.Context(), "INSERT INTO "+db+".posts (post_id) VALUES ('x')"); !isReadonlyErr(err) {
		t.Errorf("insert as read-only user: %v, want READONLY", err)
	}
	if err := conn.Exec(t.Context(), "DROP TABLE "+db+".posts"); err == nil {
		t.Error("drop table as read-only user succeeded")
	}
}
