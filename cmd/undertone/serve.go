package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/undertone/undertone/config"
	"github.com/undertone/undertone/dashboards"
	"github.com/undertone/undertone/ingest"
	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/query"
	"github.com/undertone/undertone/stream"
)

// openQuerier connects the query path to ClickHouse: as
// clickhouse.readonly_username when set, else as clickhouse.username with
// readonly=2 sent on every query. The caller closes the returned conn.
func openQuerier(cfg config.Config, log *slog.Logger) (*query.Querier, driver.Conn, error) {
	ch := cfg.ClickHouse
	off := viewsOff(cfg) // dropped by migrate: their tables miss recent posts
	user, pass, roSetting := ch.Username, ch.Password, true
	if ch.ReadOnlyUsername != "" {
		user, pass, roSetting = ch.ReadOnlyUsername, ch.ReadOnlyPassword, false
	}
	conn, err := query.Open(query.DialOptions{Addr: ch.Addr, Database: ch.Database, Username: user, Password: pass, DialTimeout: ch.DialTimeout, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	q, err := query.New(conn, query.Options{
		Database:        ch.Database,
		MinAuthors:      cfg.Privacy.MinAuthors,
		MaxRows:         cfg.Query.MaxRows,
		Timeout:         cfg.Query.Timeout,
		MaxThreads:      cfg.Query.MaxThreads,
		DriversSampled:  cfg.Query.Drivers == "sample",
		NoDriverDims:    slices.Contains(off, "q_driver_dims_mv"),
		NoDriverCombo:   slices.Contains(off, "q_driver_combo_mv"),
		ReadOnlySetting: roSetting,
	})
	if err != nil {
		_ = conn.Close()
		return nil, nil, err
	}
	return q, conn, nil
}

// newAuthenticator builds the API token checker from serve.*.
func newAuthenticator(s config.Serve) (*auth.Authenticator, error) {
	toks := make([]auth.Token, len(s.Tokens))
	for i, t := range s.Tokens {
		toks[i] = auth.Token{Name: t.Name, SHA256: t.SHA256, Scopes: t.Scopes, Revoked: t.Revoked}
	}
	return auth.New(auth.Options{Disabled: s.AuthMode == "none", Tokens: toks, Rate: s.RateLimit, Burst: s.RateBurst})
}

// apiOptions selects what the HTTP server mounts next to the query API.
type apiOptions struct {
	Collector  bool // POST /v1/posts (ingest scope), publishing to kafka.topics.raw
	Dashboards bool // the web UI at / (public shell; its data comes from the API with a token)
}

// apiServer is the assembled HTTP server of `undertone serve` (and `run`).
type apiServer struct {
	HTTP    *http.Server
	Querier *query.Querier
	closers []func() error
}

// Close releases the ClickHouse pool and the Kafka writer.
func (a *apiServer) Close() error {
	var errs []error
	for _, c := range a.closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}

// newAPIServer wires the query API, the optional collector and dashboards
// into one http.Server with the serve.* limits.
func newAPIServer(cfg config.Config, log *slog.Logger, reg prometheus.Registerer, o apiOptions) (*apiServer, error) {
	a := &apiServer{}
	q, conn, err := openQuerier(cfg, log)
	if err != nil {
		return nil, err
	}
	a.Querier = q
	a.closers = append(a.closers, conn.Close)
	authn, err := newAuthenticator(cfg.Serve)
	if err != nil {
		_ = a.Close()
		return nil, err
	}
	var mounts []query.Route
	if o.Collector {
		prep, err := ingest.NewPreparer(preparerConfig(cfg))
		if err != nil {
			_ = a.Close()
			return nil, err
		}
		kw := stream.NewWriter(cfg.Kafka.Brokers, cfg.Kafka.Topics.Raw)
		a.closers = append(a.closers, kw.Close)
		// Authentication, the ingest scope, rate limits and the body limit
		// are applied by the query server's route wrapper.
		col := ingest.NewCollector(prep, kw, nil, ingest.CollectorConfig{MaxBodyBytes: cfg.Serve.MaxBodyBytes},
			ingest.Settings{Logger: log, Registerer: reg})
		mounts = append(mounts, query.Route{Method: http.MethodPost, Path: ingest.CollectorPath, Scope: auth.ScopeIngest, Handler: col})
	}
	if o.Dashboards {
		var topics []dashboards.Topic
		if tax, err := config.LoadTopics(cfg.Enrich.TopicsFile); err == nil {
			for _, t := range tax.Topics {
				topics = append(topics, dashboards.Topic{ID: t.ID, Name: t.Name, Kind: t.Kind, Brand: t.Brand})
			}
		} else {
			log.Warn("dashboards: topics file not loaded; the UI lists topic ids", "err", err)
		}
		ui := dashboards.Handler(dashboards.Options{AuthMode: cfg.Serve.AuthMode, Topics: topics, Logger: log})
		// The UI shell and its static assets hold no data: they are public,
		// and the pages call the API with the user's token.
		mounts = append(mounts, query.Route{Path: "/", Public: true, Handler: ui},
			// GET /api/v1/topics: the taxonomy, behind the token (the shell is public).
			query.Route{Method: http.MethodGet, Path: "/api/v1/topics", Scope: auth.ScopeRead, Handler: dashboards.TopicsHandler(topics)})
	}
	srv, err := query.NewServer(query.ServerOptions{
		Querier: q, Auth: authn, Logger: log, Registerer: reg, Mounts: mounts,
		MaxBodyBytes: cfg.Serve.MaxBodyBytes, CacheTTL: cfg.Query.CacheTTL,
	})
	if err != nil {
		_ = a.Close()
		return nil, err
	}
	a.HTTP = query.NewHTTPServer(cfg.Serve.Addr, srv, query.HTTPOptions{ReadTimeout: cfg.Serve.ReadTimeout, WriteTimeout: cfg.Serve.WriteTimeout})
	return a, nil
}

// Serve listens on a.HTTP.Addr and serves until ctx is done, then shuts
// down gracefully within timeout.
func (a *apiServer) Serve(ctx context.Context, timeout time.Duration) error {
	ln, err := net.Listen("tcp", a.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("serve: listen %s: %w", a.HTTP.Addr, err)
	}
	errc := make(chan error, 1)
	go func() { errc <- a.HTTP.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	if err := a.HTTP.Shutdown(sctx); err != nil {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

func newServeCmd(g *globalFlags) *cobra.Command {
	var noCollector, noDashboards, noRetention bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the query API, dashboards and collector",
		Long: `Serve answers the query API under /api/v1 (OpenAPI document at
/api/v1/openapi.json), the dashboards at / and the HTTP collector at
POST /v1/posts on serve.addr. /healthz and /readyz are public; every other
route needs "Authorization: Bearer <token>" with the read (API) or ingest
(collector) scope, checked against serve.tokens (SHA-256 digests; see
"undertone token new"). Queries run as clickhouse.readonly_username when set.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := newDaemon(cmd, g, "serve")
			if err != nil {
				return err
			}
			a, err := newAPIServer(d.cfg, d.logger, d.registry, apiOptions{Collector: !noCollector, Dashboards: !noDashboards})
			if err != nil {
				return err
			}
			defer a.Close()
			d.addCheck("clickhouse", a.Querier.Ping)
			if err := a.Querier.Ping(cmd.Context()); err != nil {
				d.logger.Warn("clickhouse not ready; serving 503 until it is", "err", err)
			}
			d.logger.Info("serving", "addr", d.cfg.Serve.Addr, "auth_mode", d.cfg.Serve.AuthMode, "tokens", len(d.cfg.Serve.Tokens),
				"collector", !noCollector, "dashboards", !noDashboards, "query_timeout", d.cfg.Query.Timeout, "max_rows", d.cfg.Query.MaxRows)
			serveFn := func(ctx context.Context) error { return a.Serve(ctx, d.cfg.Admin.ShutdownTimeout) }
			// The weekly report and alert scheduler (reports.enabled, reports.alerts.enabled).
			serveFn, closeReports, err := withReports(cmd.Context(), d.cfg, a.Querier, d.logger, d.registry, serveFn)
			if err != nil {
				return err
			}
			defer closeReports()
			if !noRetention {
				// Drop posts partitions older than store.retention_days every store.retention_every.
				serveFn = withRetention(d.cfg, d.logger.With("stage", "retention"), serveFn)
			}
			return d.run(cmd.Context(), serveFn)
		},
	}
	cmd.Flags().BoolVar(&noCollector, "no-collector", false, "do not mount the HTTP collector (POST /v1/posts)")
	cmd.Flags().BoolVar(&noDashboards, "no-dashboards", false, "do not mount the dashboards at /")
	cmd.Flags().BoolVar(&noRetention, "no-retention", false, "do not run the retention schedule (store.retention_days, store.retention_every)")
	return cmd
}
