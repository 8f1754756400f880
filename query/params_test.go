package query_test

import (
	"errors"
	"math"
	"net/url"
	"testing"
	"time"

	"github.com/undertone/undertone/query"
)

var now = time.Date(2026, 3, 31, 15, 4, 5, 0, time.UTC)

func TestPeriod(t *testing.T) {
	cases := []struct {
		q, from, to string
		days        int
	}{
		{"topic=a", "2026-03-02", "2026-04-01", 30},
		{"topic=a&period=7d", "2026-03-25", "2026-04-01", 7},
		{"topic=a&period=2w", "2026-03-18", "2026-04-01", 14},
		{"topic=a&period=1m&to=2026-02-28", "2026-01-30", "2026-03-01", 30},
		{"topic=a&from=2026-03-01&to=2026-03-01", "2026-03-01", "2026-03-02", 1},
		{"topic=a&from=2025-03-31", "2025-03-31", "2026-04-01", 366},
	}
	for _, c := range cases {
		t.Run(c.q, func(t *testing.T) {
			v, _ := url.ParseQuery(c.q)
			r, err := query.ParseThemes(v, now)
			if err != nil {
				t.Fatal(err)
			}
			f := r.Filter
			if f.From.Format(time.DateOnly) != c.from || f.To.Format(time.DateOnly) != c.to || f.Days() != c.days {
				t.Fatalf("got %s..%s (%d days), want %s..%s (%d)", f.From.Format(time.DateOnly), f.To.Format(time.DateOnly), f.Days(), c.from, c.to, c.days)
			}
			p := f.Previous()
			if !p.To.Equal(f.From) || p.Days() != f.Days() {
				t.Fatalf("previous %v..%v", p.From, p.To)
			}
		})
	}
}

func TestListsAndEnums(t *testing.T) {
	v, _ := url.ParseQuery("topic=acme-phone&source=reddit,forum&source=reddit&lang=en,pt-br&theme=fears,joys&sentiment=negative&interval=week")
	r, err := query.ParseTrend(v, now)
	if err != nil {
		t.Fatal(err)
	}
	f := r.Filter
	if len(f.Sources) != 2 || len(f.Langs) != 2 || len(f.Themes) != 2 || f.Sentiment != "negative" || r.Interval != "week" {
		t.Fatalf("%+v", r)
	}
	m, err := query.ParseMovers(url.Values{"limit": {"7"}, "alpha": {"0.01"}, "min_volume": {"3"}, "by": {"entity"}}, now, 100)
	if err != nil || m.Limit != 7 || m.Alpha != 0.01 || m.MinVolume != 3 || m.By != "entity" || len(m.Filter.Topics) != 0 {
		t.Fatalf("%+v %v", m, err)
	}
	_, err = query.ParseMovers(url.Values{"limit": {"101"}}, now, 100)
	var pe *query.ParamError
	if !errors.As(err, &pe) || pe.Param != "limit" {
		t.Fatalf("limit over max_rows: %v", err)
	}
}

func TestTwoProportionZ(t *testing.T) {
	// 60/200 vs 40/200: pooled p 0.25, se sqrt(.25*.75*(2/200)) = 0.0433,
	// z = 0.1/0.0433 = 2.309, two-sided p = 0.0209.
	z, p := query.TwoProportionZ(60, 200, 40, 200)
	if math.Abs(z-2.3094) > 1e-3 || math.Abs(p-0.0209) > 1e-3 {
		t.Fatalf("z=%v p=%v", z, p)
	}
	if z, p := query.TwoProportionZ(0, 0, 5, 10); z != 0 || p != 1 {
		t.Fatalf("degenerate: %v %v", z, p)
	}
	if z, p := query.TwoProportionZ(10, 10, 10, 10); z != 0 || p != 1 {
		t.Fatalf("pooled 1: %v %v", z, p)
	}
	z, p = query.PoissonRateZ(120, 80)
	if math.Abs(z-2.8284) > 1e-3 || p > 0.01 {
		t.Fatalf("poisson z=%v p=%v", z, p)
	}
}
