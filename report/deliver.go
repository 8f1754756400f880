package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	mail "github.com/wneessen/go-mail"
)

// ErrPermanent marks a delivery error that retrying cannot fix (a rejected
// recipient, a 4xx webhook answer, a bad directory).
var ErrPermanent = errors.New("permanent delivery failure")

// Message is what a report run or an alert hands to destinations.
type Message struct {
	Kind     string // report, alert
	Subject  string
	Headline string
	// Text is a plain-text body (summary lines and the link).
	Text string
	// Link points to the dashboard view (or the report) that explains it.
	Link string
	// HTML is the full HTML body; empty for plain-text messages.
	HTML []byte
	// Attachments go with e-mail (the PDF).
	Attachments []Attachment
	// Files are written by directory destinations, keyed by relative path.
	Files map[string][]byte
}

// Attachment is one e-mail attachment.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Destination delivers messages somewhere. Deliver blocks until delivered
// or failed; errors wrapping ErrPermanent are not retried. Implementations
// are safe for concurrent use and never retain msg.
type Destination interface {
	Name() string
	Deliver(ctx context.Context, msg Message) error
}

// Retry is the per-destination retry policy: exponential backoff with
// jitter between Attempts tries.
type Retry struct {
	Attempts int
	Initial  time.Duration
	Max      time.Duration
}

// Result is how one destination fared.
type Result struct {
	Destination string `json:"destination"`
	OK          bool   `json:"ok"`
	Attempts    int    `json:"attempts"`
	Error       string `json:"error,omitempty"`
}

// Deliverer fans a message out to every destination concurrently; a
// failing destination never blocks or cancels the others.
type Deliverer struct {
	dests    []Destination
	retry    Retry
	log      *slog.Logger
	total    *prometheus.CounterVec
	attempts *prometheus.CounterVec
}

// NewDeliverer returns a Deliverer. reg and logger may be nil.
func NewDeliverer(dests []Destination, retry Retry, logger *slog.Logger, reg prometheus.Registerer) *Deliverer {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	if retry.Attempts < 1 {
		retry.Attempts = 1
	}
	if retry.Initial <= 0 {
		retry.Initial = time.Second
	}
	if retry.Max < retry.Initial {
		retry.Max = retry.Initial
	}
	f := promauto.With(reg)
	return &Deliverer{
		dests: dests, retry: retry, log: logger.With("component", "delivery"),
		total: f.NewCounterVec(prometheus.CounterOpts{
			Name: "undertone_reports_deliveries_total",
			Help: "Deliveries by destination (as named in config), message kind and result (ok, failed).",
		}, []string{"destination", "kind", "result"}),
		attempts: f.NewCounterVec(prometheus.CounterOpts{
			Name: "undertone_reports_delivery_attempts_total",
			Help: "Delivery attempts, retries included, by destination and result.",
		}, []string{"destination", "result"}),
	}
}

// To returns a Deliverer for dests sharing d's policy, logger and metrics.
func (d *Deliverer) To(dests []Destination) *Deliverer {
	c := *d
	c.dests = dests
	return &c
}

// Destinations returns the destinations, in order.
func (d *Deliverer) Destinations() []Destination { return slices.Clone(d.dests) }

// Deliver sends msg to every destination and returns one Result each, in
// destination order. It blocks until all have finished.
func (d *Deliverer) Deliver(ctx context.Context, msg Message) []Result {
	out := make([]Result, len(d.dests))
	var wg sync.WaitGroup
	for i, dst := range d.dests {
		wg.Go(func() { out[i] = d.deliverOne(ctx, dst, msg) })
	}
	wg.Wait()
	return out
}

func (d *Deliverer) deliverOne(ctx context.Context, dst Destination, msg Message) Result {
	res := Result{Destination: dst.Name()}
	backoff := d.retry.Initial
	var err error
	for res.Attempts < d.retry.Attempts {
		res.Attempts++
		err = dst.Deliver(ctx, msg)
		if err == nil {
			d.attempts.WithLabelValues(dst.Name(), "ok").Inc()
			res.OK = true
			d.total.WithLabelValues(dst.Name(), msg.Kind, "ok").Inc()
			return res
		}
		d.attempts.WithLabelValues(dst.Name(), "error").Inc()
		if errors.Is(err, ErrPermanent) || res.Attempts == d.retry.Attempts {
			break
		}
		d.log.Debug("delivery attempt failed", "destination", dst.Name(), "attempt", res.Attempts, "err", err)
		wait := backoff/2 + rand.N(backoff/2+1)
		backoff = min(backoff*2, d.retry.Max)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			err = fmt.Errorf("%w (after %v)", ctx.Err(), err)
			res.Attempts = d.retry.Attempts
		case <-t.C:
		}
		if ctx.Err() != nil {
			break
		}
	}
	res.Error = err.Error()
	d.total.WithLabelValues(dst.Name(), msg.Kind, "failed").Inc()
	d.log.Error("delivery failed", "destination", dst.Name(), "kind", msg.Kind, "attempts", res.Attempts, "err", err)
	return res
}

// Dir writes a message's files into a directory.
type Dir struct {
	Label string // destination name
	Path  string
}

// Name implements Destination.
func (d Dir) Name() string { return d.Label }

