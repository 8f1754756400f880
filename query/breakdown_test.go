package query_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/undertone/undertone/query"
)

func TestParseBreakdown(t *testing.T) {
	now := time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name, q   string
		wantParam string // "" = valid
		wantBy    string
	}{
		{"source", "topic=acme-phone&by=source", "", "source"},
		{"lang with theme", "topic=acme-phone&by=lang&theme=fears&period=7d", "", "lang"},
		{"missing by", "topic=acme-phone", "by", ""},
		{"bad by", "topic=acme-phone&by=author", "by", ""},
		{"no topic", "by=source", "topic", ""},
		{"two topics", "topic=a,b&by=source", "topic", ""},
		{"two themes", "topic=a&by=source&theme=fears,joys", "theme", ""},
		{"unknown param", "topic=a&by=source&x=1", "x", ""},
		{"injection", "topic=a'%20OR%201=1&by=source", "topic", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := url.ParseQuery(c.q)
			if err != nil {
				t.Fatal(err)
			}
			r, err := query.ParseBreakdown(v, now)
			if c.wantParam == "" {
				if err != nil || r.By != c.wantBy {
					t.Fatalf("got %+v, %v", r, err)
				}
				return
			}
			var pe *query.ParamError
			if !asParam(err, &pe) || pe.Param != c.wantParam {
				t.Fatalf("err %v, want a ParamError on %s", err, c.wantParam)
			}
		})
	}
}

func asParam(err error, pe **query.ParamError) bool {
	p, ok := err.(*query.ParamError)
	if ok {
		*pe = p
	}
	return ok
}
