package report_test

import (
	"context"
	"fmt"
	"time"

	"github.com/undertone/undertone/report"
)

// Mondays at 07:00 in Berlin are 06:00 UTC in winter and 05:00 UTC in
// summer; the report covers the last complete ISO week.
func ExampleParseCron() {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	s, _ := report.ParseCron("0 7 * * mon", berlin)
	at := time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC)
	for range 2 {
		at = s.Next(at)
		fmt.Println(at.UTC().Format(time.RFC3339), report.LastComplete(at, berlin))
	}
	// Output:
	// 2026-03-23T06:00:00Z 2026-W12
	// 2026-03-30T05:00:00Z 2026-W13
}

// A Destination is two methods; the Deliverer retries it with backoff and
// never lets it block the others.
type stdout struct{}

func (stdout) Name() string { return "stdout" }

func (stdout) Deliver(_ context.Context, m report.Message) error {
	fmt.Println(m.Subject + ": " + m.Headline)
	return nil
}

func ExampleDestination() {
	d := report.NewDeliverer([]report.Destination{stdout{}}, report.Retry{Attempts: 3, Initial: time.Second}, nil, nil)
	res := d.Deliver(context.Background(), report.Message{Kind: "alert", Subject: "Undertone alert", Headline: "fears about Acme Phone up 2.4×"})
	fmt.Println(res[0].OK, res[0].Attempts)
	// Output:
	// Undertone alert: fears about Acme Phone up 2.4×
	// true 1
}
