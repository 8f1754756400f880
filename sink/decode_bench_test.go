package sink_test

import (
	"encoding/json"
	"testing"

	"github.com/segmentio/kafka-go"

	"github.com/undertone/undertone/sink"
	"github.com/undertone/undertone/store/storetest"
)

// BenchmarkDecode measures decoding one posts.enriched message (JSON) into
// a post, the sink's per-record CPU cost before the store.
func BenchmarkDecode(b *testing.B) {
	posts := storetest.Posts(1000, 2, 4, 1)
	msgs := make([]kafka.Message, len(posts))
	size := 0
	for i := range posts {
		v, err := json.Marshal(&posts[i])
		if err != nil {
			b.Fatal(err)
		}
		msgs[i] = kafka.Message{Value: v, Offset: int64(i)}
		size += len(v)
	}
	b.SetBytes(int64(size / len(msgs)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := sink.Decode(msgs[i%len(msgs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}
