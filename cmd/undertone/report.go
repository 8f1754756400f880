package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/undertone/undertone/config"
	"github.com/undertone/undertone/query"
	"github.com/undertone/undertone/report"
)

func newReportCmd(g *globalFlags) *cobra.Command {
	var (
		week    string
		topics  []string
		formats []string
		out     string
		deliver bool
	)
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Render the weekly insight report",
		Long: `Report builds the weekly insight report from the query layer: for each
topic, volume and net sentiment with the week-over-week change, every theme's
share, emerging themes (movers with a significance test), drivers, 2-3
anonymized quotes per highlighted theme (k-anonymity respected), daily
charts, a plain-language summary and a methodology footnote. It writes
self-contained HTML (inline CSS and SVG), Markdown (charts as SVG files
beside it) and PDF (printed by headless Chromium: apt-get install chromium).

Without --week it reports on the last complete ISO week in
reports.timezone. With --deliver it also sends the report to the
destinations in reports.destinations, through the run ledger, so a
Kubernetes CronJob that runs "undertone report --deliver" delivers each
week once even when it is retried.`,
		Example: `  undertone report --week 2026-W47 --format html,md,pdf --out out/reports
  undertone report --topics acme-phone,beta-mobile --format html --out /tmp/r
  undertone report --deliver          # last week, to the configured destinations`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			log := newLogger(cfg.Log, cmd.ErrOrStderr()).With("component", "report")
			ctx := cmd.Context()
			loc, _ := time.LoadLocation(cfg.Reports.Timezone) // validated by config
			wk := report.LastComplete(time.Now(), loc)
			if week != "" {
				if wk, err = report.ParseWeek(week); err != nil {
					return err
				}
			}
			if !cmd.Flags().Changed("format") {
				formats = cfg.Reports.Formats
			}
			if !cmd.Flags().Changed("out") {
				out = cfg.Reports.OutDir
			}
			if len(topics) > 0 {
				cfg.Reports.Topics = topics
			}
			q, conn, err := openQuerier(cfg, log)
			if err != nil {
				return err
			}
			defer conn.Close()
			rep, err := newReporter(cfg, q, formats, nil, log, prometheus.NewRegistry())
			if err != nil {
				return err
			}
			start := time.Now()
			if deliver {
				return deliverOnce(ctx, cfg, rep, wk, log)
			}
			opt := rep.Options
			opt.Week = wk
			d, err := report.Build(ctx, q, opt)
			if err != nil {
				return err
			}
			built := time.Since(start)
			rd, err := report.Render(ctx, d, formats, rep.Printer)
			var pdfErr error
			if errors.Is(err, report.ErrNoChromium) {
				// Write the other formats, then fail: the PDF is missing.
				pdfErr = fmt.Errorf("%w; the other formats were written; or leave pdf out of --format", err)
			} else if err != nil {
				return err
			}
			paths := make([]string, 0, len(rd.Files))
			for name, b := range rd.Files {
				p := filepath.Join(out, name)
				if err := report.WriteFile(p, b); err != nil {
					return err
				}
				paths = append(paths, p)
			}
			sort.Strings(paths)
			log.Info("report written", "week", wk.String(), "topics", len(d.Topics), "build", built.Round(time.Millisecond),
				"render", (time.Since(start) - built).Round(time.Millisecond), "files", len(paths))
			for _, p := range paths {
				if !strings.Contains(p, string(filepath.Separator)+"charts"+string(filepath.Separator)) {
					fmt.Fprintln(cmd.OutOrStdout(), p)
				}
			}
			fmt.Fprintln(cmd.OutOrStdout(), d.Headline)
			return pdfErr
		},
	}
	f := cmd.Flags()
	f.StringVar(&week, "week", "", "ISO week to report on, YYYY-Www (default: the last complete week in reports.timezone)")
	f.StringSliceVar(&topics, "topics", nil, "topic ids to report on (default reports.topics, else every topic in enrich.topics_file)")
	f.StringSliceVar(&formats, "format", []string{"html", "md"}, "formats: html, md, pdf (default reports.formats)")
	f.StringVarP(&out, "out", "o", "", "output directory (default reports.out_dir)")
	f.BoolVar(&deliver, "deliver", false, "send to reports.destinations once per week (run ledger) instead of writing to --out")
	return cmd
}

