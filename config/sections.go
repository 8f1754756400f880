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
	// ClusterReplicated selects, with clickhouse.cluster set,
	// ReplicatedMergeTree + ON CLUSTER DDL (true) or plain MergeTree shards
	// migrated host by host (false).
	ClusterReplicated bool `mapstructure:"cluster_replicated"`
	// DriversByDimension keeps the q_driver_dims_mv and q_driver_combo_mv
	// views (migrations 0013, 0015): drivers with filters (source, lang,
	// sentiment, alone or combined) exact and fast, at the largest insert
	// cost of any views. false: migrate drops them and those requests
	// sample q_theme_posts.
	DriversByDimension bool `mapstructure:"drivers_by_dimension"`
	// DriversByCombination keeps q_driver_combo_mv (0015) when
	// DriversByDimension is set: drivers with two or three kinds of
	// filters exact and fast. It is the costlier of the two views. false:
	// migrate drops it and those requests sample q_theme_posts, while one
	// kind of filter still reads q_driver_dims.
	DriversByCombination bool `mapstructure:"drivers_by_combination"`
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
	// MaxThreads is ClickHouse's max_threads for each analyst query (0:
	// the server's default, one per core).
	MaxThreads int `mapstructure:"max_threads"`
	// Drivers is where the drivers analysis counts: aggregate (exact, from
	// the daily q_driver_day table, q_driver_dims with one kind of filter,
	// q_driver_combo with several; cost grows with the vocabulary) or
	// sample (the 5,000 most recent posts per side of q_theme_posts; cost
	// bounded whatever the vocabulary).
	Drivers string `mapstructure:"drivers"`
}

// Reports configures scheduled weekly reports and alerts.
type Reports struct {
	Enabled  bool     `mapstructure:"enabled"`
	Schedule string   `mapstructure:"schedule"`
	Timezone string   `mapstructure:"timezone"`
	Topics   []string `mapstructure:"topics"`
	Formats  []string `mapstructure:"formats"`
	OutDir   string   `mapstructure:"out_dir"`
	// Title heads every report.
	Title string `mapstructure:"title"`
	// CatchUp is how far back a missed run (server down at the scheduled
	// time) is still run on start.
	CatchUp time.Duration `mapstructure:"catch_up"`
	// Settle and Lease tune the exactly-once run ledger (docs/reports.md).
	Settle time.Duration `mapstructure:"settle"`
	Lease  time.Duration `mapstructure:"lease"`
	// RetryEvery is the pause before a failed run is retried.
	RetryEvery time.Duration `mapstructure:"retry_every"`
	// Ledger is clickhouse (exactly once across restarts and replicas) or
	// memory (single process, forgets on restart).
	Ledger string `mapstructure:"ledger"`
	// MinVolume and Alpha select emerging themes: a mover needs MinVolume
	// posts and p < Alpha.
	MinVolume int     `mapstructure:"min_volume"`
	Alpha     float64 `mapstructure:"alpha"`
	// Chromium is the browser executable for PDF (empty: find chromium).
	Chromium string `mapstructure:"chromium"`
	// Delivery is the retry policy of every destination.
	Delivery ReportDelivery `mapstructure:"delivery"`
	// Destinations receive every report and alert.
	Destinations []ReportDestination `mapstructure:"destinations"`
	// Alerts are threshold rules evaluated on their own schedule.
	Alerts Alerts `mapstructure:"alerts"`
}

// ReportDelivery is the retry policy of report and alert delivery.
type ReportDelivery struct {
	Attempts       int           `mapstructure:"attempts"`
	InitialBackoff time.Duration `mapstructure:"initial_backoff"`
	MaxBackoff     time.Duration `mapstructure:"max_backoff"`
	Timeout        time.Duration `mapstructure:"timeout"`
}

// ReportDestination is one place reports and alerts go: type dir (path),
// email (smtp_addr, from, to, username, password_file/password_env, tls) or
// webhook (url or url_file: a Slack-compatible incoming webhook).
type ReportDestination struct {
	Name         string   `mapstructure:"name"`
	Type         string   `mapstructure:"type"`
	Path         string   `mapstructure:"path"`
	SMTPAddr     string   `mapstructure:"smtp_addr"`
	From         string   `mapstructure:"from"`
	To           []string `mapstructure:"to"`
	Username     string   `mapstructure:"username"`
	PasswordFile string   `mapstructure:"password_file"`
	PasswordEnv  string   `mapstructure:"password_env"`
	TLS          string   `mapstructure:"tls"` // mandatory, opportunistic, none
	URL          string   `mapstructure:"url"`
	URLFile      string   `mapstructure:"url_file"`
	// AttachPDF attaches the PDF report to e-mails (needs Chromium).
	AttachPDF bool `mapstructure:"attach_pdf"`
	// Alerts and Reports select what this destination receives.
	Alerts  bool `mapstructure:"alerts"`
	Reports bool `mapstructure:"reports"`
}

// Alerts configures threshold alerts.
type Alerts struct {
	Enabled  bool        `mapstructure:"enabled"`
	Schedule string      `mapstructure:"schedule"`
	Rules    []AlertRule `mapstructure:"rules"`
}

// AlertRule fires when a topic's theme (or its negative sentiment) rises:
// lift of its share over the previous window >= min_lift and p <= max_p,
// with at least min_volume posts; then stays quiet for cooldown.
type AlertRule struct {
	Name      string        `mapstructure:"name"`
	Topic     string        `mapstructure:"topic"`
	Theme     string        `mapstructure:"theme"` // a marketer theme, or "sentiment" (share of negative posts)
	MinLift   float64       `mapstructure:"min_lift"`
	MaxP      float64       `mapstructure:"max_p"`
	MinVolume int           `mapstructure:"min_volume"`
	Days      int           `mapstructure:"days"`
	Cooldown  time.Duration `mapstructure:"cooldown"`
}
