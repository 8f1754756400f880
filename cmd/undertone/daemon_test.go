package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/undertone/undertone/config"
	"github.com/undertone/undertone/internal/admin"
)

func testDaemon(t *testing.T, withAdmin bool) *daemon {
	t.Helper()
	cfg := config.Default()
	cfg.Admin.ShutdownTimeout = 200 * time.Millisecond
	d := &daemon{cfg: cfg, logger: slog.New(slog.DiscardHandler), registry: prometheus.NewRegistry(), component: "test"}
	if withAdmin {
		d.admin = admin.New(admin.Config{Addr: "127.0.0.1:0", ShutdownTimeout: time.Second}, admin.Settings{Gatherer: d.registry})
	}
	return d
}

func TestDaemonRun(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name    string
		fn      func(ctx context.Context) error
		cancel  bool
		wantErr string
	}{
		{name: "stage finishes", fn: func(context.Context) error { return nil }},
		{name: "stage fails", fn: func(context.Context) error { return boom }, wantErr: "test: boom"},
		{
			name:   "signal stops a stage that honours ctx",
			fn:     func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() },
			cancel: true,
		},
		{
			name:    "stage ignoring ctx hits the deadline",
			fn:      func(context.Context) error { time.Sleep(2 * time.Second); return nil },
			cancel:  true,
			wantErr: "did not stop within admin.shutdown_timeout (200ms)",
		},
	} {
		for _, withAdmin := range []bool{false, true} {
			name := tc.name
			if withAdmin {
				name += "/admin"
			}
			t.Run(name, func(t *testing.T) {
				d := testDaemon(t, withAdmin)
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				if tc.cancel {
					time.AfterFunc(50*time.Millisecond, cancel)
				}
				err := d.run(ctx, tc.fn)
				switch {
				case tc.wantErr == "" && err != nil:
					t.Fatalf("run: %v", err)
				case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
					t.Fatalf("run = %v, want error containing %q", err, tc.wantErr)
				}
			})
		}
	}
}

func TestDaemonAdminReadiness(t *testing.T) {
	d := testDaemon(t, true)
	addr, err := d.admin.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	d.addCheck("dep", func(context.Context) error { return nil })
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- d.run(ctx, func(ctx context.Context) error { close(ready); <-ctx.Done(); return nil })
	}()
	<-ready
	resp, err := http.Get("http://" + addr.String() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"dep":"ok"`) {
		t.Fatalf("readyz %d %s", resp.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
}

func TestKafkaCheckUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	err := kafkaCheck([]string{"127.0.0.1:1"})(ctx)
	if err == nil || !strings.Contains(err.Error(), "no kafka broker answered") {
		t.Fatalf("kafkaCheck on a closed port = %v", err)
	}
}
