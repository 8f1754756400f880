package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/segmentio/kafka-go"
	"github.com/spf13/cobra"

	"github.com/undertone/undertone/config"
	"github.com/undertone/undertone/internal/admin"
)

// daemon is what every long-running subcommand (ingest, enrich-stage, sink,
// serve, run) shares: the loaded configuration, the process logger, the
// Prometheus registry behind /metrics and the admin server whose /readyz runs
// the checks the stage adds. Wiring a stage takes a few lines:
//
//	RunE: func(cmd *cobra.Command, _ []string) error {
//		d, err := newDaemon(cmd, g, "sink")
//		if err != nil {
//			return err
//		}
//		st, err := sink.New(..., sink.Settings{Logger: d.logger, Registerer: d.registry})
//		if err != nil {
//			return err
//		}
//		d.admin.AddCheck("clickhouse", st.Ping)
//		return d.run(cmd.Context(), st.Run)
//	}
type daemon struct {
	cfg       config.Config
	logger    *slog.Logger
	registry  *prometheus.Registry
	admin     *admin.Server // nil when admin.addr is empty
	component string
}

// newDaemon loads the configuration and builds the logger (with
// component=<component>), a registry with the Go and process collectors, and
// the admin server (not listening until run).
func newDaemon(cmd *cobra.Command, g *globalFlags, component string) (*daemon, error) {
	cfg, err := g.load()
	if err != nil {
		return nil, err
	}
	d := &daemon{
		cfg:       cfg,
		logger:    newLogger(cfg.Log, cmd.ErrOrStderr()).With("component", component),
		registry:  prometheus.NewRegistry(),
		component: component,
	}
	d.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	if cfg.Admin.Addr != "" {
		d.admin = admin.New(admin.Config{Addr: cfg.Admin.Addr, ShutdownTimeout: cfg.Admin.ShutdownTimeout},
			admin.Settings{Logger: d.logger, Gatherer: d.registry})
	}
	if kafkaStages[component] {
		d.addCheck("kafka", kafkaCheck(cfg.Kafka.Brokers))
	}
	return d, nil
}

// kafkaStages are the components that cannot make progress without Kafka;
// newDaemon gives them a "kafka" readiness check.
var kafkaStages = map[string]bool{"ingest": true, "enrich": true, "sink": true}

// kafkaCheck is a readiness check that passes when any of brokers answers an
// ApiVersions request before ctx is done.
func kafkaCheck(brokers []string) admin.Check {
	return func(ctx context.Context) error {
		var d kafka.Dialer
		var errs []error
		for _, b := range brokers {
			conn, err := d.DialContext(ctx, "tcp", b)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if dl, ok := ctx.Deadline(); ok {
				_ = conn.SetDeadline(dl)
			}
			_, err = conn.ApiVersions()
			_ = conn.Close()
			if err == nil {
				return nil
			}
			errs = append(errs, fmt.Errorf("%s: %w", b, err))
		}
		return fmt.Errorf("no kafka broker answered: %w", errors.Join(errs...))
	}
}

// addCheck registers a readiness check when the admin server is enabled.
func (d *daemon) addCheck(name string, c admin.Check) {
	if d.admin != nil {
		d.admin.AddCheck(name, c)
	}
}

// run runs fn and the admin server until fn returns or ctx is done (main's
// ctx is cancelled by SIGINT/SIGTERM). On shutdown, /readyz turns 503 at
// once, fn's ctx is cancelled and fn gets admin.shutdown_timeout to finish
// the batch in hand and return; past that, or on a second signal, run
// returns an error and the process exits without waiting. A fn that returns
// nil or context.Canceled after shutdown began is a clean stop.
func (d *daemon) run(ctx context.Context, fn func(ctx context.Context) error) error {
	stageCtx, cancelStage := context.WithCancel(ctx)
	defer cancelStage()
	adminCtx, cancelAdmin := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelAdmin()

	adminErr := make(chan error, 1)
	if d.admin != nil {
		if _, err := d.admin.Listen(); err != nil {
			return err
		}
		go func() { adminErr <- d.admin.Run(adminCtx) }()
	}
	stageErr := make(chan error, 1)
	go func() { stageErr <- fn(stageCtx) }()
	d.logger.Info("started", "admin_addr", d.cfg.Admin.Addr)

	var err error
	select {
	case err = <-stageErr:
		// The stage stopped by itself (finished or failed).
		cancelAdmin()
		if aerr := d.waitAdmin(adminErr); err == nil {
			err = aerr
		}
		if err != nil {
			return fmt.Errorf("%s: %w", d.component, err)
		}
		d.logger.Info("stopped")
		return nil
	case err = <-adminErr:
		d.logger.Error("admin server failed; stopping", "err", err)
		d.admin = nil
	case <-ctx.Done():
		d.logger.Info("shutting down", "deadline", d.cfg.Admin.ShutdownTimeout.String())
	}

	// Catch a second signal while draining. Registered only now: a channel
	// registered before the first signal would receive that one too and
	// end the drain at once.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	// Drain: not ready, stop the stage, wait up to the deadline.
	if d.admin != nil {
		d.admin.MarkShuttingDown()
	}
	cancelStage()
	deadline := time.NewTimer(d.cfg.Admin.ShutdownTimeout)
	defer deadline.Stop()
	select {
	case serr := <-stageErr:
		if serr != nil && !errors.Is(serr, context.Canceled) && err == nil {
			err = serr
		}
	case <-deadline.C:
		err = fmt.Errorf("%s: did not stop within admin.shutdown_timeout (%s); exiting with work in flight (it will be redelivered)",
			d.component, d.cfg.Admin.ShutdownTimeout)
	case s := <-sigs:
		err = fmt.Errorf("%s: second %s during shutdown; exiting without waiting (in-flight work will be redelivered)", d.component, s)
	}
	cancelAdmin()
	if d.admin != nil {
		if aerr := d.waitAdmin(adminErr); err == nil {
			err = aerr
		}
	}
	if err != nil {
		return err
	}
	d.logger.Info("stopped")
	return nil
}

func (d *daemon) waitAdmin(adminErr <-chan error) error {
	if d.admin == nil {
		return nil
	}
	select {
	case err := <-adminErr:
		return err
	case <-time.After(d.cfg.Admin.ShutdownTimeout + time.Second):
		return errors.New("admin server did not stop")
	}
}
