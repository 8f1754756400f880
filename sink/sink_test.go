package sink_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/undertone/undertone/post"
	"github.com/undertone/undertone/sink"
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
