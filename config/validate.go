package config

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"
	"time"
)

// MinPseudonymKeyBytes is the shortest accepted pseudonym key.
const MinPseudonymKeyBytes = 16

var (
	topicName = regexp.MustCompile(`^[a-zA-Z0-9._-]{1,249}$`)
	dbName    = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]{0,63}$`)
	hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// Validate reports the first invalid setting, naming the key, the value and
// what is allowed.
func (c Config) Validate() error {
	checks := []func() error{
		c.validateLog, c.validateAdmin, c.validateKafka, c.validateClickHouse,
		c.validatePrivacy, c.validateIngest, c.validateEnrich, c.validateSink,
		c.validateStore, c.validateServe, c.validateQuery, c.validateReports,
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func oneOf(key, v string, allowed ...string) error {
	if slices.Contains(allowed, v) {
		return nil
	}
	return invalid(key, fmt.Sprintf("%q", v), "allowed: "+strings.Join(allowed, ", "))
}

func hostPort(key, v string) error {
	if _, _, err := net.SplitHostPort(v); err != nil {
		return invalid(key, fmt.Sprintf("%q", v), "want host:port")
	}
	return nil
}

func positive(key string, v int) error {
	if v <= 0 {
		return invalid(key, v, "must be > 0")
	}
	return nil
}

func positiveDur(key string, d time.Duration) error {
	if d <= 0 {
		return invalid(key, d, "must be a positive duration such as 500ms or 10s")
	}
	return nil
}

func (c Config) validateLog() error {
	if err := oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error"); err != nil {
		return err
	}
	return oneOf("log.format", c.Log.Format, "text", "json")
}

func (c Config) validateAdmin() error {
	if c.Admin.Addr != "" {
		if err := hostPort("admin.addr", c.Admin.Addr); err != nil {
			return err
		}
	}
	return positiveDur("admin.shutdown_timeout", c.Admin.ShutdownTimeout)
}

func (c Config) validateKafka() error {
	k := c.Kafka
	if len(k.Brokers) == 0 {
		return invalid("kafka.brokers", "[]", "at least one host:port")
	}
	for _, b := range k.Brokers {
		if err := hostPort("kafka.brokers", b); err != nil {
			return err
		}
	}
	for key, t := range map[string]string{
		"kafka.topics.raw": k.Topics.Raw, "kafka.topics.clean": k.Topics.Clean,
		"kafka.topics.enriched": k.Topics.Enriched, "kafka.topics.dlq": k.Topics.DLQ,
	} {
		if !topicName.MatchString(t) {
			return invalid(key, fmt.Sprintf("%q", t), "1-249 characters of a-z A-Z 0-9 . _ -")
		}
	}
	for key, g := range map[string]string{
		"kafka.groups.ingest": k.Groups.Ingest, "kafka.groups.enrich": k.Groups.Enrich, "kafka.groups.sink": k.Groups.Sink,
	} {
		if strings.TrimSpace(g) == "" {
			return invalid(key, `""`, "a non-empty consumer group name")
		}
	}
	if err := positive("kafka.partitions", k.Partitions); err != nil {
		return err
	}
	if err := positive("kafka.replication_factor", k.ReplicationFactor); err != nil {
		return err
	}
	return positiveDur("kafka.dial_timeout", k.DialTimeout)
}

func (c Config) validateClickHouse() error {
	ch := c.ClickHouse
	if len(ch.Addr) == 0 {
		return invalid("clickhouse.addr", "[]", "at least one host:port (native protocol)")
	}
	for _, a := range ch.Addr {
		if err := hostPort("clickhouse.addr", a); err != nil {
			return err
		}
	}
	if !dbName.MatchString(ch.Database) {
		return invalid("clickhouse.database", fmt.Sprintf("%q", ch.Database), "a letter or _ then up to 63 of a-z A-Z 0-9 _")
	}
	if ch.Cluster != "" && !dbName.MatchString(ch.Cluster) {
		return invalid("clickhouse.cluster", fmt.Sprintf("%q", ch.Cluster), "a cluster name from the server's remote_servers, or empty")
	}
	return positiveDur("clickhouse.dial_timeout", ch.DialTimeout)
}

func (c Config) validatePrivacy() error {
	p := c.Privacy
	if p.PseudonymKey == "" {
		return fmt.Errorf("%w: privacy.pseudonym_key: missing secret: set %s or privacy.pseudonym_key_file",
			ErrInvalid, envName("privacy.pseudonym_key"))
	}
	if len(p.PseudonymKey) < MinPseudonymKeyBytes {
		return invalid("privacy.pseudonym_key", "(redacted)", fmt.Sprintf("must be at least %d bytes", MinPseudonymKeyBytes))
	}
	if !regexp.MustCompile(`^[a-zA-Z0-9_-]{1,16}$`).MatchString(p.PseudonymKeyID) {
		return invalid("privacy.pseudonym_key_id", fmt.Sprintf("%q", p.PseudonymKeyID), "1-16 of a-z A-Z 0-9 _ -")
	}
	if p.MinAuthors < 1 {
		return invalid("privacy.min_authors", p.MinAuthors, "must be >= 1 (k-anonymity threshold)")
	}
	return nil
}

func (c Config) validateIngest() error {
	in := c.Ingest
	if in.MaxTextBytes < 1 || in.MaxTextBytes > 1<<20 {
		return invalid("ingest.max_text_bytes", in.MaxTextBytes, "between 1 and 1048576")
	}
	if err := oneOf("ingest.other_lang", in.OtherLang, "keep", "dlq"); err != nil {
		return err
	}
	if err := positive("ingest.batch_size", in.BatchSize); err != nil {
		return err
	}
	return positiveDur("ingest.batch_timeout", in.BatchTimeout)
}

func (c Config) validateEnrich() error {
	e := c.Enrich
	seen := map[string]bool{}
	for _, n := range e.Chain {
		if seen[n] {
			return invalid("enrich.chain", n, "each enricher may appear once")
		}
		seen[n] = true
	}
	if e.Workers < 0 {
		return invalid("enrich.workers", e.Workers, "must be >= 0 (0 means one per CPU)")
	}
	if err := positive("enrich.batch_size", e.BatchSize); err != nil {
		return err
	}
	return positiveDur("enrich.batch_timeout", e.BatchTimeout)
}

func (c Config) validateSink() error {
	s := c.Sink
	if err := positive("sink.batch_size", s.BatchSize); err != nil {
		return err
	}
	if err := positiveDur("sink.batch_timeout", s.BatchTimeout); err != nil {
		return err
	}
	return positiveDur("sink.max_backoff", s.MaxBackoff)
}

func (c Config) validateStore() error {
	if err := positive("store.retention_days", c.Store.RetentionDays); err != nil {
		return err
	}
	return positiveDur("store.retention_every", c.Store.RetentionEvery)
}

func (c Config) validateServe() error {
	s := c.Serve
	if err := hostPort("serve.addr", s.Addr); err != nil {
		return err
	}
	if err := oneOf("serve.auth_mode", s.AuthMode, "tokens", "none"); err != nil {
		return err
	}
	for i, t := range s.Tokens {
		key := fmt.Sprintf("serve.tokens[%d]", i)
		if t.Name == "" {
			return invalid(key+".name", `""`, "a non-empty name")
		}
		if !hexSHA256.MatchString(t.SHA256) {
			return invalid(key+".sha256", "(redacted)", "64 lowercase hex digits: the SHA-256 of the token (see `undertone token hash`)")
		}
		for _, sc := range t.Scopes {
			if err := oneOf(key+".scopes", sc, "read", "ingest", "admin"); err != nil {
				return err
			}
		}
	}
	if s.MaxBodyBytes < 1024 {
		return invalid("serve.max_body_bytes", s.MaxBodyBytes, "must be >= 1024")
	}
	if err := positiveDur("serve.read_timeout", s.ReadTimeout); err != nil {
		return err
	}
	if err := positiveDur("serve.write_timeout", s.WriteTimeout); err != nil {
		return err
	}
	if s.RateLimit <= 0 {
		return invalid("serve.rate_limit", s.RateLimit, "requests per second per token, must be > 0")
	}
	return positive("serve.rate_burst", s.RateBurst)
}

func (c Config) validateQuery() error {
	if err := positiveDur("query.timeout", c.Query.Timeout); err != nil {
		return err
	}
	return positive("query.max_rows", c.Query.MaxRows)
}

func (c Config) validateReports() error {
	r := c.Reports
	if _, err := time.LoadLocation(r.Timezone); err != nil {
		return invalid("reports.timezone", fmt.Sprintf("%q", r.Timezone), "an IANA time zone such as Europe/Berlin")
	}
	for _, f := range r.Formats {
		if err := oneOf("reports.formats", f, "html", "md", "pdf"); err != nil {
			return err
		}
	}
	return nil
}

// Redacted returns a copy with every secret replaced, for printing.
func (c Config) Redacted() Config {
	r := c
	mask := func(s string) string {
		if s == "" {
			return ""
		}
		return "<redacted>"
	}
	r.Privacy.PseudonymKey = mask(r.Privacy.PseudonymKey)
	r.ClickHouse.Password = mask(r.ClickHouse.Password)
	r.ClickHouse.ReadOnlyPassword = mask(r.ClickHouse.ReadOnlyPassword)
	r.Serve.Tokens = make([]Token, len(c.Serve.Tokens))
	for i, t := range c.Serve.Tokens {
		t.SHA256 = mask(t.SHA256)
		r.Serve.Tokens[i] = t
	}
	return r
}
