//go:build integration

package main

import (
	"context"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/testenv"
)

func TestKafkaCheckLive(t *testing.T) {
	brokers := testenv.Kafka(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := kafkaCheck(append([]string{"127.0.0.1:1"}, brokers...))(ctx); err != nil {
		t.Fatalf("kafkaCheck with a live broker: %v", err)
	}
}