// deliverOnce runs the weekly-report job for wk through the ledger: a
// second run for the same week (a retried CronJob) finds it done.
func deliverOnce(ctx context.Context, cfg config.Config, rep *report.Reporter, wk report.Week, log *slog.Logger) error {
	ledger, closeLedger, err := openLedger(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeLedger()
	loc, _ := time.LoadLocation(cfg.Reports.Timezone)
	sched, err := report.ParseCron(cfg.Reports.Schedule, loc)
	if err != nil {
		return err
	}
	job := rep.Job(sched, 0)
	job.Period = func(time.Time) string { return wk.String() }
	s, err := report.NewScheduler(schedulerConfig(cfg), ledger, report.Settings{Logger: log}, job)
	if err != nil {
		return err
	}
	out, err := s.Fire(ctx, job, time.Now())
	log.Info("report delivery", "week", wk.String(), "outcome", string(out))
	return err
}

func schedulerConfig(cfg config.Config) report.SchedulerConfig {
	host, _ := os.Hostname()
	return report.SchedulerConfig{
		Replica: fmt.Sprintf("%s-%d", host, os.Getpid()), Settle: cfg.Reports.Settle, Lease: cfg.Reports.Lease,
		RetryEvery: cfg.Reports.RetryEvery,
	}
}

// openLedger returns the configured run ledger.
func openLedger(ctx context.Context, cfg config.Config, log *slog.Logger) (report.Ledger, func(), error) {
	if cfg.Reports.Ledger == "memory" {
		return &report.MemLedger{}, func() {}, nil
	}
	ch := cfg.ClickHouse
	// query.Open does not connect: the ledger creates its table on first
	// use, so serve and the scheduler start while ClickHouse is down.
	conn, err := query.Open(query.DialOptions{Addr: ch.Addr, Username: ch.Username, Password: ch.Password,
		MaxOpenConns: 4, DialTimeout: ch.DialTimeout, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	l, err := report.NewClickHouseLedger(conn, ch.Database)
	if err != nil {
		_ = conn.Close()
		return nil, nil, err
	}
	if err := l.Ensure(ctx); err != nil {
		log.Warn("run ledger not ready; retrying on first use", "err", err)
	}
	return l, func() { _ = conn.Close() }, nil
}

// topicRefs resolves reports.topics (or every topic) against the taxonomy.
func topicRefs(cfg config.Config) ([]report.TopicRef, map[string]string, error) {
	tax, err := config.LoadTopics(cfg.Enrich.TopicsFile)
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{}
	var all []report.TopicRef
	for _, t := range tax.Topics {
		names[t.ID] = t.Name
		all = append(all, report.TopicRef{ID: t.ID, Name: t.Name})
	}
	if len(cfg.Reports.Topics) == 0 {
		return all, names, nil
	}
	var refs []report.TopicRef
	for _, id := range cfg.Reports.Topics {
		n, ok := names[id]
		if !ok {
			return nil, nil, fmt.Errorf("report: topic %q is not in %s", id, cfg.Enrich.TopicsFile)
		}
		refs = append(refs, report.TopicRef{ID: id, Name: n})
	}
	return refs, names, nil
}

// newReporter wires the weekly report: topics, build options, PDF printer
// and the destinations that take reports.
func newReporter(cfg config.Config, src report.Source, formats []string, del *report.Deliverer, log *slog.Logger, reg prometheus.Registerer) (*report.Reporter, error) {
	refs, _, err := topicRefs(cfg)
	if err != nil {
		return nil, err
	}
	loc, _ := time.LoadLocation(cfg.Reports.Timezone)
	if del == nil {
		if del, err = newDeliverer(cfg, log, reg); err != nil {
			return nil, err
		}
	}
	return &report.Reporter{
		Source: src,
		Options: report.BuildOptions{
			Title: cfg.Reports.Title, Topics: refs, MinVolume: cfg.Reports.MinVolume, Alpha: cfg.Reports.Alpha,
			DashboardURL: cfg.Serve.PublicURL, MinAuthors: cfg.Privacy.MinAuthors,
		},
		Formats:   formats,
		Printer:   report.Printer{Chromium: cfg.Reports.Chromium},
		Deliverer: del.To(destinations(cfg, del, "reports")),
		Location:  loc,
		Logger:    log,
	}, nil
}

// newDeliverer builds every configured destination behind one Deliverer
// (one set of metrics); To selects the report or alert subset.
func newDeliverer(cfg config.Config, log *slog.Logger, reg prometheus.Registerer) (*report.Deliverer, error) {
	var dests []report.Destination
	for _, d := range cfg.Reports.Destinations {
		switch d.Type {
		case "dir":
			dests = append(dests, report.Dir{Label: d.Name, Path: d.Path})
		case "email":
			pass := ""
			if d.PasswordEnv != "" {
				pass = os.Getenv(d.PasswordEnv)
			}
			if d.PasswordFile != "" {
				b, err := os.ReadFile(d.PasswordFile)
				if err != nil {
					return nil, fmt.Errorf("reports.destinations %s: password_file: %w", d.Name, err)
				}
				pass = strings.TrimSpace(string(b))
			}
			dests = append(dests, report.Email{Label: d.Name, Addr: d.SMTPAddr, From: d.From, To: d.To, Username: d.Username,
				Password: pass, TLS: d.TLS, Timeout: cfg.Reports.Delivery.Timeout, Attach: d.AttachPDF})
		case "webhook":
			url := d.URL
			if d.URLFile != "" {
				b, err := os.ReadFile(d.URLFile)
				if err != nil {
					return nil, fmt.Errorf("reports.destinations %s: url_file: %w", d.Name, err)
				}
				url = strings.TrimSpace(string(b))
			}
			dests = append(dests, report.Webhook{Label: d.Name, URL: url})
		}
	}
	dl := cfg.Reports.Delivery
	return report.NewDeliverer(dests, report.Retry{Attempts: dl.Attempts, Initial: dl.InitialBackoff, Max: dl.MaxBackoff}, log, reg), nil
}

// destinations returns the configured destinations that take kind
// ("reports" or "alerts"), rebuilt from del's full list by name.
func destinations(cfg config.Config, del *report.Deliverer, kind string) []report.Destination {
	var out []report.Destination
	for _, dst := range del.Destinations() {
		i := slices.IndexFunc(cfg.Reports.Destinations, func(d config.ReportDestination) bool { return d.Name == dst.Name() })
		if i < 0 {
			continue
		}
		d := cfg.Reports.Destinations[i]
		if (kind == "reports" && d.Reports) || (kind == "alerts" && d.Alerts) {
			out = append(out, dst)
		}
	}
	return out
}

// newReportScheduler builds the scheduler of the weekly report and the
// alert rules, as enabled in config; nil when neither is.
func newReportScheduler(ctx context.Context, cfg config.Config, q *query.Querier, log *slog.Logger, reg prometheus.Registerer) (*report.Scheduler, func(), error) {
	r := cfg.Reports
	if !r.Enabled && !r.Alerts.Enabled {
		return nil, func() {}, nil
	}
	log = log.With("component", "reports")
	loc, _ := time.LoadLocation(r.Timezone)
	ledger, closeLedger, err := openLedger(ctx, cfg, log)
	if err != nil {
		return nil, nil, err
	}
	del, err := newDeliverer(cfg, log, reg)
	if err != nil {
		closeLedger()
		return nil, nil, err
	}
	var jobs []report.Job
	if r.Enabled {
		formats := slices.Clone(r.Formats)
		for _, d := range r.Destinations {
			// An e-mail that attaches the PDF needs one rendered.
			if d.Type == "email" && d.Reports && d.AttachPDF && !slices.Contains(formats, "pdf") {
				formats = append(formats, "pdf")
			}
		}
		rep, err := newReporter(cfg, q, formats, del, log, reg)
		if err != nil {
			closeLedger()
			return nil, nil, err
		}
		s, err := report.ParseCron(r.Schedule, loc)
		if err != nil {
			closeLedger()
			return nil, nil, err
		}
		jobs = append(jobs, rep.Job(s, r.CatchUp))
	}
	if r.Alerts.Enabled && len(r.Alerts.Rules) > 0 {
		s, err := report.ParseCron(r.Alerts.Schedule, loc)
		if err != nil {
			closeLedger()
			return nil, nil, err
		}
		_, names, err := topicRefs(cfg)
		if err != nil {
			closeLedger()
			return nil, nil, err
		}
		sc := schedulerConfig(cfg)
		a := &report.Alerter{Source: q, Ledger: ledger, Deliverer: del.To(destinations(cfg, del, "alerts")),
			DashboardURL: cfg.Serve.PublicURL, Replica: sc.Replica}
		rules := make([]report.AlertRule, 0, len(r.Alerts.Rules))
		for _, ar := range r.Alerts.Rules {
			rules = append(rules, report.AlertRule{Name: ar.Name, Topic: ar.Topic, TopicName: names[ar.Topic], Theme: ar.Theme,
				MinLift: ar.MinLift, MaxP: ar.MaxP, MinVolume: ar.MinVolume, Days: ar.Days, Cooldown: ar.Cooldown})
		}
		jobs = append(jobs, a.Jobs(s, rules)...)
	}
	s, err := report.NewScheduler(schedulerConfig(cfg), ledger, report.Settings{Logger: log, Registerer: reg}, jobs...)
	if err != nil {
		closeLedger()
		return nil, nil, err
	}
	log.Info("report scheduler configured", "reports", r.Enabled, "schedule", r.Schedule, "timezone", r.Timezone,
		"alert_rules", len(r.Alerts.Rules), "destinations", len(r.Destinations), "ledger", r.Ledger)
	return s, closeLedger, nil
}

// withReports runs the report scheduler (when enabled) beside fn, for
// undertone serve: both stop when ctx is done; fn's error is returned.
func withReports(ctx context.Context, cfg config.Config, q *query.Querier, log *slog.Logger, reg prometheus.Registerer,
	fn func(context.Context) error) (func(context.Context) error, func(), error) {
	s, closeFn, err := newReportScheduler(ctx, cfg, q, log, reg)
	if err != nil || s == nil {
		return fn, closeFn, err
	}
	return func(ctx context.Context) error {
		sctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = s.Run(sctx)
		}()
		err := fn(ctx)
		cancel()
		<-done
		return err
	}, closeFn, nil
}

func newSchedulerCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "scheduler",
		Short: "Run the weekly report and alert scheduler alone",
		Long: `Scheduler runs the weekly report (reports.schedule in reports.timezone)
and the alert rules (reports.alerts) without the HTTP API; undertone serve
runs the same scheduler when reports.enabled or reports.alerts.enabled is
set. A run missed while no scheduler was up (within reports.catch_up) runs
on start. Any number of replicas may run: the run ledger in ClickHouse
delivers each (report, week) and each alert slot once.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := newDaemon(cmd, g, "scheduler")
			if err != nil {
				return err
			}
			if !d.cfg.Reports.Enabled && !d.cfg.Reports.Alerts.Enabled {
				return errors.New("scheduler: nothing to do: set reports.enabled and/or reports.alerts.enabled")
			}
			q, conn, err := openQuerier(d.cfg, d.logger)
			if err != nil {
				return err
			}
			defer conn.Close()
			d.addCheck("clickhouse", q.Ping)
			s, closeFn, err := newReportScheduler(cmd.Context(), d.cfg, q, d.logger, d.registry)
			if err != nil {
				return err
			}
			defer closeFn()
			return d.run(cmd.Context(), s.Run)
		},
	}
}
