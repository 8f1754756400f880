package report_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/undertone/undertone/report"
)

// smtpServer is a minimal in-process SMTP server (RFC 5321 happy path, no
// TLS, no auth) that keeps every message it accepts.
type smtpServer struct {
	ln       net.Listener
	mu       sync.Mutex
	messages [][]byte
	rcpts    [][]string
	wg       sync.WaitGroup
	// failFirst answers 451 to the first n DATA commands.
	failFirst atomic.Int32
}

func newSMTPServer(t *testing.T) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln}
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Go(func() { s.serve(c) })
		}
	})
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	reply := func(line string) { w.WriteString(line + "\r\n"); w.Flush() }
	reply("220 test ESMTP")
	var rcpts []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			reply("250-test\r\n250-8BITMIME\r\n250 SMTPUTF8")
		case strings.HasPrefix(cmd, "HELO"):
			reply("250 test")
		case strings.HasPrefix(cmd, "MAIL FROM"):
			rcpts = nil
			reply("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO"):
			if strings.Contains(cmd, "REJECT@") {
				reply("550 no such user")
				continue
			}
			rcpts = append(rcpts, strings.TrimSpace(line[len("RCPT TO:"):]))
			reply("250 ok")
		case cmd == "DATA":
			reply("354 go ahead")
			var buf bytes.Buffer
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				buf.WriteString(strings.TrimPrefix(l, "."))
			}
			if s.failFirst.Load() > 0 {
				s.failFirst.Add(-1)
				reply("451 try again later")
				continue
			}
			s.mu.Lock()
			s.messages = append(s.messages, buf.Bytes())
			s.rcpts = append(s.rcpts, rcpts)
			s.mu.Unlock()
			reply("250 queued")
		case cmd == "QUIT":
			reply("221 bye")
			return
		default: // RSET, NOOP
			reply("250 ok")
		}
	}
}

func (s *smtpServer) got() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.messages...)
}

func testMessage() report.Message {
	return report.Message{
		Kind: "report", Subject: "Undertone weekly insight 2026-W47",
		Headline: "Emerging this week: fears around Acme Phone (2.5×)",
		Text:     "Emerging this week: fears around Acme Phone", Link: "https://undertone.example/topic/acme-phone",
		HTML:        []byte("<html><body><h1>Weekly</h1><svg></svg></body></html>"),
		Attachments: []report.Attachment{{Name: "undertone-2026-W47.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 fake")}},
		Files:       map[string][]byte{"undertone-2026-W47.html": []byte("<html></html>"), "charts/a.svg": []byte("<svg/>")},
	}
}

func TestEmailDelivery(t *testing.T) {
	srv := newSMTPServer(t)
	e := report.Email{Label: "team", Addr: srv.ln.Addr().String(), From: "undertone@example.com", To: []string{"a@example.com", "b@example.com"}, TLS: "none", Timeout: 5 * time.Second, Attach: true}
	if err := e.Deliver(t.Context(), testMessage()); err != nil {
		t.Fatal(err)
	}
	msgs := srv.got()
	if len(msgs) != 1 || len(srv.rcpts[0]) != 2 {
		t.Fatalf("server got %d messages, rcpts %v", len(msgs), srv.rcpts)
	}
	m, err := mail.ReadMessage(bytes.NewReader(msgs[0]))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	subj, _ := dec.DecodeHeader(m.Header.Get("Subject"))
	if subj != "Undertone weekly insight 2026-W47" {
		t.Errorf("subject = %q", subj)
	}
	types := map[string]string{}
	walkMIME(t, m.Header.Get("Content-Type"), m.Body, types)
	if !strings.Contains(types["text/html"], "<h1>Weekly</h1>") {
		t.Errorf("no html body: %v", keys(types))
	}
	if !strings.Contains(types["text/plain"], "https://undertone.example/topic/acme-phone") {
		t.Errorf("plain text lacks the link: %q", types["text/plain"])
	}
	if !strings.HasPrefix(types["application/pdf"], "%PDF") {
		t.Errorf("no pdf attachment: %v", keys(types))
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// walkMIME collects the decoded parts of a message by content type.
func walkMIME(t *testing.T, ct string, body io.Reader, into map[string]string) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		t.Fatalf("content type %q: %v", ct, err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		b, _ := io.ReadAll(body)
		into[mt] = string(b)
		return
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		// multipart.Reader decodes quoted-printable itself; base64 we do.
		var r io.Reader = p
		if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
			r = base64Reader(p)
		}
		walkMIME(t, p.Header.Get("Content-Type"), r, into)
	}
}

