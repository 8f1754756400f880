package ingest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// kafka-go's DefaultTransport keeps idle connection pools for the life of
// the process (writers without their own Transport share it); they are not
// leaks of this package.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("github.com/segmentio/kafka-go.(*connPool).discover"),
		goleak.IgnoreTopFunction("github.com/segmentio/kafka-go.(*conn).run"),
	)
}
