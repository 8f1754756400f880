package admin_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"go.uber.org/goleak"

	"github.com/undertone/undertone/internal/admin"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code, rec.Body.String()
}

func TestHealthz(t *testing.T) {
	s := admin.New(admin.Config{Addr: "127.0.0.1:0"}, admin.Settings{})
	s.AddCheck("down", func(context.Context) error { return errors.New("down") })
	code, body := get(t, s.Handler(), "/healthz")
	if code != http.StatusOK || body != "ok\n" {
		t.Fatalf("healthz = %d %q, want 200 ok even when a readiness check fails", code, body)
	}
}

func TestReadyz(t *testing.T) {
	for _, tc := range []struct {
		name   string
		checks map[string]admin.Check
		code   int
		status string
		detail map[string]string
	}{
		{name: "no checks", code: 200, status: "ok", detail: map[string]string{}},
		{
			name:   "all ok",
			checks: map[string]admin.Check{"kafka": func(context.Context) error { return nil }},
			code:   200, status: "ok", detail: map[string]string{"kafka": "ok"},
		},
		{
			name: "one failing",
			checks: map[string]admin.Check{
				"kafka":      func(context.Context) error { return nil },
				"clickhouse": func(context.Context) error { return errors.New("dial 127.0.0.1:9000: connection refused") },
			},
			code: 503, status: "unavailable",
			detail: map[string]string{"kafka": "ok", "clickhouse": "dial 127.0.0.1:9000: connection refused"},
		},
		{
			name: "slow check times out",
			checks: map[string]admin.Check{"slow": func(ctx context.Context) error {
				<-ctx.Done()
				return ctx.Err()
			}},
			code: 503, status: "unavailable", detail: map[string]string{"slow": "context deadline exceeded"},
		},
		{
			name:   "panicking check",
			checks: map[string]admin.Check{"bad": func(context.Context) error { panic("boom") }},
			code:   503, status: "unavailable", detail: map[string]string{"bad": "check panicked: boom"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := admin.New(admin.Config{Addr: "127.0.0.1:0", CheckTimeout: 50 * time.Millisecond}, admin.Settings{})
			for n, c := range tc.checks {
				s.AddCheck(n, c)
			}
			code, body := get(t, s.Handler(), "/readyz")
			if code != tc.code {
				t.Fatalf("code %d, want %d (body %s)", code, tc.code, body)
			}
			var got struct {
				Status string            `json:"status"`
				Checks map[string]string `json:"checks"`
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if got.Status != tc.status || len(got.Checks) != len(tc.detail) {
				t.Fatalf("got %+v, want status %s checks %v", got, tc.status, tc.detail)
			}
			for k, v := range tc.detail {
				if got.Checks[k] != v {
					t.Fatalf("check %s = %q, want %q", k, got.Checks[k], v)
				}
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	promauto.With(reg).NewCounter(prometheus.CounterOpts{Name: "undertone_test_things_total", Help: "Things."}).Add(3)
	s := admin.New(admin.Config{Addr: "127.0.0.1:0"}, admin.Settings{Gatherer: reg})
	code, body := get(t, s.Handler(), "/metrics")
	if code != 200 || !strings.Contains(body, "undertone_test_things_total 3") {
		t.Fatalf("metrics = %d\n%s", code, body)
	}
}

// TestRunServesAndShutsDown runs the real listener, then cancels: Run returns
// promptly, readiness reports shutting_down, and no goroutine leaks.
func TestRunServesAndShutsDown(t *testing.T) {
	s := admin.New(admin.Config{Addr: "127.0.0.1:0", ShutdownTimeout: time.Second}, admin.Settings{})
	addr, err := s.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()

	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + addr.String() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("readyz %d %s", resp.StatusCode, b)
	}
	client.CloseIdleConnections()

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if code, body := get(t, s.Handler(), "/readyz"); code != 503 || !strings.Contains(body, "shutting_down") {
		t.Fatalf("after shutdown readyz = %d %s", code, body)
	}
}

func TestListenError(t *testing.T) {
	a := admin.New(admin.Config{Addr: "127.0.0.1:0"}, admin.Settings{})
	addr, err := a.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()

	b := admin.New(admin.Config{Addr: addr.String()}, admin.Settings{})
	if err := b.Run(t.Context()); err == nil || !strings.Contains(err.Error(), "admin: listen "+addr.String()) {
		t.Fatalf("Run on a taken port = %v, want a listen error naming the address", err)
	}
}
