package main

import (
	"bufio"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/undertone/undertone/internal/auth"
)

func newTokenCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "token",
		Short: "Create API tokens and hash them for serve.tokens",
		Long: `API tokens are stored in the configuration only as the SHA-256 of the
secret (serve.tokens[].sha256). "token new" prints a fresh secret once,
with the config entry to paste; "token hash" hashes an existing secret.`,
	}
	var name string
	var scopes []string
	newCmd := &cobra.Command{
		Use:   "new",
		Short: "Generate a random token and print it with its serve.tokens entry",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, s := range scopes {
				if !slices.Contains([]string{"read", "ingest", "admin"}, s) {
					return fmt.Errorf("--scopes: %q: allowed: read, ingest, admin", s)
				}
			}
			secret, err := auth.NewSecret()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "token (shown once; give it to the client): %s\n\n", secret)
			fmt.Fprintf(out, "serve:\n  tokens:\n    - name: %s\n      sha256: %s\n      scopes: [%s]\n", name, auth.Hash(secret), strings.Join(scopes, ", "))
			return nil
		},
	}
	newCmd.Flags().StringVar(&name, "name", "analyst", "token name (logged, shown in metrics)")
	newCmd.Flags().StringSliceVar(&scopes, "scopes", []string{"read"}, "scopes: read, ingest, admin")
	hashCmd := &cobra.Command{
		Use:   "hash [SECRET]",
		Short: "Print the SHA-256 hex of a token (from the argument or the first line of stdin)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			secret := ""
			if len(args) == 1 {
				secret = args[0]
			} else {
				sc := bufio.NewScanner(cmd.InOrStdin())
				if sc.Scan() {
					secret = sc.Text()
				}
				if err := sc.Err(); err != nil {
					return err
				}
			}
			secret = strings.TrimSpace(secret)
			if secret == "" {
				return fmt.Errorf("token hash: empty secret")
			}
			fmt.Fprintln(cmd.OutOrStdout(), auth.Hash(secret))
			return nil
		},
	}
	root.AddCommand(newCmd, hashCmd)
	return root
}
