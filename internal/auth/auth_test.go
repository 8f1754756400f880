package auth_test

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/auth"
)

func newAuth(t *testing.T, now func() time.Time) *auth.Authenticator {
	t.Helper()
	a, err := auth.New(auth.Options{
		Tokens: []auth.Token{
			{Name: "analyst", SHA256: auth.Hash("ut_reader"), Scopes: []string{"read"}},
			{Name: "collector", SHA256: auth.Hash("ut_ingest"), Scopes: []string{"ingest"}},
			{Name: "old", SHA256: auth.Hash("ut_old"), Scopes: []string{"read"}, Revoked: true},
		},
		Rate: 1, Burst: 2, Now: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAllow(t *testing.T) {
	a := newAuth(t, nil)
	cases := []struct {
		name, header string
		scope        auth.Scope
		want         error
	}{
		{"no header", "", auth.ScopeRead, auth.ErrMissing},
		{"basic scheme", "Basic dXNlcjpwYXNz", auth.ScopeRead, auth.ErrMissing},
		{"empty bearer", "Bearer ", auth.ScopeRead, auth.ErrMissing},
		{"unknown token", "Bearer ut_nope", auth.ScopeRead, auth.ErrInvalid},
		{"digest as token", "Bearer " + auth.Hash("ut_reader"), auth.ScopeRead, auth.ErrInvalid},
		{"revoked", "Bearer ut_old", auth.ScopeRead, auth.ErrRevoked},
		{"wrong scope", "Bearer ut_ingest", auth.ScopeRead, auth.ErrForbidden},
		{"ok", "Bearer ut_reader", auth.ScopeRead, nil},
		{"ok lowercase scheme", "bearer ut_reader", auth.ScopeRead, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/v1/themes", nil)
			if c.header != "" {
				r.Header.Set("Authorization", c.header)
			}
			_, _, _, err := a.Allow(r, c.scope)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
}

func TestRateLimitPerToken(t *testing.T) {
	now := time.Unix(1000, 0)
	a := newAuth(t, func() time.Time { return now })
	get := func(tok string) bool {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		_, ok, _, err := a.Allow(r, auth.ScopeRead)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	first, second := get("ut_reader"), get("ut_reader")
	if !first || !second {
		t.Fatal("burst of 2 refused")
	}
	if get("ut_reader") {
		t.Fatal("third request within burst allowed")
	}
	now = now.Add(time.Second)
	if !get("ut_reader") {
		t.Fatal("refill after 1s refused")
	}
	// Another token has its own bucket.
	a2, _ := auth.New(auth.Options{Tokens: []auth.Token{{Name: "x", SHA256: auth.Hash("a"), Scopes: []string{"read"}}, {Name: "y", SHA256: auth.Hash("b"), Scopes: []string{"read"}}}, Rate: 1, Burst: 1})
	for _, tok := range []string{"a", "b"} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		if _, ok, _, _ := a2.Allow(r, auth.ScopeRead); !ok {
			t.Fatalf("token %s limited by another token's bucket", tok)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for name, toks := range map[string][]auth.Token{
		"short digest": {{Name: "a", SHA256: "abc"}},
		"upper hex":    {{Name: "a", SHA256: strings.ToUpper(auth.Hash("x"))}},
		"bad scope":    {{Name: "a", SHA256: auth.Hash("x"), Scopes: []string{"root"}}},
		"dup name":     {{Name: "a", SHA256: auth.Hash("x")}, {Name: "a", SHA256: auth.Hash("y")}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := auth.New(auth.Options{Tokens: toks}); err == nil {
				t.Fatal("want error")
			}
		})
	}
}

func TestNewSecret(t *testing.T) {
	s1, err := auth.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := auth.NewSecret()
	if s1 == s2 || !strings.HasPrefix(s1, auth.TokenPrefix) || len(s1) < 40 {
		t.Fatalf("weak secrets %q %q", s1, s2)
	}
	if len(auth.Hash(s1)) != 64 {
		t.Fatal("hash length")
	}
}

func TestDisabled(t *testing.T) {
	a, _ := auth.New(auth.Options{Disabled: true})
	p, ok, _, err := a.Allow(httptest.NewRequest("GET", "/", nil), auth.ScopeAdmin)
	if err != nil || !ok || p.Name != "anonymous" {
		t.Fatalf("disabled auth: %v %v %v", p, ok, err)
	}
}
