package enrich_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"github.com/undertone/undertone/enrich"
	"github.com/undertone/undertone/enrich/enrichtest"
	"github.com/undertone/undertone/post"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type cfg struct {
	Level int    `mapstructure:"level"`
	Mode  string `mapstructure:"mode"`
}

func (c *cfg) Validate() error {
	if c.Level < 0 {
		return errors.New("level: must be >= 0")
	}
	return nil
}

func factory(name string) enrich.Factory {
	return enrich.Factory{
		Name:          name,
		DefaultConfig: func() enrich.Config { return &cfg{Level: 1, Mode: "a"} },
		New: func(c enrich.Config, _ enrich.Settings) (enrich.Enricher, error) {
			cc := c.(*cfg)
			return enrichtest.Func{N: name, V: cc.Mode, Fn: func(ctx context.Context, b []post.Enriched) error {
				for i := range b {
					b[i].Intents = append(b[i].Intents, name)
				}
				return nil
			}}, nil
		},
	}
}

func TestNewRegistry(t *testing.T) {
	if _, err := enrich.NewRegistry(factory("a"), factory("a")); err == nil || !strings.Contains(err.Error(), `duplicate enricher factory "a"`) {
		t.Errorf("duplicate: err = %v", err)
	}
	if _, err := enrich.NewRegistry(enrich.Factory{Name: "x"}); err == nil {
		t.Error("incomplete factory: want error")
	}
	r, err := enrich.NewRegistry(factory("b"), factory("a"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.Names(), ","); got != "a,b" {
		t.Errorf("Names = %s", got)
	}
}

func TestBuild(t *testing.T) {
	r, err := enrich.NewRegistry(factory("a"), factory("b"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		chain    []string
		settings map[string]map[string]any
		wantErr  string
	}{
		{"ok", []string{"b", "a"}, map[string]map[string]any{"a": {"mode": "z", "level": 3}}, ""},
		{"unknown enricher", []string{"c"}, nil, `enrich.chain: unknown enricher "c", known: a, b`},
		{"twice", []string{"a", "a"}, nil, `enrich.chain: "a" listed twice`},
		{"unknown key", []string{"a"}, map[string]map[string]any{"a": {"levle": 3}}, "enrich.enrichers.a.levle: unknown setting"},
		{"bad type", []string{"a"}, map[string]map[string]any{"a": {"level": "high"}}, "enrich.enrichers.a: "},
		{"invalid", []string{"a"}, map[string]map[string]any{"a": {"level": -1}}, "enrich.enrichers.a: level: must be >= 0"},
		{"settings of unknown enricher", []string{"a"}, map[string]map[string]any{"zz": {}}, "enrich.enrichers.zz: unknown enricher"},
		{"settings of disabled enricher checked", []string{"a"}, map[string]map[string]any{"b": {"nope": 1}}, "enrich.enrichers.b.nope: unknown setting"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := r.Build(tt.chain, tt.settings, enrich.Settings{})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if tt.name == "ok" {
					if got := strings.Join(c.Names(), ","); got != "b,a" {
						t.Errorf("order = %s", got)
					}
					if v := c.Versions()["a"]; v != "z" {
						t.Errorf("settings not applied: version %q", v)
					}
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want prefix %q", err, tt.wantErr)
			}
		})
	}
}

func TestChainIsolatesFailuresAndRecordsVersions(t *testing.T) {
	reg := prometheus.NewRegistry()
	c, err := enrich.NewChain(enrich.Settings{Registerer: reg},
		enrichtest.FailWhen("fails", "bad"),
		enrichtest.PanicWhen("panics", "boom"),
	)
	if err != nil {
		t.Fatal(err)
	}
	b := []post.Enriched{
		post.NewEnriched(post.Clean{ID: "1", Text: "fine"}),
		post.NewEnriched(post.Clean{ID: "2", Text: "bad one"}),
		post.NewEnriched(post.Clean{ID: "3", Text: "boom"}),
	}
	if err := c.Enrich(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	if len(b[0].Failures) != 0 || len(b[0].Intents) != 1 {
		t.Errorf("post 1: %+v", b[0])
	}
	if len(b[1].Failures) != 1 || b[1].Failures[0].Enricher != "fails" || len(b[1].Intents) != 1 {
		t.Errorf("post 2: %+v", b[1])
	}
	if len(b[2].Failures) != 1 || b[2].Failures[0].Enricher != "panics" || !strings.Contains(b[2].Failures[0].Reason, "boom") {
		t.Errorf("post 3: %+v", b[2])
	}
	for _, p := range b {
		if p.Enrichers["fails"] != "test" || p.Enrichers["panics"] != "test" {
			t.Errorf("post %s enrichers = %v", p.ID, p.Enrichers)
		}
	}
	if got := metric(t, reg, "undertone_enrich_failures_total", "fails"); got != 1 {
		t.Errorf("failures{fails} = %v", got)
	}
	if got := metric(t, reg, "undertone_enrich_failures_total", "panics"); got != 1 {
		t.Errorf("failures{panics} = %v", got)
	}
	if got := metric(t, reg, "undertone_enrich_duration_seconds", "fails"); got != 1 {
		t.Errorf("duration{fails} count = %v, want 1 observation", got)
	}
	// A second chain on the same registry reuses the collectors.
	if _, err := enrich.NewChain(enrich.Settings{Registerer: reg}, enrichtest.Func{N: "x"}); err != nil {
		t.Errorf("second chain: %v", err)
	}
}

// metric returns a counter's value or a histogram's sample count.
func metric(t *testing.T, reg *prometheus.Registry, name, enricher string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "enricher" && l.GetValue() == enricher {
					if h := m.GetHistogram(); h != nil {
						return float64(h.GetSampleCount())
					}
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no %s{enricher=%q}", name, enricher)
	return 0
}

// A panic after partial work does not leave duplicates: the batch is
// restored before the per-post retry.
func TestChainPanicRestoresPartialWork(t *testing.T) {
	partial := enrichtest.Func{N: "partial", Fn: func(_ context.Context, b []post.Enriched) error {
		for i := range b {
			b[i].Intents = append(b[i].Intents, "question")
			if strings.Contains(b[i].Text, "boom") {
				panic("boom")
			}
		}
		return nil
	}}
	c, err := enrich.NewChain(enrich.Settings{}, partial)
	if err != nil {
		t.Fatal(err)
	}
	b := []post.Enriched{
		post.NewEnriched(post.Clean{ID: "1", Text: "a"}),
		post.NewEnriched(post.Clean{ID: "2", Text: "boom"}),
		post.NewEnriched(post.Clean{ID: "3", Text: "c"}),
	}
	if err := c.Enrich(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	if len(b[0].Intents) != 1 || len(b[2].Intents) != 1 {
		t.Errorf("intents after retry: %v %v (want exactly one each)", b[0].Intents, b[2].Intents)
	}
	if len(b[1].Failures) != 1 || len(b[1].Intents) != 0 {
		t.Errorf("post 2: failures %v, intents %v (want one failure, no partial intents)", b[1].Failures, b[1].Intents)
	}
}

func TestChainWholeBatchErrorAndCancel(t *testing.T) {
	c, err := enrich.NewChain(enrich.Settings{}, enrichtest.Down("db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Enrich(t.Context(), enrichtest.Batch(3)); !errors.Is(err, enrichtest.ErrDown) {
		t.Errorf("err = %v, want ErrDown", err)
	}
	c2, _ := enrich.NewChain(enrich.Settings{}, enrichtest.Func{N: "slow", Fn: func(ctx context.Context, _ []post.Enriched) error {
		<-ctx.Done()
		return ctx.Err()
	}})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := c2.Enrich(ctx, enrichtest.Batch(3)); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want Canceled", err)
	}
	if _, err := enrich.NewChain(enrich.Settings{}, enrichtest.Func{N: "a"}, enrichtest.Func{N: "a"}); err == nil {
		t.Error("duplicate names in chain: want error")
	}
}

func TestEnrichParallel(t *testing.T) {
	c, err := enrich.NewChain(enrich.Settings{}, enrichtest.PanicWhen("p", "never-present"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 1, 63, 64, 1000, 1001} {
		b := enrichtest.Batch(n)
		if err := c.EnrichParallel(t.Context(), b, 4); err != nil {
			t.Fatal(err)
		}
		for i := range b {
			if len(b[i].Intents) != 1 || b[i].Enrichers["p"] == "" {
				t.Fatalf("n=%d post %d not enriched exactly once: %+v", n, i, b[i])
			}
		}
	}
}
