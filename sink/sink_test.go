package sink_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/undertone/undertone/post"
	"github.com/undertone/undertone/sink"
	"github.com/undertone/undertone/store/storetest"
	"github.com/undertone/undertone/stream"
)

type fakeStore struct {
	got []post.Enriched
	err error
}

func (f *fakeStore) Write(_ context.Context, b []post.Enriched) error {
	if f.err != nil {
		return f.err
	}
	f.got = append(f.got, b...)
	return nil
}

type fakeDLQ struct{ got []kafka.Message }

func (f *fakeDLQ) WriteMessages(_ context.Context, m ...kafka.Message) error {
	f.got = append(f.got, m...)
	return nil
}

func msg(t *testing.T, p post.Enriched, off int64) kafka.Message {
	t.Helper()
	v, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return kafka.Message{Topic: "posts.enriched", Partition: 3, Offset: off, Key: []byte(p.PostID), Value: v}
}

func TestHandle(t *testing.T) {
	good := post.NewEnriched(post.Clean{PostID: "p1", ID: "1", Source: "forum", CreatedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Text: "x"})
	noID := good
	noID.PostID = ""
	tests := []struct {
		name      string
		msgs      []kafka.Message
		stored    int
		dlq       []string
		storeErr  error
		wantError bool
	}{
		{name: "valid", msgs: []kafka.Message{msg(t, good, 7)}, stored: 1},
		{name: "malformed and invalid go to dlq", msgs: []kafka.Message{
			{Topic: "posts.enriched", Partition: 3, Offset: 1, Value: []byte("{not json")},
			msg(t, noID, 2), msg(t, good, 3),
		}, stored: 1, dlq: []string{sink.ReasonMalformedJSON, sink.ReasonInvalid}},
		{name: "store error fails the batch", msgs: []kafka.Message{msg(t, good, 1)}, storeErr: errors.New("down"), wantError: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, dlq := &fakeStore{err: tc.storeErr}, &fakeDLQ{}
			err := sink.NewHandler(st, dlq, nil).Handle(t.Context(), 3, tc.msgs)
			if (err != nil) != tc.wantError {
				t.Fatalf("Handle error %v, want error %v", err, tc.wantError)
			}
			if tc.wantError {
				if len(dlq.got) != 0 {
					t.Fatalf("DLQ written although the store failed")
				}
				return
			}
			if len(st.got) != tc.stored {
				t.Fatalf("stored %d, want %d", len(st.got), tc.stored)
			}
			for _, p := range st.got {
				if p.Partition != 3 || p.Offset == 0 {
					t.Errorf("stored post without Kafka coordinates: partition %d offset %d", p.Partition, p.Offset)
				}
			}
			if len(dlq.got) != len(tc.dlq) {
				t.Fatalf("dlq %d messages, want %d", len(dlq.got), len(tc.dlq))
			}
			for i, r := range tc.dlq {
				if got := stream.Header(dlq.got[i], stream.HeaderReason); got != r {
					t.Errorf("dlq[%d] reason %q, want %q", i, got, r)
				}
				if got := stream.Header(dlq.got[i], stream.HeaderStage); got != sink.StageName {
					t.Errorf("dlq[%d] stage %q", i, got)
				}
			}
		})
	}
}

// TestDecodeMatchesEncodingJSON: the v2 decoder reads what the enrich
// stage writes (post.Enriched.AppendJSON and encoding/json) exactly as
// encoding/json does.
func TestDecodeMatchesEncodingJSON(t *testing.T) {
	posts := storetest.Posts(300, 3, 2, 9)
	posts[0].Text = "quote \" backslash \\ tab \t emoji 😀 <html> & é"
	posts[1].Failures = []post.Failure{{Enricher: "emotion", Reason: "boom"}}
	posts[2].IngestedAt = time.Time{}
	for i := range posts {
		for _, enc := range []struct {
			name string
			b    []byte
		}{{"append", posts[i].AppendJSON(nil)}, {"encoding/json", mustJSON(t, &posts[i])}} {
			var want post.Enriched
			if err := json.Unmarshal(enc.b, &want); err != nil {
				t.Fatal(err)
			}
			want.Partition, want.Offset = 1, 42
			got, err := sink.Decode(kafka.Message{Value: enc.b, Partition: 1, Offset: 42})
			if err != nil {
				t.Fatalf("post %d (%s): %v", i, enc.name, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("post %d (%s): v2 decode differs:\n got %+v\nwant %+v", i, enc.name, got, want)
			}
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
