package config

import "time"

// Default returns the built-in defaults. config/undertone.yaml documents
// the same values with a comment on each key.
func Default() Config {
	return Config{
		Log:   Log{Level: "info", Format: "text"},
		Admin: Admin{Addr: "127.0.0.1:9464", ShutdownTimeout: 15 * time.Second},
		Kafka: Kafka{
			Brokers:  []string{"127.0.0.1:9092"},
			ClientID: "undertone",
			Topics: Topics{
				Raw: "posts.raw", Clean: "posts.clean", Enriched: "posts.enriched", DLQ: "posts.dlq",
			},
			Groups:            Groups{Ingest: "undertone-ingest", Enrich: "undertone-enrich", Sink: "undertone-sink"},
			Partitions:        4,
			ReplicationFactor: 1,
			DialTimeout:       10 * time.Second,
		},
		ClickHouse: ClickHouse{
			Addr:        []string{"127.0.0.1:9000"},
			Database:    "undertone",
			Username:    "default",
			DialTimeout: 5 * time.Second,
		},
		Privacy: Privacy{PseudonymKeyID: "k1", MinAuthors: 5},
		Ingest: Ingest{
			MaxTextBytes: 20000,
			Languages:    []string{"en"},
			OtherLang:    "keep",
			BatchSize:    1000,
			BatchTimeout: 200 * time.Millisecond,
		},
		Enrich: Enrich{
			Chain:        []string{"entity", "topic", "sentiment", "emotion", "intent"},
			Workers:      0,
			BatchSize:    1000,
			BatchTimeout: 200 * time.Millisecond,
			TopicsFile:   "config/topics.yaml",
			Enrichers:    map[string]map[string]any{},
		},
		Sink:  Sink{BatchSize: 20000, BatchTimeout: time.Second, MaxBackoff: 30 * time.Second},
		Store: Store{MigrateOnStart: true, RetentionDays: 90, RetentionEvery: time.Hour, ClusterReplicated: true, DriversByDimension: true, DriversByCombination: true},
		Serve: Serve{
			Addr:         "127.0.0.1:8080",
			PublicURL:    "http://127.0.0.1:8080",
			AuthMode:     "tokens",
			Tokens:       []Token{},
			MaxBodyBytes: 8 << 20,
			ReadTimeout:  30 * time.Second,
			WriteTimeout: 60 * time.Second,
			RateLimit:    20,
			RateBurst:    40,
		},
		Query: Query{Timeout: 10 * time.Second, MaxRows: 10000, CacheTTL: 30 * time.Second, MaxThreads: 1, Drivers: "aggregate"},
		Reports: Reports{
			Schedule: "0 7 * * 1",
			Timezone: "UTC",
			Topics:   []string{},
			Formats:  []string{"html", "md"},
			OutDir:   "out/reports",
			Title:    "Undertone weekly insight",
			// Eight days: a server down over a whole week still sends last
			// week's report when it comes back.
			CatchUp: 192 * time.Hour,
			// Settle must exceed replica clock skew plus insert visibility.
			Settle:     5 * time.Second,
			Lease:      30 * time.Minute,
			RetryEvery: 10 * time.Minute,
			Ledger:     "clickhouse",
			MinVolume:  20,
			Alpha:      0.05,
			Delivery: ReportDelivery{
				Attempts: 5, InitialBackoff: 2 * time.Second, MaxBackoff: time.Minute, Timeout: 30 * time.Second,
			},
			Destinations: []ReportDestination{},
			Alerts:       Alerts{Schedule: "0 * * * *", Rules: []AlertRule{}},
		},
	}
}
