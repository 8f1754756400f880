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
	// The query layer's author counts are exact only up to 16 (uniqHLL12
	// states, store/migrations/0002), so a larger k could not be enforced.
	if p.MinAuthors < 1 || p.MinAuthors > 16 {
		return invalid("privacy.min_authors", p.MinAuthors, "between 1 and 16 (k-anonymity threshold; author counts are exact only up to 16)")
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
	if c.Query.MaxThreads < 0 {
		return invalid("query.max_threads", c.Query.MaxThreads, "threads per query, >= 0 (0: the server's default)")
	}
	if err := oneOf("query.drivers", c.Query.Drivers, "aggregate", "sample"); err != nil {
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
	if err := cronFields("reports.schedule", r.Schedule); err != nil {
		return err
	}
	if r.CatchUp < 0 {
		return invalid("reports.catch_up", r.CatchUp, "must be >= 0 (0 disables catch-up)")
	}
	if r.Settle < 0 {
		return invalid("reports.settle", r.Settle, "must be >= 0")
	}
	if r.Lease <= r.Settle {
		return invalid("reports.lease", r.Lease, "must be longer than reports.settle")
	}
	if r.RetryEvery < 0 {
		return invalid("reports.retry_every", r.RetryEvery, "must be >= 0 (0 disables retries)")
	}
	if err := oneOf("reports.ledger", r.Ledger, "clickhouse", "memory"); err != nil {
		return err
	}
	if err := positive("reports.min_volume", r.MinVolume); err != nil {
		return err
	}
	if r.Alpha <= 0 || r.Alpha >= 1 {
		return invalid("reports.alpha", r.Alpha, "a significance level between 0 and 1, such as 0.05")
	}
	if err := positive("reports.delivery.attempts", r.Delivery.Attempts); err != nil {
		return err
	}
	if err := positiveDur("reports.delivery.initial_backoff", r.Delivery.InitialBackoff); err != nil {
		return err
	}
	if r.Delivery.MaxBackoff < r.Delivery.InitialBackoff {
		return invalid("reports.delivery.max_backoff", r.Delivery.MaxBackoff, "must be >= reports.delivery.initial_backoff")
	}
	if err := positiveDur("reports.delivery.timeout", r.Delivery.Timeout); err != nil {
		return err
	}
	names := map[string]bool{}
	for i, d := range r.Destinations {
		key := fmt.Sprintf("reports.destinations[%d]", i)
		if !ruleName.MatchString(d.Name) || names[d.Name] {
			return invalid(key+".name", fmt.Sprintf("%q", d.Name), "a unique name of 1-64 a-z A-Z 0-9 _ -")
		}
		names[d.Name] = true
		if err := oneOf(key+".type", d.Type, "dir", "email", "webhook"); err != nil {
			return err
		}
		if !d.Reports && !d.Alerts {
			return invalid(key, d.Name, "set reports: true and/or alerts: true")
		}
		switch d.Type {
		case "dir":
			if d.Path == "" {
				return invalid(key+".path", `""`, "the directory to write to")
			}
		case "email":
			if err := hostPort(key+".smtp_addr", d.SMTPAddr); err != nil {
				return err
			}
			if !strings.Contains(d.From, "@") {
				return invalid(key+".from", fmt.Sprintf("%q", d.From), "a sender address")
			}
			if len(d.To) == 0 {
				return invalid(key+".to", "[]", "at least one recipient address")
			}
			if err := oneOf(key+".tls", d.TLS, "mandatory", "opportunistic", "none", ""); err != nil {
				return err
			}
		case "webhook":
			if (d.URL == "") == (d.URLFile == "") {
				return invalid(key+".url", "(redacted)", "set exactly one of url and url_file")
			}
			if d.URL != "" && !strings.HasPrefix(d.URL, "https://") && !strings.HasPrefix(d.URL, "http://") {
				return invalid(key+".url", "(redacted)", "an http(s) URL")
			}
		}
	}
	if r.Alerts.Enabled || len(r.Alerts.Rules) > 0 {
		if err := cronFields("reports.alerts.schedule", r.Alerts.Schedule); err != nil {
			return err
		}
	}
	rules := map[string]bool{}
	for i, a := range r.Alerts.Rules {
		key := fmt.Sprintf("reports.alerts.rules[%d]", i)
		if !ruleName.MatchString(a.Name) || rules[a.Name] {
			return invalid(key+".name", fmt.Sprintf("%q", a.Name), "a unique name of 1-64 a-z A-Z 0-9 _ -")
		}
		rules[a.Name] = true
		if strings.TrimSpace(a.Topic) == "" {
			return invalid(key+".topic", `""`, "a topic id from the taxonomy")
		}
		if err := oneOf(key+".theme", a.Theme, "fears", "frustrations", "disappointments", "joys", "desires", "confusion", "sentiment"); err != nil {
			return err
		}
		if a.MinLift < 0 {
			return invalid(key+".min_lift", a.MinLift, "must be >= 0 (0: no lift condition)")
		}
		if a.MaxP <= 0 || a.MaxP > 1 {
			return invalid(key+".max_p", a.MaxP, "a p-value threshold in (0, 1], such as 0.01")
		}
		if a.MinVolume < 0 || a.Days < 0 || a.Days > 90 {
			return invalid(key+".days", a.Days, "min_volume >= 0 and days in 0..90 (0 means 7)")
		}
		if a.Cooldown < 0 {
			return invalid(key+".cooldown", a.Cooldown, "must be >= 0")
		}
	}
	return nil
}

var ruleName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// cronFields does a shallow check of a cron spec (the report package parses
// it fully when the scheduler starts).
func cronFields(key, spec string) error {
	s := strings.TrimSpace(spec)
	if strings.HasPrefix(s, "@") || len(strings.Fields(s)) == 5 {
		return nil
	}
	return invalid(key, fmt.Sprintf("%q", spec), "5 cron fields (minute hour day-of-month month day-of-week) or @hourly/@daily/@weekly")
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
