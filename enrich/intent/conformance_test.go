package intent_test

import (
	"testing"

	"github.com/undertone/undertone/enrich"
	"github.com/undertone/undertone/enrich/enrichtest"
	"github.com/undertone/undertone/enrich/intent"
)

func TestConformance(t *testing.T) {
	enrichtest.Run(t, func(t testing.TB) enrich.Enricher {
		e, err := intent.New(intent.Config{})
		if err != nil {
			t.Fatal(err)
		}
		return e
	})
}
