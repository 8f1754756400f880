package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/undertone/undertone/config"
)

func newConfigCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check or print the effective configuration",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "validate",
		Short: "Load the configuration and report the first problem, if any",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if _, err := g.load(); err != nil {
				return err
			}
			src := g.configPath
			if src == "" {
				src = "defaults and environment"
			}
			fmt.Fprintf(c.OutOrStdout(), "config ok (%s)\n", src)
			return nil
		},
	}, &cobra.Command{
		Use:   "print",
		Short: "Print the effective configuration as YAML, secrets redacted",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			return printYAML(c, cfg.Redacted())
		},
	})
	return cmd
}

func printYAML(c *cobra.Command, cfg config.Config) error {
	m, err := config.ToMap(cfg)
	if err != nil {
		return err
	}
	enc := yaml.NewEncoder(c.OutOrStdout())
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return fmt.Errorf("config print: %w", err)
	}
	return enc.Close()
}
