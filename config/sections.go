package config

import "time"

// Config is the whole effective configuration. Each section is owned by the
// part of the system it configures; cmd/ passes sections down as typed
// structs.
type Config struct {
	Log        Log        `mapstructure:"log"`
	Admin      Admin      `mapstructure:"admin"`
	Kafka      Kafka      `mapstructure:"kafka"`
	ClickHouse ClickHouse `mapstructure:"clickhouse"`
	Privacy    Privacy    `mapstructure:"privacy"`
	Ingest     Ingest     `mapstructure:"ingest"`
	Enrich     Enrich     `mapstructure:"enrich"`
	Sink       Sink       `mapstructure:"sink"`
	Store      Store      `mapstructure:"store"`
	Serve      Serve      `mapstructure:"serve"`
	Query      Query      `mapstructure:"query"`
	Reports    Reports    `mapstructure:"reports"`
}

// Log configures log/slog output.
type Log struct {
	Level  string `mapstructure:"level"`  // debug, info, warn, error
	Format string `mapstructure:"format"` // text, json
}

// Admin configures the admin HTTP listener (/metrics, /healthz, /readyz)
// that every long-running subcommand starts.
type Admin struct {
	Addr            string        `mapstructure:"addr"`
	ShutdownTimeout time.Duration `mapstructure:"shutdown_timeout"`
}

// Kafka configures the brokers and topic names.
type Kafka struct {
	Brokers           []string      `mapstructure:"brokers"`
	ClientID          string        `mapstructure:"client_id"`
	Topics            Topics        `mapstructure:"topics"`
	Groups            Groups        `mapstructure:"groups"`
	Partitions        int           `mapstructure:"partitions"`
	ReplicationFactor int           `mapstructure:"replication_factor"`
	DialTimeout       time.Duration `mapstructure:"dial_timeout"`
}

// Topics names the Kafka topics of the pipeline.
type Topics struct {
	Raw      string `mapstructure:"raw"`
	Clean    string `mapstructure:"clean"`
	Enriched string `mapstructure:"enriched"`
	DLQ      string `mapstructure:"dlq"`
}

// Groups names the consumer group of each stage.
type Groups struct {
	Ingest string `mapstructure:"ingest"`
	Enrich string `mapstructure:"enrich"`
	Sink   string `mapstructure:"sink"`
}

// ClickHouse configures the store connection.
type ClickHouse struct {
	Addr         []string `mapstructure:"addr"`
	Database     string   `mapstructure:"database"`
	Username     string   `mapstructure:"username"`
	Password     string   `mapstructure:"password"` // secret: env or password_file only
	PasswordFile string   `mapstructure:"password_file"`
	// ReadOnlyUsername/Password are used by the query path when set.
	ReadOnlyUsername     string        `mapstructure:"readonly_username"`
	ReadOnlyPassword     string        `mapstructure:"readonly_password"` // secret
	ReadOnlyPasswordFile string        `mapstructure:"readonly_password_file"`
	Cluster              string        `mapstructure:"cluster"`
	DialTimeout          time.Duration `mapstructure:"dial_timeout"`
}

// Privacy configures pseudonymization and k-anonymity.
type Privacy struct {
	PseudonymKey     string `mapstructure:"pseudonym_key"` // secret: env or pseudonym_key_file only
	PseudonymKeyFile string `mapstructure:"pseudonym_key_file"`
	PseudonymKeyID   string `mapstructure:"pseudonym_key_id"`
	MinAuthors       int    `mapstructure:"min_authors"`
}

// Ingest configures the ingest stage.
type Ingest struct {
	MaxTextBytes int           `mapstructure:"max_text_bytes"`
	Languages    []string      `mapstructure:"languages"`
	OtherLang    string        `mapstructure:"other_lang"` // keep, dlq
	BatchSize    int           `mapstructure:"batch_size"`
	BatchTimeout time.Duration `mapstructure:"batch_timeout"`
}

// Enrich configures the enrichment chain and the enrich stage.
type Enrich struct {
	Chain           []string                  `mapstructure:"chain"`
	Workers         int                       `mapstructure:"workers"`
	BatchSize       int                       `mapstructure:"batch_size"`
	BatchTimeout    time.Duration             `mapstructure:"batch_timeout"`
	ProduceEnriched bool                      `mapstructure:"produce_enriched"`
	TopicsFile      string                    `mapstructure:"topics_file"`
	Enrichers       map[string]map[string]any `mapstructure:"enrichers"`
}

// Sink configures the ClickHouse sink stage.
type Sink struct {
	BatchSize    int           `mapstructure:"batch_size"`
	BatchTimeout time.Duration `mapstructure:"batch_timeout"`
	MaxBackoff   time.Duration `mapstructure:"max_backoff"`
}

// Store configures schema management and retention.
type Store struct {
	MigrateOnStart bool          `mapstructure:"migrate_on_start"`
	RetentionDays  int           `mapstructure:"retention_days"`
	RetentionEvery time.Duration `mapstructure:"retention_every"`
}

// Serve configures the HTTP server (API, dashboards, collector).
type Serve struct {
	Addr         string        `mapstructure:"addr"`
	PublicURL    string        `mapstructure:"public_url"`
	AuthMode     string        `mapstructure:"auth_mode"` // tokens, none
	Tokens       []Token       `mapstructure:"tokens"`
	MaxBodyBytes int64         `mapstructure:"max_body_bytes"`
	ReadTimeout  time.Duration `mapstructure:"read_timeout"`
	WriteTimeout time.Duration `mapstructure:"write_timeout"`
	RateLimit    float64       `mapstructure:"rate_limit"` // requests/s per token
	RateBurst    int           `mapstructure:"rate_burst"`
}

// Token is one API token, stored as the hex SHA-256 of the secret.
type Token struct {
	Name   string   `mapstructure:"name"`
	SHA256 string   `mapstructure:"sha256"`
	Scopes []string `mapstructure:"scopes"` // read, ingest, admin
	// Revoked keeps a retired token listed (so its use is logged as
	// "revoked", not "unknown") while refusing it.
	Revoked bool `mapstructure:"revoked"`
}

// Query configures the read side.
type Query struct {
	Timeout  time.Duration `mapstructure:"timeout"`
	MaxRows  int           `mapstructure:"max_rows"`
	CacheTTL time.Duration `mapstructure:"cache_ttl"`
}

// Reports configures scheduled weekly reports and alerts.
type Reports struct {
	Enabled  bool     `mapstructure:"enabled"`
	Schedule string   `mapstructure:"schedule"`
	Timezone string   `mapstructure:"timezone"`
	Topics   []string `mapstructure:"topics"`
	Formats  []string `mapstructure:"formats"`
	OutDir   string   `mapstructure:"out_dir"`
}
