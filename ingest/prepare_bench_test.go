package ingest_test

import (
	"testing"
)

var benchRecords = [][]byte{
	[]byte(`{"schema_version":1,"id":"f-1029384","source":"forum","text":"Honestly my Acme Phone battery started swelling after the 2.4.1 update, anyone else? DM me @battery_victim or mail jo.doe@example.com","created_at":"2026-03-01T09:30:00Z","author":"jdoe99","url":"https://forum.example.com/t/1029384"}`),
	[]byte(`{"id":"r-77","source":"reviews","text":"Love love love the Zenith latte, $4.50 well spent. 5 stars!","created_at":"2026-02-27T18:02:11Z","author":"u-8812","lang":"en"}`),
	[]byte(`{"id":"m-5","source":"microblog","text":"Beta Mobile support kept me on hold for 45 minutes, call +1 (555) 123-4567 they said. #fail 😤","created_at":"2026-02-28T07:15:00Z","author":"@angrycat"}`),
	[]byte(`{"id":"c-1","source":"confessions","text":"I'm scared to tell my partner I spent 1,299.99 on the new Acme Phone when we are behind on rent","created_at":"2026-02-25T23:59:59Z"}`),
}

// BenchmarkPrepare measures decode + validate + normalize + language
// detection + anonymization + hashing per post.
func BenchmarkPrepare(b *testing.B) {
	p := newPreparer(b)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := p.Prepare(benchRecords[n%len(benchRecords)]); err != nil {
			b.Fatal(err)
		}
		n++
	}
}

// BenchmarkPrepareGenerated runs Prepare over a realistic mix of 5000
// generated posts (about 5% non-English, 5% with PII).
func BenchmarkPrepareGenerated(b *testing.B) {
	lines := generatedLines(b, 5000)
	p := newPreparer(b)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := p.Prepare(lines[n%len(lines)]); err != nil {
			b.Fatal(err)
		}
		n++
	}
}