// Deliver implements Destination: each file is written atomically under
// Path; for a message without files it writes <kind>-<time>.txt with Text.
func (d Dir) Deliver(_ context.Context, msg Message) error {
	files := msg.Files
	if len(files) == 0 {
		files = map[string][]byte{fmt.Sprintf("%s-%s.txt", msg.Kind, time.Now().UTC().Format("20060102T150405.000000000")): []byte(msg.Subject + "\n\n" + msg.Text + "\n")}
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		clean := filepath.Clean(n)
		if filepath.IsAbs(clean) || strings.HasPrefix(clean, "..") {
			return fmt.Errorf("dir %s: file %q escapes the directory: %w", d.Path, n, ErrPermanent)
		}
		if err := WriteFile(filepath.Join(d.Path, clean), files[n]); err != nil {
			return fmt.Errorf("dir %s: %w", d.Path, err)
		}
	}
	return nil
}

// Email sends messages over SMTP: the HTML as the body (with a plain-text
// alternative) and the attachments.
type Email struct {
	Label    string
	Addr     string // host:port
	From     string
	To       []string
	Username string
	Password string
	// TLS is mandatory, opportunistic or none (STARTTLS policy).
	TLS     string
	Timeout time.Duration
	// Attach sends the message's attachments (the PDF report); false sends
	// the HTML body only.
	Attach bool
}

// Name implements Destination.
func (e Email) Name() string { return e.Label }

// Deliver implements Destination.
func (e Email) Deliver(ctx context.Context, msg Message) error {
	host, portS, err := net.SplitHostPort(e.Addr)
	if err != nil {
		return fmt.Errorf("email: addr %q: %w", e.Addr, ErrPermanent)
	}
	port, err := strconv.Atoi(portS)
	if err != nil {
		return fmt.Errorf("email: port %q: %w", portS, ErrPermanent)
	}
	policy := mail.TLSOpportunistic
	switch e.TLS {
	case "mandatory":
		policy = mail.TLSMandatory
	case "none":
		policy = mail.NoTLS
	}
	timeout := e.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	opts := []mail.Option{mail.WithPort(port), mail.WithTLSPolicy(policy), mail.WithTimeout(timeout)}
	if e.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(e.Username), mail.WithPassword(e.Password))
	}
	c, err := mail.NewClient(host, opts...)
	if err != nil {
		return fmt.Errorf("email: %w: %w", err, ErrPermanent)
	}
	m := mail.NewMsg()
	if err := m.From(e.From); err != nil {
		return fmt.Errorf("email: from: %w: %w", err, ErrPermanent)
	}
	if err := m.To(e.To...); err != nil {
		return fmt.Errorf("email: to: %w: %w", err, ErrPermanent)
	}
	m.Subject(msg.Subject)
	m.SetDate()
	m.SetMessageID()
	text := msg.Text
	if msg.Link != "" && !strings.Contains(text, msg.Link) {
		text += "\n\n" + msg.Link
	}
	m.SetBodyString(mail.TypeTextPlain, text)
	if len(msg.HTML) > 0 {
		m.AddAlternativeString(mail.TypeTextHTML, string(msg.HTML))
	}
	for _, a := range msg.Attachments {
		if !e.Attach {
			break
		}
		ct := mail.ContentType(a.ContentType)
		if ct == "" {
			ct = mail.TypeAppOctetStream
		}
		if err := m.AttachReader(a.Name, bytes.NewReader(a.Data), mail.WithFileContentType(ct)); err != nil {
			return fmt.Errorf("email: attach %s: %w", a.Name, err)
		}
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		var se *mail.SendError
		if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 {
			return fmt.Errorf("email: %w: %w", err, ErrPermanent)
		}
		return fmt.Errorf("email: %w", err)
	}
	return nil
}

// Webhook posts a Slack-compatible JSON message (text plus a section block
// with the headline and a link).
type Webhook struct {
	Label   string
	URL     string
	Client  *http.Client // nil means a client with a 15 s timeout
	Headers map[string]string
}

// Name implements Destination.
func (w Webhook) Name() string { return w.Label }

// SlackPayload is the JSON body a Webhook posts.
type SlackPayload struct {
	Text   string       `json:"text"`
	Blocks []SlackBlock `json:"blocks,omitempty"`
}

// SlackBlock is one Slack Block Kit section.
type SlackBlock struct {
	Type string     `json:"type"`
	Text *SlackText `json:"text,omitempty"`
}

// SlackText is a Block Kit text object.
type SlackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// Payload builds the webhook body for msg.
func (w Webhook) Payload(msg Message) SlackPayload {
	text := msg.Subject + ": " + msg.Headline
	if msg.Link != "" {
		text += " " + msg.Link
	}
	md := "*" + slackEscape(msg.Subject) + "*\n" + slackEscape(msg.Headline)
	if msg.Link != "" {
		md += "\n<" + msg.Link + "|Open in Undertone>"
	}
	return SlackPayload{Text: text, Blocks: []SlackBlock{{Type: "section", Text: &SlackText{Type: "mrkdwn", Text: md}}}}
}

func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Deliver implements Destination. 4xx answers other than 408 and 429 are
// permanent.
func (w Webhook) Deliver(ctx context.Context, msg Message) error {
	body, err := json.Marshal(w.Payload(msg))
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook: %w: %w", err, ErrPermanent)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "undertone-reports")
	for k, v := range w.Headers {
		req.Header.Set(k, v)
	}
	c := w.Client
	if c == nil {
		c = &http.Client{Timeout: 15 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = fmt.Errorf("webhook: %s answered %s", redactURL(w.URL), resp.Status)
	if resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusRequestTimeout {
		return fmt.Errorf("%w: %w", err, ErrPermanent)
	}
	return err
}

// redactURL keeps scheme and host: webhook paths often carry secrets.
func redactURL(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.IndexByte(u[i+3:], '/'); j >= 0 {
			return u[:i+3+j] + "/…"
		}
	}
	return u
}
