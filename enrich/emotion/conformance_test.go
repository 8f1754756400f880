package emotion_test

import (
	"testing"

	"github.com/undertone/undertone/enrich"
	"github.com/undertone/undertone/enrich/enrichtest"
)

func TestConformance(t *testing.T) {
	enrichtest.Run(t, func(t testing.TB) enrich.Enricher { return newEnricher(t) })
}
