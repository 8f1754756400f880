package store_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/store"
)

func TestExpired(t *testing.T) {
	now := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	ids := []string{"202601", "202602", "202603", "202604", "202605", "202606", "bad"}
	tests := []struct {
		days int
		want []string
	}{
		{days: 90, want: []string{"202601", "202602"}}, // cutoff 2026-03-17: March still has kept days
		{days: 75, want: []string{"202601", "202602", "202603"}},
		{days: 1, want: []string{"202601", "202602", "202603", "202604", "202605"}},
		{days: 400, want: nil},
	}
	for _, tc := range tests {
		if got := store.Expired(ids, tc.days, now); !slices.Equal(got, tc.want) {
			t.Errorf("Expired(%d days) = %v, want %v", tc.days, got, tc.want)
		}
	}
}

func TestMigrationsRender(t *testing.T) {
	tests := []struct {
		name   string
		schema store.Schema
		want   []string
		absent []string
	}{
		{"single", store.Schema{Database: "u"}, []string{"CREATE TABLE IF NOT EXISTS u.posts (", "ReplacingMergeTree()"}, []string{"_local", "ON CLUSTER", "Distributed"}},
		{"sharded", store.Schema{Database: "u", Cluster: "c"}, []string{"u.posts_local (", "ENGINE = Distributed('c', 'u', 'posts_local', cityHash64(post_id))", "FROM u.posts_local"}, []string{"ON CLUSTER", "Replicated"}},
		{"replicated", store.Schema{Database: "u", Cluster: "c", Replicated: true}, []string{"u.posts_local ON CLUSTER c (", "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/u/posts', '{replica}')"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			migs, err := store.Migrations(tc.schema)
			if err != nil {
				t.Fatal(err)
			}
			var all strings.Builder
			for _, m := range migs {
				for _, s := range m.Statements {
					if strings.HasSuffix(s, ";") || strings.TrimSpace(s) == "" {
						t.Errorf("statement %q: trailing ; or empty", s)
					}
					all.WriteString(s + "\n")
				}
			}
			for _, w := range tc.want {
				if !strings.Contains(all.String(), w) {
					t.Errorf("rendered SQL lacks %q", w)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(all.String(), a) {
					t.Errorf("rendered SQL has %q", a)
				}
			}
		})
	}
	if _, err := store.Migrations(store.Schema{Database: "bad-name"}); err == nil {
		t.Error("invalid database name accepted")
	}
}

func TestInsertQueryNamesEveryColumn(t *testing.T) {
	q := store.InsertQuery(store.Schema{Database: "u"})
	for _, c := range []string{"post_id", "emotion_admiration", "emotion_neutral", "ekman_neutral", "m_topic", "e_sentiment", "src_offset"} {
		if !strings.Contains(q, c) {
			t.Errorf("insert lacks %s", c)
		}
	}
}

// TestOptionalViewsCreatedByMigrations: each optional view has the CREATE
// statement Migrator.Up runs to create it again when it is turned back on,
// in every schema mode.
func TestOptionalViewsCreatedByMigrations(t *testing.T) {
	for _, s := range []store.Schema{{Database: "u"}, {Database: "u", Cluster: "c"}, {Database: "u", Cluster: "c", Replicated: true}} {
		migs, err := store.Migrations(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range store.OptionalViews {
			prefix := "CREATE MATERIALIZED VIEW IF NOT EXISTS " + s.LocalTable(v) + s.OnCluster() + " "
			n := 0
			for _, m := range migs {
				for _, st := range m.Statements {
					if strings.HasPrefix(st, prefix) {
						n++
					}
				}
			}
			if n != 1 {
				t.Errorf("%+v: %d statements start with %q, want 1", s, n, prefix)
			}
		}
	}
}
