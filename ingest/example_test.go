package ingest_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/undertone/undertone/ingest"
)

// The Preparer turns a raw schema v1 record into a clean, anonymized post,
// or says why it rejects it.
func Example() {
	p, err := ingest.NewPreparer(ingest.PreparerConfig{
		PseudonymKey:   []byte("example-key-0123456789abcdef"),
		PseudonymKeyID: "k1",
		MaxTextBytes:   20000,
		Languages:      []string{"en"},
		Now:            func() time.Time { return time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		panic(err)
	}
	c, err := p.Prepare([]byte(`{"id":"42","source":"forum","created_at":"2026-03-01T09:30:00Z","author":"jdoe",
		"text":"My Acme Phone  battery is swelling!! mail me: jo@example.com or call +44 20 7946 0958"}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Text)
	fmt.Println(c.Lang, len(c.PostID), len(c.AuthorPseudonym), c.AuthorKeyID)

	_, err = p.Prepare([]byte(`{"id":"43","source":"forum","text":"hi","created_at":"yesterday"}`))
	var re *ingest.RejectError
	if errors.As(err, &re) {
		fmt.Println(re.Reason, re.Field)
	}
	// Output:
	// My Acme Phone battery is swelling!! mail me: <EMAIL> or call <PHONE>
	// en 32 32 k1
	// invalid_created_at created_at
}
