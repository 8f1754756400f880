package enrich

import (
	"fmt"
	"sort"
	"strings"

	"github.com/go-viper/mapstructure/v2"
)

// Registry holds the enricher factories a binary knows about. cmd/ builds
// it explicitly with NewRegistry; there is no init() registration.
type Registry struct {
	factories map[string]Factory
}

// NewRegistry returns a registry of factories. It fails when two factories
// share a name or a factory is incomplete.
func NewRegistry(factories ...Factory) (*Registry, error) {
	r := &Registry{factories: make(map[string]Factory, len(factories))}
	for i, f := range factories {
		if f.Name == "" {
			return nil, fmt.Errorf("enrich: factory %d: empty name", i)
		}
		if f.DefaultConfig == nil || f.New == nil {
			return nil, fmt.Errorf("enrich: factory %q: DefaultConfig and New are required", f.Name)
		}
		if _, dup := r.factories[f.Name]; dup {
			return nil, fmt.Errorf("enrich: duplicate enricher factory %q", f.Name)
		}
		r.factories[f.Name] = f
	}
	return r, nil
}

// Names returns the registered enricher names, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.factories))
	for n := range r.factories {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Config returns the effective config of the named enricher: its defaults
// with settings (the map under enrich.enrichers.<name>) decoded on top,
// strictly (an unknown key is an error naming it), then validated.
func (r *Registry) Config(name string, settings map[string]any) (Config, error) {
	f, ok := r.factories[name]
	if !ok {
		return nil, fmt.Errorf("enrich.chain: unknown enricher %q, known: %s", name, strings.Join(r.Names(), ", "))
	}
	cfg := f.DefaultConfig()
	if len(settings) > 0 {
		var md mapstructure.Metadata
		dec, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
			Result:   cfg,
			Metadata: &md,
			DecodeHook: mapstructure.ComposeDecodeHookFunc(
				mapstructure.StringToTimeDurationHookFunc(),
				mapstructure.StringToSliceHookFunc(","),
			),
			WeaklyTypedInput: false,
		})
		if err != nil {
			return nil, fmt.Errorf("enrich.enrichers.%s: %w", name, err)
		}
		if err := dec.Decode(settings); err != nil {
			return nil, fmt.Errorf("enrich.enrichers.%s: %w", name, err)
		}
		if len(md.Unused) > 0 {
			sort.Strings(md.Unused)
			return nil, fmt.Errorf("enrich.enrichers.%s.%s: unknown setting", name, md.Unused[0])
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("enrich.enrichers.%s: %w", name, err)
	}
	return cfg, nil
}

// Build constructs the chain of the named enrichers, in order. settings is
// the enrich.enrichers section (enricher name → its settings); settings for
// an enricher not in names are checked too, so a typo in a disabled
// enricher's config still fails at startup. Build loads every model once;
// the returned Chain is safe for concurrent use.
func (r *Registry) Build(names []string, settings map[string]map[string]any, set Settings) (*Chain, error) {
	inChain := map[string]bool{}
	for _, n := range names {
		inChain[n] = true
	}
	others := make([]string, 0, len(settings))
	for n := range settings {
		if _, ok := r.factories[n]; !ok {
			return nil, fmt.Errorf("enrich.enrichers.%s: unknown enricher, known: %s", n, strings.Join(r.Names(), ", "))
		}
		if !inChain[n] {
			others = append(others, n)
		}
	}
	sort.Strings(others)
	for _, n := range others {
		if _, err := r.Config(n, settings[n]); err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{}
	enrichers := make([]Enricher, 0, len(names))
	for _, n := range names {
		if seen[n] {
			return nil, fmt.Errorf("enrich.chain: %q listed twice", n)
		}
		seen[n] = true
		cfg, err := r.Config(n, settings[n])
		if err != nil {
			return nil, err
		}
		s := set
		if s.Logger != nil {
			s.Logger = s.Logger.With("enricher", n)
		}
		e, err := r.factories[n].New(cfg, s)
		if err != nil {
			return nil, fmt.Errorf("enrich: build %s: %w", n, err)
		}
		if e.Name() != n {
			return nil, fmt.Errorf("enrich: factory %q built an enricher named %q", n, e.Name())
		}
		enrichers = append(enrichers, e)
	}
	return NewChain(set, enrichers...)
}
