package config_test

import (
	"testing"

	"github.com/undertone/undertone/config"
)

func TestLoadTopicsDefaultFile(t *testing.T) {
	tax, err := config.LoadTopics("topics.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(tax.Topics) < 5 {
		t.Fatalf("got %d topics, want >= 5", len(tax.Topics))
	}
}
