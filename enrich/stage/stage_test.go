package stage_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/goleak"

	"github.com/undertone/undertone/enrich"
	"github.com/undertone/undertone/enrich/enrichtest"
	"github.com/undertone/undertone/enrich/stage"
	"github.com/undertone/undertone/post"
	"github.com/undertone/undertone/stream"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type fakeWriter struct {
	mu   sync.Mutex
	msgs []kafka.Message
	fail error
}

func (w *fakeWriter) WriteMessages(_ context.Context, msgs ...kafka.Message) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fail != nil {
		return w.fail
	}
	w.msgs = append(w.msgs, msgs...)
	return nil
}

func cleanMsg(t testing.TB, offset int64, id, text string) kafka.Message {
	t.Helper()
	b, err := json.Marshal(post.Clean{PostID: "pid-" + id, ID: id, Source: "test", Text: text,
		CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	return kafka.Message{Topic: "posts.clean", Partition: 2, Offset: offset, Key: []byte("pid-" + id), Value: b}
}

func chain(t testing.TB) *enrich.Chain {
	t.Helper()
	c, err := enrich.NewChain(enrich.Settings{}, enrichtest.FailWhen("f", "bad"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var errPerm = errors.New("permanent")

type rejectingSink struct {
	enrichtest.Sink
	down bool
}

func (s *rejectingSink) Write(ctx context.Context, b []post.Enriched) error {
	if s.down {
		return errors.New("clickhouse down")
	}
	for _, p := range b {
		if strings.Contains(p.Text, "reject") {
			return errPerm
		}
	}
	return s.Sink.Write(ctx, b)
}

func TestHandle(t *testing.T) {
	sink := &rejectingSink{}
	enriched, dlq := &fakeWriter{}, &fakeWriter{}
	h := stage.NewHandler(chain(t), sink, enriched, dlq,
		stage.HandlerConfig{Permanent: func(err error) bool { return errors.Is(err, errPerm) }}, nil)
	msgs := []kafka.Message{
		cleanMsg(t, 10, "a", "fine"),
		{Topic: "posts.clean", Partition: 2, Offset: 11, Value: []byte("{not json")},
		cleanMsg(t, 12, "b", "bad but flows"),
		cleanMsg(t, 13, "c", "please reject me"),
		{Topic: "posts.clean", Partition: 2, Offset: 14, Value: []byte(`{"id":"no post id"}`)},
	}
	if err := h.Handle(t.Context(), 2, msgs); err != nil {
		t.Fatal(err)
	}
	got := sink.Posts()
	if len(got) != 2 || got[0].ID != "a" || got[1].ID != "b" {
		t.Fatalf("sink got %+v", got)
	}
	if got[0].Partition != 2 || got[0].Offset != 10 || got[1].Offset != 12 {
		t.Errorf("kafka coordinates not set: %+v", got)
	}
	if len(got[1].Failures) != 1 || got[1].Enrichers["f"] == "" {
		t.Errorf("post b: %+v", got[1])
	}
	if len(enriched.msgs) != 3 || string(enriched.msgs[0].Key) != "pid-a" {
		t.Fatalf("enriched produced %d messages", len(enriched.msgs))
	}
	var e post.Enriched
	if err := json.Unmarshal(enriched.msgs[0].Value, &e); err != nil || e.PostID != "pid-a" {
		t.Errorf("enriched value: %v %+v", err, e)
	}
	reasons := map[int64]string{}
	for _, m := range dlq.msgs {
		if stream.Header(m, stream.HeaderStage) != "enrich" {
			t.Errorf("dlq stage header = %q", stream.Header(m, stream.HeaderStage))
		}
		off := stream.Header(m, stream.HeaderSourceOffset)
		reasons[map[string]int64{"11": 11, "13": 13, "14": 14}[off]] = stream.Header(m, stream.HeaderReason)
	}
	want := map[int64]string{11: stage.ReasonMalformedClean, 13: stage.ReasonSinkRejected, 14: stage.ReasonMalformedClean}
	if len(reasons) != 3 || reasons[11] != want[11] || reasons[13] != want[13] || reasons[14] != want[14] {
		t.Errorf("dlq reasons = %v, want %v", reasons, want)
	}
}

// A transient sink failure fails the batch so the consumer retries it
// (and does not commit); nothing goes to the DLQ.
func TestHandleRetriesTransientSinkErrors(t *testing.T) {
	sink := &rejectingSink{down: true}
	dlq := &fakeWriter{}
	h := stage.NewHandler(chain(t), sink, nil, dlq, stage.HandlerConfig{Permanent: func(err error) bool { return errors.Is(err, errPerm) }}, nil)
	if err := h.Handle(t.Context(), 0, []kafka.Message{cleanMsg(t, 1, "a", "x")}); err == nil {
		t.Fatal("want error while the sink is down")
	}
	if len(dlq.msgs) != 0 {
		t.Errorf("dlq got %d messages", len(dlq.msgs))
	}
	sink.down = false
	if err := h.Handle(t.Context(), 0, []kafka.Message{cleanMsg(t, 1, "a", "x")}); err != nil {
		t.Fatal(err)
	}
	if len(sink.Posts()) != 1 {
		t.Errorf("sink has %d posts", len(sink.Posts()))
	}
}

func TestHandleProduceFailureFailsBatch(t *testing.T) {
	h := stage.NewHandler(chain(t), nil, &fakeWriter{fail: errors.New("kafka down")}, &fakeWriter{}, stage.HandlerConfig{}, nil)
	if err := h.Handle(t.Context(), 0, []kafka.Message{cleanMsg(t, 1, "a", "x")}); err == nil {
		t.Fatal("want error")
	}
}

func TestNewRequiresADestination(t *testing.T) {
	_, err := stage.New(stage.Config{Brokers: []string{"127.0.0.1:1"}, DLQTopic: "d"}, chain(t), nil, stage.Settings{})
	if err == nil {
		t.Fatal("want error without sink and enriched topic")
	}
}

// A cancelled context stops the handler promptly with an error, so the
// consumer neither commits nor waits on a long chain.
func TestHandleCancelled(t *testing.T) {
	slow := enrichtest.Func{N: "slow", Fn: func(ctx context.Context, _ []post.Enriched) error {
		<-ctx.Done()
		return ctx.Err()
	}}
	c, err := enrich.NewChain(enrich.Settings{}, slow)
	if err != nil {
		t.Fatal(err)
	}
	sink := &enrichtest.Sink{}
	h := stage.NewHandler(c, sink, nil, &fakeWriter{}, stage.HandlerConfig{}, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := h.Handle(ctx, 0, []kafka.Message{cleanMsg(t, 1, "a", "x")}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want Canceled", err)
	}
	if len(sink.Posts()) != 0 {
		t.Error("sink written despite cancellation")
	}
}
