package main

import (
	"context"
	"fmt"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/undertone/undertone/config"
	"github.com/undertone/undertone/store"
)

// storeConfig builds the store's config from the clickhouse and store
// sections.
func storeConfig(cfg config.Config) store.Config {
	ch := cfg.ClickHouse
	return store.Config{
		Addr:        ch.Addr,
		Database:    ch.Database,
		Username:    ch.Username,
		Password:    ch.Password,
		Cluster:     ch.Cluster,
		Replicated:  cfg.Store.ClusterReplicated,
		DialTimeout: ch.DialTimeout,
		ViewsOff:    viewsOff(cfg),
	}
}

// viewsOff lists the optional views the configuration turns off.
func viewsOff(cfg config.Config) []string {
	switch {
	case !cfg.Store.DriversByDimension:
		return []string{"q_driver_dims_mv", "q_driver_combo_mv"}
	case !cfg.Store.DriversByCombination:
		return []string{"q_driver_combo_mv"}
	}
	return nil
}

// migrateOnStart applies pending migrations when store.migrate_on_start is
// set (sink, run and serve call it before they start).
func migrateOnStart(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	if !cfg.Store.MigrateOnStart {
		return nil
	}
	return store.MigrateHosts(ctx, storeConfig(cfg), log)
}

func newMigrateCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply or show ClickHouse schema migrations (up|status)",
		Long: `Migrate manages the ClickHouse schema of clickhouse.database: versioned SQL
files embedded in the binary, applied in order and recorded in the
schema_migrations table. Every statement is idempotent, so running it twice,
or from several processes at once, is harmless. With clickhouse.cluster set
the tables are sharded (see docs/scaling.md).`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "up",
		Short: "Apply pending migrations",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			log := newLogger(cfg.Log, cmd.ErrOrStderr())
			ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Minute)
			defer cancel()
			if err := store.MigrateHosts(ctx, storeConfig(cfg), log); err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "schema of %s is up to date\n", cfg.ClickHouse.Database)
			return err
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "List migrations and whether each is applied",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			log := newLogger(cfg.Log, cmd.ErrOrStderr())
			ctx, cancel := context.WithTimeout(cmd.Context(), time.Minute)
			defer cancel()
			sc := storeConfig(cfg)
			conn, err := store.Dial(ctx, sc, log)
			if err != nil {
				return err
			}
			defer conn.Close()
			st, err := store.NewMigrator(conn, sc.Schema(), log).Status(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tNAME\tAPPLIED\tAT")
			for _, s := range st {
				at, state := "", "no"
				if s.Applied {
					at, state = s.AppliedAt.UTC().Format(time.RFC3339), "yes"
					if s.Modified {
						state = "yes (file changed since)"
					}
				}
				fmt.Fprintf(tw, "%04d\t%s\t%s\t%s\n", s.Version, s.Name, state, at)
			}
			return tw.Flush()
		},
	})
	return cmd
}