func TestEmailRejectedRecipientIsPermanent(t *testing.T) {
	srv := newSMTPServer(t)
	e := report.Email{Label: "team", Addr: srv.ln.Addr().String(), From: "undertone@example.com", To: []string{"reject@example.com"}, TLS: "none", Timeout: 5 * time.Second}
	err := e.Deliver(t.Context(), testMessage())
	if err == nil {
		t.Fatal("delivery to a rejected recipient succeeded")
	}
}

func TestWebhookDelivery(t *testing.T) {
	var got report.SlackPayload
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("content type = %q", r.Header.Get("Content-Type"))
		}
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
			t.Error(err)
		}
	}))
	defer srv.Close()
	w := report.Webhook{Label: "slack", URL: srv.URL + "/hooks/secret"}
	if err := w.Deliver(t.Context(), testMessage()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got.Text, "fears around Acme Phone") || !strings.Contains(got.Text, "https://undertone.example/topic/acme-phone") {
		t.Errorf("text = %q", got.Text)
	}
	if len(got.Blocks) != 1 || !strings.Contains(got.Blocks[0].Text.Text, "<https://undertone.example/topic/acme-phone|Open in Undertone>") {
		t.Errorf("blocks = %+v", got.Blocks)
	}
}

func TestDelivererRetriesAndIsolatesFailures(t *testing.T) {
	var calls atomic.Int32
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
		}
	}))
	defer flaky.Close()
	gone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no such hook", http.StatusNotFound)
	}))
	defer gone.Close()
	srv := newSMTPServer(t)
	srv.failFirst.Store(1)
	dir := t.TempDir()
	reg := prometheus.NewRegistry()
	d := report.NewDeliverer([]report.Destination{
		report.Webhook{Label: "flaky", URL: flaky.URL},
		report.Webhook{Label: "gone", URL: gone.URL + "/secret-path"},
		report.Email{Label: "mail", Addr: srv.ln.Addr().String(), From: "u@example.com", To: []string{"a@example.com"}, TLS: "none", Timeout: 5 * time.Second},
		report.Webhook{Label: "down", URL: "http://127.0.0.1:1/x"},
		report.Dir{Label: "dir", Path: dir},
	}, report.Retry{Attempts: 4, Initial: time.Millisecond, Max: 5 * time.Millisecond}, nil, reg)
	res := d.Deliver(t.Context(), testMessage())
	want := []struct {
		ok       bool
		attempts int
	}{{true, 3}, {false, 1}, {true, 2}, {false, 4}, {true, 1}}
	for i, w := range want {
		if res[i].OK != w.ok || res[i].Attempts != w.attempts {
			t.Errorf("%s: ok=%v attempts=%d (%s), want ok=%v attempts=%d", res[i].Destination, res[i].OK, res[i].Attempts, res[i].Error, w.ok, w.attempts)
		}
	}
	if strings.Contains(res[1].Error, "secret-path") {
		t.Errorf("error leaks the webhook path: %s", res[1].Error)
	}
	if _, err := os.Stat(filepath.Join(dir, "charts", "a.svg")); err != nil {
		t.Errorf("dir destination: %v", err)
	}
	if got := sumCounter(t, reg, "undertone_reports_deliveries_total", "failed"); got != 2 {
		t.Errorf("failed deliveries metric = %v, want 2", got)
	}
}

func sumCounter(t *testing.T, reg *prometheus.Registry, name, result string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" && l.GetValue() == result {
					sum += m.GetCounter().GetValue()
				}
			}
		}
	}
	return sum
}

func TestDelivererStopsOnCancel(t *testing.T) {
	d := report.NewDeliverer([]report.Destination{report.Webhook{Label: "down", URL: "http://127.0.0.1:1/x"}},
		report.Retry{Attempts: 100, Initial: time.Hour, Max: time.Hour}, nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	res := d.Deliver(ctx, testMessage())
	if res[0].OK || time.Since(start) > 10*time.Second {
		t.Fatalf("result %+v after %v", res[0], time.Since(start))
	}
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatal(ctx.Err())
	}
}
