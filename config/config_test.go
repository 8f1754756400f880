package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/undertone/undertone/config"
)

const testKey = "0123456789abcdef-test-only"

// env returns a LookupEnv over a fixed map, so tests never read (or race on)
// the process environment.
func env(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// withKey is the environment every valid load needs: the required secret.
func withKey(kv ...string) func(string) (string, bool) {
	return env(append([]string{"UNDERTONE_PRIVACY_PSEUDONYM_KEY", testKey}, kv...)...)
}

func defaults() config.Config {
	c := config.Default()
	c.Privacy.PseudonymKey = testKey
	return c
}

// fromFile is what testdata/config.yaml should produce over the defaults.
func fromFile() config.Config {
	c := defaults()
	c.Log = config.Log{Level: "debug", Format: "json"}
	c.Admin.Addr = "0.0.0.0:9500"
	c.Kafka.Brokers = []string{"kafka-1:9092", "kafka-2:9092"}
	c.Kafka.Topics.Raw = "acme.posts.raw"
	c.Kafka.Groups.Sink = "acme-sink"
	c.Kafka.Partitions = 12
	c.Kafka.ReplicationFactor = 3
	c.Kafka.DialTimeout = 3 * time.Second
	c.ClickHouse.Addr = []string{"ch-1:9000"}
	c.ClickHouse.Database = "acme"
	c.ClickHouse.Username = "writer"
	c.Privacy.PseudonymKeyID = "k2"
	c.Privacy.MinAuthors = 10
	c.Ingest.Languages = []string{"en", "de"}
	c.Ingest.OtherLang = "dlq"
	c.Sink.BatchSize = 5000
	c.Sink.BatchTimeout = 2 * time.Second
	c.Serve.Tokens = []config.Token{{
		Name:   "analysts",
		SHA256: "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
		Scopes: []string{"read"},
	}}
	c.Reports.Enabled = true
	c.Reports.Formats = []string{"html", "pdf"}
	return c
}

func TestLoad(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts config.Options
		want func() config.Config
	}{
		{
			name: "defaults",
			opts: config.Options{LookupEnv: withKey()},
			want: defaults,
		},
		{
			name: "yaml",
			opts: config.Options{Path: "testdata/config.yaml", LookupEnv: withKey()},
			want: fromFile,
		},
		{
			name: "env overrides yaml",
			opts: config.Options{Path: "testdata/config.yaml", LookupEnv: withKey(
				"UNDERTONE_KAFKA_BROKERS", "env-1:9092,env-2:9092",
				"UNDERTONE_SINK_BATCH_TIMEOUT", "750ms",
				"UNDERTONE_KAFKA_TOPICS_CLEAN", "env.clean",
				"UNDERTONE_REPORTS_ENABLED", "false",
			)},
			want: func() config.Config {
				c := fromFile()
				c.Kafka.Brokers = []string{"env-1:9092", "env-2:9092"}
				c.Sink.BatchTimeout = 750 * time.Millisecond
				c.Kafka.Topics.Clean = "env.clean"
				c.Reports.Enabled = false
				return c
			},
		},
		{
			name: "flags override env and yaml",
			opts: config.Options{
				Path:      "testdata/config.yaml",
				LookupEnv: withKey("UNDERTONE_KAFKA_BROKERS", "env-1:9092", "UNDERTONE_LOG_LEVEL", "warn"),
				Overrides: map[string]any{
					"kafka.brokers":   []string{"flag-1:9092"},
					"log.level":       "error",
					"clickhouse.addr": []string{"flag-ch:9000"},
				},
			},
			want: func() config.Config {
				c := fromFile()
				c.Kafka.Brokers = []string{"flag-1:9092"}
				c.Log.Level = "error"
				c.ClickHouse.Addr = []string{"flag-ch:9000"}
				return c
			},
		},
		{
			name: "secret from file",
			opts: config.Options{LookupEnv: env(
				"UNDERTONE_PRIVACY_PSEUDONYM_KEY_FILE", "testdata/pseudonym.key",
			)},
			want: func() config.Config {
				c := defaults()
				c.Privacy.PseudonymKey = "file-key-0123456789"
				c.Privacy.PseudonymKeyFile = "testdata/pseudonym.key"
				return c
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := config.Load(tc.opts)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if want := tc.want(); !reflect.DeepEqual(got, want) {
				t.Fatalf("Load mismatch\n got: %+v\nwant: %+v", got, want)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		opts    config.Options
		want    string
		invalid bool // errors.Is(err, config.ErrInvalid)
	}{
		{
			name: "unknown section child suggests the section",
			opts: config.Options{Path: "testdata/unknown.yaml", LookupEnv: withKey()},
			want: `config testdata/unknown.yaml: unknown key "kafka.topik.raw" (did you mean "kafka.topics.raw"?)`,
		},
		{
			name: "unknown leaf",
			opts: config.Options{Path: "testdata/unknown_leaf.yaml", LookupEnv: withKey()},
			want: `config testdata/unknown_leaf.yaml: unknown key "kafka.topics.rwa" (did you mean "kafka.topics.raw"?)`,
		},
		{
			name: "unknown section without near miss lists sections",
			opts: config.Options{Path: "testdata/unknown_far.yaml", LookupEnv: withKey()},
			want: `config testdata/unknown_far.yaml: unknown key "zookeeper.hosts" (known sections: admin, clickhouse, enrich,`,
		},
		{
			name: "unknown flag key",
			opts: config.Options{LookupEnv: withKey(), Overrides: map[string]any{"kafka.topik": "x"}},
			want: `config: flag sets unknown key "kafka.topik" (did you mean "kafka.topics.*"?)`,
		},
		{
			name:    "invalid value names key, value and allowed",
			opts:    config.Options{Path: "testdata/invalid.yaml", LookupEnv: withKey()},
			want:    `invalid config: log.level = "loud": allowed: debug, info, warn, error`,
			invalid: true,
		},
		{
			name:    "invalid env value",
			opts:    config.Options{LookupEnv: withKey("UNDERTONE_KAFKA_BROKERS", "no-port")},
			want:    `invalid config: kafka.brokers = "no-port": want host:port`,
			invalid: true,
		},
		{
			name:    "bad duration names key",
			opts:    config.Options{Path: "testdata/badduration.yaml", LookupEnv: withKey()},
			want:    `invalid config: sink.batch_timeout = "soon": want a duration such as 500ms, 10s or 1h`,
			invalid: true,
		},
		{
			name:    "wrong type names key and value",
			opts:    config.Options{LookupEnv: withKey("UNDERTONE_KAFKA_PARTITIONS", "many")},
			want:    `invalid config: kafka.partitions = "many": want a value of type int`,
			invalid: true,
		},
		{
			name:    "k-anonymity threshold above what the store counts exactly",
			opts:    config.Options{LookupEnv: withKey("UNDERTONE_PRIVACY_MIN_AUTHORS", "50")},
			want:    `invalid config: privacy.min_authors = 50: between 1 and 16 (k-anonymity threshold; author counts are exact only up to 16)`,
			invalid: true,
		},
		{
			name:    "unknown drivers source",
			opts:    config.Options{LookupEnv: withKey("UNDERTONE_QUERY_DRIVERS", "exact")},
			want:    `invalid config: query.drivers = "exact": allowed: aggregate, sample`,
			invalid: true,
		},
		{
			name:    "missing secret",
			opts:    config.Options{LookupEnv: env()},
			want:    `invalid config: privacy.pseudonym_key: missing secret: set UNDERTONE_PRIVACY_PSEUDONYM_KEY or privacy.pseudonym_key_file`,
			invalid: true,
		},
		{
			name:    "short secret is not echoed",
			opts:    config.Options{LookupEnv: env("UNDERTONE_PRIVACY_PSEUDONYM_KEY", "short")},
			want:    `invalid config: privacy.pseudonym_key = (redacted): must be at least 16 bytes`,
			invalid: true,
		},
		{
			name: "secret written in yaml",
			opts: config.Options{Path: "testdata/secret.yaml", LookupEnv: withKey()},
			want: `config testdata/secret.yaml: key "privacy.pseudonym_key" is a secret and must not be written in the file: set UNDERTONE_PRIVACY_PSEUDONYM_KEY or privacy.pseudonym_key_file`,
		},
		{
			name: "missing secret file",
			opts: config.Options{LookupEnv: env("UNDERTONE_PRIVACY_PSEUDONYM_KEY_FILE", "testdata/does-not-exist")},
			want: `config: privacy.pseudonym_key_file: open testdata/does-not-exist: no such file or directory`,
		},
		{
			name: "missing config file",
			opts: config.Options{Path: "testdata/nope.yaml", LookupEnv: withKey()},
			want: `config testdata/nope.yaml: open testdata/nope.yaml: no such file or directory`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Load(tc.opts)
			if err == nil {
				t.Fatalf("Load succeeded, want error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error\n got: %s\nwant: %s", err, tc.want)
			}
			if got := errors.Is(err, config.ErrInvalid); got != tc.invalid {
				t.Fatalf("errors.Is(err, ErrInvalid) = %v, want %v (err: %v)", got, tc.invalid, err)
			}
			if strings.Contains(err.Error(), "do-not-write-secrets-here") || strings.Contains(err.Error(), "short\"") {
				t.Fatalf("error leaks a secret: %v", err)
			}
		})
	}
}

// TestDocumentedDefaults checks that config/undertone.yaml loads to exactly
// the built-in defaults and names every key (secrets only in comments).
func TestDocumentedDefaults(t *testing.T) {
	t.Parallel()
	got, err := config.Load(config.Options{Path: "undertone.yaml", LookupEnv: withKey()})
	if err != nil {
		t.Fatalf("Load(undertone.yaml): %v", err)
	}
	if want := defaults(); !reflect.DeepEqual(got, want) {
		t.Fatalf("undertone.yaml differs from Default()\n got: %+v\nwant: %+v", got, want)
	}

	raw, err := os.ReadFile("undertone.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	inFile := map[string]bool{}
	flatten("", doc, inFile)
	all, err := config.ToMap(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	flatten("", all, want)
	secrets := []string{"privacy.pseudonym_key", "clickhouse.password", "clickhouse.readonly_password"}
	for k := range want {
		if slices.Contains(secrets, k) {
			if envVar := "UNDERTONE_" + strings.ToUpper(strings.ReplaceAll(k, ".", "_")); !strings.Contains(string(raw), envVar) {
				t.Errorf("undertone.yaml does not document secret %s (mention %s)", k, envVar)
			}
			continue
		}
		if !inFile[k] {
			t.Errorf("undertone.yaml does not document key %s (add it with a comment)", k)
		}
	}

	// Every key line is preceded by a comment line (or is a list item).
	lines := strings.Split(string(raw), "\n")
	for i, l := range lines {
		trim := strings.TrimSpace(l)
		if trim == "" || strings.HasPrefix(trim, "#") || strings.HasPrefix(trim, "- ") || !strings.Contains(trim, ":") {
			continue
		}
		if indent := len(l) - len(strings.TrimLeft(l, " ")); indent == 0 {
			continue // section header
		}
		if !strings.HasPrefix(strings.TrimSpace(lines[i-1]), "#") && !strings.HasSuffix(strings.TrimSpace(lines[i-1]), ":") {
			t.Errorf("undertone.yaml:%d: key %q has no comment above it", i+1, trim)
		}
	}
}

func flatten(prefix string, m map[string]any, into map[string]bool) {
	for k, v := range m {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok && len(sub) > 0 && key != "enrich.enrichers" {
			flatten(key, sub, into)
			continue
		}
		into[key] = true
	}
}

// TestRedacted checks that printing never shows a secret.
func TestRedacted(t *testing.T) {
	t.Parallel()
	c, err := config.Load(config.Options{LookupEnv: withKey("UNDERTONE_CLICKHOUSE_PASSWORD", "hunter2-hunter2")})
	if err != nil {
		t.Fatal(err)
	}
	m, err := config.ToMap(c.Redacted())
	if err != nil {
		t.Fatal(err)
	}
	out, err := yaml.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{testKey, "hunter2-hunter2"} {
		if strings.Contains(string(out), secret) {
			t.Fatalf("redacted config shows %q:\n%s", secret, out)
		}
	}
	if c.ClickHouse.Password != "hunter2-hunter2" {
		t.Fatalf("Redacted modified the original config")
	}
}

func TestSecretFileIsTrimmed(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(p, []byte("  padded-key-0123456789 \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(config.Options{Overrides: map[string]any{"privacy.pseudonym_key_file": p}, LookupEnv: env()})
	if err != nil {
		t.Fatal(err)
	}
	if c.Privacy.PseudonymKey != "padded-key-0123456789" {
		t.Fatalf("key %q", c.Privacy.PseudonymKey)
	}
}

// TestShippedConfigs loads the config files shipped for deployments, so a
// renamed key cannot silently break them.
func TestShippedConfigs(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"../deploy/compose/undertone.yaml", "../deploy/k8s/base/undertone.yaml"} {
		if _, err := config.Load(config.Options{Path: p, LookupEnv: withKey()}); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}
