// Package auth authenticates API requests with bearer tokens that the
// configuration stores only as SHA-256 hex digests, checks scopes and applies
// a per-token rate limit.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Scope is a permission a token carries.
type Scope string

// Scopes.
const (
	ScopeRead   Scope = "read"   // query API, dashboards
	ScopeIngest Scope = "ingest" // HTTP collector
	ScopeAdmin  Scope = "admin"  // operational endpoints
)

// Errors returned by Authenticate. Callers branch on them with errors.Is.
var (
	ErrMissing   = errors.New("auth: missing bearer token")
	ErrInvalid   = errors.New("auth: invalid token")
	ErrRevoked   = errors.New("auth: token revoked")
	ErrForbidden = errors.New("auth: token lacks the required scope")
)

// TokenPrefix starts every token NewSecret makes, so leaked tokens are easy
// to recognise in code scanning.
const TokenPrefix = "ut_"

// Token is one configured API token. SHA256 is the lowercase hex SHA-256 of
// the secret; the secret itself is never stored.
type Token struct {
	Name    string
	SHA256  string
	Scopes  []string
	Revoked bool
}

// Principal is the authenticated caller.
type Principal struct {
	Name   string
	Scopes []Scope
}

// Has reports whether p carries scope s.
func (p Principal) Has(s Scope) bool { return slices.Contains(p.Scopes, s) }

// Hash returns the lowercase hex SHA-256 of secret, the form tokens are
// stored in (serve.tokens[].sha256).
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// NewSecret returns a fresh random token secret: TokenPrefix followed by 32
// random bytes, base64url without padding.
func NewSecret() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("auth: random: %w", err)
	}
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

type entry struct {
	sum     [sha256.Size]byte
	p       Principal
	revoked bool
	bucket  *bucket
}

// Options configures an Authenticator.
type Options struct {
	// Disabled accepts every request as the principal "anonymous" with all
	// scopes (serve.auth_mode: none, for local demos only).
	Disabled bool
	Tokens   []Token
	// Rate is the sustained requests per second allowed per token, Burst
	// the bucket size. Rate <= 0 disables rate limiting.
	Rate  float64
	Burst int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Authenticator checks bearer tokens. It is safe for concurrent use.
type Authenticator struct {
	disabled bool
	entries  []entry
	anon     entry
	rate     float64
	burst    int
	now      func() time.Time
}

// New validates the tokens and returns an Authenticator.
func New(opts Options) (*Authenticator, error) {
	a := &Authenticator{disabled: opts.Disabled, rate: opts.Rate, burst: max(opts.Burst, 1), now: opts.Now}
	if a.now == nil {
		a.now = time.Now
	}
	seen := map[string]bool{}
	for i, t := range opts.Tokens {
		raw, err := hex.DecodeString(t.SHA256)
		if err != nil || len(raw) != sha256.Size || strings.ToLower(t.SHA256) != t.SHA256 {
			return nil, fmt.Errorf("auth: token %d (%q): sha256 must be 64 lowercase hex digits", i, t.Name)
		}
		if seen[t.Name] {
			return nil, fmt.Errorf("auth: token %d: duplicate name %q", i, t.Name)
		}
		seen[t.Name] = true
		e := entry{p: Principal{Name: t.Name}, revoked: t.Revoked, bucket: a.newBucket()}
		copy(e.sum[:], raw)
		for _, s := range t.Scopes {
			switch Scope(s) {
			case ScopeRead, ScopeIngest, ScopeAdmin:
				e.p.Scopes = append(e.p.Scopes, Scope(s))
			default:
				return nil, fmt.Errorf("auth: token %q: unknown scope %q (allowed: read, ingest, admin)", t.Name, s)
			}
		}
		a.entries = append(a.entries, e)
	}
	a.anon = entry{p: Principal{Name: "anonymous", Scopes: []Scope{ScopeRead, ScopeIngest, ScopeAdmin}}, bucket: a.newBucket()}
	return a, nil
}

// Authenticate returns the principal for the request's
// "Authorization: Bearer <token>" header. The comparison hashes the
// presented secret and compares it with every stored digest in constant
// time, without stopping at the first match.
func (a *Authenticator) Authenticate(r *http.Request) (Principal, error) {
	e, err := a.lookup(r)
	if err != nil {
		return Principal{}, err
	}
	return e.p, nil
}

func (a *Authenticator) lookup(r *http.Request) (*entry, error) {
	if a.disabled {
		return &a.anon, nil
	}
	h := r.Header.Get("Authorization")
	scheme, secret, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		return nil, ErrMissing
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(secret)))
	found := -1
	for i := range a.entries {
		if subtle.ConstantTimeCompare(sum[:], a.entries[i].sum[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return nil, ErrInvalid
	}
	if a.entries[found].revoked {
		return nil, ErrRevoked
	}
	return &a.entries[found], nil
}

// Allow authenticates r, checks that the principal has scope and takes one
// request from its rate-limit bucket. It returns the principal, and when
// the bucket is empty ok=false with the time to wait before retrying.
func (a *Authenticator) Allow(r *http.Request, scope Scope) (p Principal, ok bool, retry time.Duration, err error) {
	e, err := a.lookup(r)
	if err != nil {
		return Principal{}, false, 0, err
	}
	if !e.p.Has(scope) {
		return e.p, false, 0, ErrForbidden
	}
	ok, retry = e.bucket.take(a.now())
	return e.p, ok, retry, nil
}

func (a *Authenticator) newBucket() *bucket {
	return &bucket{rate: a.rate, burst: float64(a.burst), tokens: float64(a.burst)}
}

// bucket is a token bucket: burst capacity refilled at rate per second.
type bucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func (b *bucket) take(now time.Time) (bool, time.Duration) {
	if b.rate <= 0 {
		return true, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.last.IsZero() {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
	return false, wait
}
