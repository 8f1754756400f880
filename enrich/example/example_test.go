package example_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/undertone/undertone/enrich"
	"github.com/undertone/undertone/enrich/enrichtest"
	"github.com/undertone/undertone/enrich/example"
	"github.com/undertone/undertone/post"
)

// Every enricher runs the conformance suite.
func TestConformance(t *testing.T) {
	enrichtest.Run(t, func(t testing.TB) enrich.Enricher {
		e, err := example.New(*example.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		return e
	})
}

func TestConfigFromRegistry(t *testing.T) {
	reg, err := enrich.NewRegistry(example.NewFactory())
	if err != nil {
		t.Fatal(err)
	}
	_, err = reg.Build([]string{"wish"}, map[string]map[string]any{"wish": {"phrazes": []string{"x"}}}, enrich.Settings{})
	if want := "enrich.enrichers.wish.phrazes: unknown setting"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
	_, err = reg.Build([]string{"wish"}, map[string]map[string]any{"wish": {"phrases": []string{}}}, enrich.Settings{})
	if want := "enrich.enrichers.wish: phrases: empty: want at least one phrase"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}

// Example shows the whole contract: a registry built from explicit
// factories, a chain built from config, and a batch enriched in place with
// each enricher's version recorded.
func Example() {
	reg, err := enrich.NewRegistry(example.NewFactory())
	if err != nil {
		panic(err)
	}
	chain, err := reg.Build(
		[]string{"wish"}, // enrich.chain
		map[string]map[string]any{"wish": {"phrases": []string{"i wish"}}}, // enrich.enrichers
		enrich.Settings{},
	)
	if err != nil {
		panic(err)
	}
	batch := []post.Enriched{
		post.NewEnriched(post.Clean{ID: "1", Text: "I wish the Acme battery lasted a day"}),
		post.NewEnriched(post.Clean{ID: "2", Text: "Battery is fine"}),
	}
	if err := chain.Enrich(context.Background(), batch); err != nil {
		panic(err)
	}
	for _, p := range batch {
		fmt.Println(p.ID, p.Themes, p.Enrichers)
	}
	// Output:
	// 1 [desires] map[wish:1]
	// 2 [] map[wish:1]
}
