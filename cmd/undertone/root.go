package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/undertone/undertone/config"
)

// globalFlags are the persistent flags every subcommand accepts.
type globalFlags struct {
	configPath string
	logLevel   string
	logFormat  string
	brokers    []string
	clickhouse []string
	set        []string // key=value overrides of any config key
}

func newRootCmd() *cobra.Command {
	g := &globalFlags{}
	root := &cobra.Command{
		Use:   "undertone",
		Short: "Consumer insight from anonymized public posts",
		Long: `Undertone turns anonymized public posts into consumer insight for marketers:
what people fear, what delights them, what frustrates them and what they wish
for, by brand, product and topic, over time.

Posts flow posts.raw -> ingest -> posts.clean -> enrich -> sink -> ClickHouse,
and analysts read them through the query API, dashboards and weekly reports.

Configuration comes from built-in defaults, then --config FILE (YAML), then
UNDERTONE_* environment variables (kafka.brokers is UNDERTONE_KAFKA_BROKERS),
then flags. Secrets (pseudonym key, ClickHouse password) come only from the
environment or from *_file keys.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	pf := root.PersistentFlags()
	pf.StringVarP(&g.configPath, "config", "c", defaultConfigPath(), "YAML config file (empty for defaults + environment only)")
	pf.StringVar(&g.logLevel, "log-level", "", "log level: debug, info, warn, error (overrides log.level)")
	pf.StringVar(&g.logFormat, "log-format", "", "log format: text or json (overrides log.format)")
	pf.StringSliceVar(&g.brokers, "kafka-brokers", nil, "Kafka bootstrap brokers host:port,... (overrides kafka.brokers)")
	pf.StringSliceVar(&g.clickhouse, "clickhouse-addr", nil, "ClickHouse native addresses host:port,... (overrides clickhouse.addr)")
	pf.StringArrayVar(&g.set, "set", nil, "override any config key, repeatable: --set sink.batch_size=5000 --set kafka.topics.raw=x (lists comma-separated)")

	root.AddCommand(
		newConfigCmd(g),
		newRunCmd(g),
		newIngestCmd(g),
		newEnrichStageCmd(g),
		newSinkCmd(g),
		newEnrichCmd(g),
		newTopicsCmd(),
		newProduceCmd(g),
		newGenerateCmd(),
		newMigrateCmd(g),
		newRetentionCmd(g),
		newServeCmd(g),
		newQueryCmd(g),
		newTokenCmd(),
		newReportCmd(g),
		newSchedulerCmd(g),
		newTrainCmd(),
	)
	requireSubcommand(root)
	return root
}

// requireSubcommand makes every command group (a command with subcommands
// and nothing to run itself) fail on a missing or unknown subcommand
// instead of printing help and exiting 0, so scripts notice the typo.
func requireSubcommand(c *cobra.Command) {
	for _, sub := range c.Commands() {
		requireSubcommand(sub)
	}
	if c.Parent() == nil || !c.HasSubCommands() || c.Run != nil || c.RunE != nil {
		return
	}
	c.Args = cobra.ArbitraryArgs
	c.RunE = func(cmd *cobra.Command, args []string) error {
		names := make([]string, 0, len(cmd.Commands()))
		for _, s := range cmd.Commands() {
			if s.IsAvailableCommand() {
				names = append(names, s.Name())
			}
		}
		if len(args) == 0 {
			return fmt.Errorf("%s: missing subcommand: want one of %s (see %s --help)", cmd.CommandPath(), strings.Join(names, ", "), cmd.CommandPath())
		}
		return fmt.Errorf("%s: unknown subcommand %q: want one of %s (see %s --help)", cmd.CommandPath(), args[0], strings.Join(names, ", "), cmd.CommandPath())
	}
}

// defaultConfigPath is config/undertone.yaml when it exists in the working
// directory, else empty (defaults and environment only).
func defaultConfigPath() string {
	if p := os.Getenv("UNDERTONE_CONFIG"); p != "" {
		return p
	}
	if _, err := os.Stat("config/undertone.yaml"); err == nil {
		return "config/undertone.yaml"
	}
	return ""
}

// load reads the effective configuration for a subcommand.
func (g *globalFlags) load() (config.Config, error) {
	over := map[string]any{}
	if g.logLevel != "" {
		over["log.level"] = g.logLevel
	}
	if g.logFormat != "" {
		over["log.format"] = g.logFormat
	}
	if len(g.brokers) > 0 {
		over["kafka.brokers"] = g.brokers
	}
	if len(g.clickhouse) > 0 {
		over["clickhouse.addr"] = g.clickhouse
	}
	for _, kv := range g.set {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return config.Config{}, fmt.Errorf("--set %q: want key=value, e.g. --set sink.batch_size=5000", kv)
		}
		over[strings.ToLower(strings.TrimSpace(k))] = v
	}
	return config.Load(config.Options{Path: g.configPath, Overrides: over})
}

// newLogger builds the process logger from config.
func newLogger(cfg config.Log, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.Level)) // validated by config
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
