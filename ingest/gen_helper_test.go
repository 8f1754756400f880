package ingest_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/undertone/undertone/config"
	"github.com/undertone/undertone/ingest/generate"
)

// generatedLines returns n synthetic JSONL records from the repo taxonomy.
func generatedLines(tb testing.TB, n int) [][]byte {
	tb.Helper()
	tax, err := config.LoadTopics("../config/topics.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	var topics []generate.Topic
	for _, tp := range tax.Topics {
		topics = append(topics, generate.Topic{ID: tp.ID, Name: tp.Name, Kind: tp.Kind, Aliases: tp.Aliases, Features: tp.Features})
	}
	g, err := generate.New(generate.Config{Posts: n, Days: 14, Seed: 42, Start: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Topics: topics})
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := g.WriteTo(&buf); err != nil {
		tb.Fatal(err)
	}
	return bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
}
