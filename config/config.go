// Package config loads Undertone's configuration: built-in defaults, then
// one YAML file, then UNDERTONE_* environment variables, then flags. It is
// the only package that imports viper.
package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
)

// EnvPrefix is the prefix of every environment variable Undertone reads.
// Nested keys join with "_": kafka.brokers is UNDERTONE_KAFKA_BROKERS.
const EnvPrefix = "UNDERTONE"

// Options says where Load reads from.
type Options struct {
	// Path is the YAML file; empty means defaults, env and flags only.
	Path string
	// Overrides are flag values keyed by config key (e.g. "kafka.brokers");
	// they win over everything else.
	Overrides map[string]any
	// LookupEnv reads the environment; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
}

// freeform lists keys whose children are user-defined and not checked
// against the schema.
var freeform = []string{"enrich.enrichers"}

// secrets lists keys that must never be written in the YAML file.
var secrets = map[string]string{
	"privacy.pseudonym_key":        "privacy.pseudonym_key_file",
	"clickhouse.password":          "clickhouse.password_file",
	"clickhouse.readonly_password": "clickhouse.readonly_password_file",
}

// Load returns the effective, validated configuration.
func Load(opts Options) (Config, error) {
	lookup := opts.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	def := Default()
	defMap := toMap(reflect.ValueOf(def))
	known := map[string]bool{}
	flattenKeys("", defMap, known)

	v := viper.New()
	if err := v.MergeConfigMap(defMap); err != nil {
		return Config{}, fmt.Errorf("config: defaults: %w", err)
	}
	if opts.Path != "" {
		fv := viper.New()
		fv.SetConfigFile(opts.Path)
		fv.SetConfigType("yaml")
		if err := fv.ReadInConfig(); err != nil {
			return Config{}, fmt.Errorf("config %s: %w", opts.Path, err)
		}
		for _, k := range fv.AllKeys() {
			if !isKnown(k, known) {
				return Config{}, fmt.Errorf("config %s: unknown key %q%s", opts.Path, k, suggest(k, known))
			}
			if alt, ok := secrets[k]; ok && fv.GetString(k) != "" {
				return Config{}, fmt.Errorf("config %s: key %q is a secret and must not be written in the file: set %s or %s",
					opts.Path, k, envName(k), alt)
			}
		}
		if err := v.MergeConfigMap(fv.AllSettings()); err != nil {
			return Config{}, fmt.Errorf("config %s: %w", opts.Path, err)
		}
	}
	// Environment: every known key can be overridden.
	keys := make([]string, 0, len(known))
	for k := range known {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if val, ok := lookup(envName(k)); ok {
			v.Set(k, val)
		}
	}
	for k, val := range opts.Overrides {
		if !isKnown(k, known) {
			return Config{}, fmt.Errorf("config: flag sets unknown key %q%s", k, suggest(k, known))
		}
		v.Set(k, val)
	}

	var cfg Config
	err := v.UnmarshalExact(&cfg, viper.DecodeHook(mapstructure.ComposeDecodeHookFunc(
		durationHook,
		mapstructure.StringToSliceHookFunc(","),
	)))
	if err != nil {
		return Config{}, decodeError(err)
	}
	if err := cfg.readSecretFiles(); err != nil {
		return Config{}, err
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// durationHook parses strings into time.Duration with an error that shows
// the value and an example of what is allowed.
func durationHook(f, t reflect.Type, data any) (any, error) {
	if f.Kind() != reflect.String || t != reflect.TypeOf(time.Duration(0)) {
		return data, nil
	}
	d, err := time.ParseDuration(data.(string))
	if err != nil {
		return nil, fmt.Errorf("= %q: want a duration such as 500ms, 10s or 1h", data)
	}
	return d, nil
}

// decodeError turns mapstructure's multi-line report into one line that
// names the first bad key, wrapping ErrInvalid.
func decodeError(err error) error {
	var de *mapstructure.DecodeError
	if !errors.As(err, &de) {
		return fmt.Errorf("config: %w", err)
	}
	msg := de.Unwrap().Error()
	var pe *mapstructure.ParseError
	if errors.As(err, &pe) {
		msg = fmt.Sprintf("= %q: want a value of type %s", fmt.Sprint(pe.Value), pe.Expected.Type())
	}
	if !strings.HasPrefix(msg, "= ") {
		msg = ": " + msg
	} else {
		msg = " " + msg
	}
	return fmt.Errorf("%w: %s%s", ErrInvalid, de.Name(), msg)
}

// envName is the environment variable for a config key.
func envName(key string) string {
	return EnvPrefix + "_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

func isKnown(k string, known map[string]bool) bool {
	if known[k] {
		return true
	}
	for _, f := range freeform {
		if k == f || strings.HasPrefix(k, f+".") {
			return true
		}
	}
	// serve.tokens is a list of structs; viper reports it as one key.
	return false
}

// suggest returns a hint for an unknown key. It walks the key's segments to
// the deepest known section and compares the first unknown segment with that
// section's children, so "kafka.topik" gives ` (did you mean "kafka.topics.*"?)`
// and "kafka.topik.raw" gives ` (did you mean "kafka.topics.raw"?)`. With no
// near miss it lists the keys the section does have.
func suggest(k string, known map[string]bool) string {
	children := map[string]map[string]bool{} // section -> child -> is a section
	add := func(key string) {
		parent, child := "", key
		for {
			i := strings.IndexByte(child, '.')
			isSection := i >= 0
			name := child
			if isSection {
				name = child[:i]
			}
			if children[parent] == nil {
				children[parent] = map[string]bool{}
			}
			children[parent][name] = children[parent][name] || isSection
			if !isSection {
				return
			}
			if parent != "" {
				parent += "."
			}
			parent += name
			child = child[i+1:]
		}
	}
	for key := range known {
		add(key)
	}
	for _, f := range freeform {
		add(f + ".*")
	}

	segs := strings.Split(k, ".")
	parent := ""
	i := 0
	for ; i < len(segs); i++ {
		if _, ok := children[parent][segs[i]]; !ok || !children[parent][segs[i]] {
			break
		}
		parent = join(parent, segs[i])
	}
	if i == len(segs) {
		return ""
	}
	seg := segs[i]
	limit := min(max((len(seg)+1)/2, 1), 3)
	best, bestD := "", limit+1
	for c := range children[parent] {
		if d := distance(seg, c); d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	if best == "" {
		names := make([]string, 0, len(children[parent]))
		for c := range children[parent] {
			names = append(names, c)
		}
		sort.Strings(names)
		if parent == "" {
			return fmt.Sprintf(" (known sections: %s)", strings.Join(names, ", "))
		}
		return fmt.Sprintf(" (known keys under %s: %s)", parent, strings.Join(names, ", "))
	}
	cand := join(parent, best)
	if rest := strings.Join(segs[i+1:], "."); rest != "" && isKnown(join(cand, rest), known) {
		return fmt.Sprintf(" (did you mean %q?)", join(cand, rest))
	}
	if children[parent][best] {
		cand += ".*"
	}
	return fmt.Sprintf(" (did you mean %q?)", cand)
}

func join(parent, child string) string {
	if parent == "" {
		return child
	}
	return parent + "." + child
}

func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// toMap turns a config struct into nested maps keyed by mapstructure tags,
// so viper knows every key (AutomaticEnv alone only reaches known keys).
func toMap(v reflect.Value) map[string]any {
	out := map[string]any{}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("mapstructure")
		if tag == "" || tag == "-" {
			continue
		}
		f := v.Field(i)
		if f.Kind() == reflect.Struct && f.Type() != reflect.TypeOf(time.Duration(0)) {
			out[tag] = toMap(f)
			continue
		}
		out[tag] = f.Interface()
	}
	return out
}

func flattenKeys(prefix string, m map[string]any, into map[string]bool) {
	for k, v := range m {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok {
			flattenKeys(key, sub, into)
			continue
		}
		into[key] = true
	}
}

func readFile(key, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("config: %s: %w", key, err)
	}
	return strings.TrimSpace(string(b)), nil
}

func (c *Config) readSecretFiles() error {
	pairs := []struct {
		key  string
		file string
		dst  *string
	}{
		{"privacy.pseudonym_key_file", c.Privacy.PseudonymKeyFile, &c.Privacy.PseudonymKey},
		{"clickhouse.password_file", c.ClickHouse.PasswordFile, &c.ClickHouse.Password},
		{"clickhouse.readonly_password_file", c.ClickHouse.ReadOnlyPasswordFile, &c.ClickHouse.ReadOnlyPassword},
	}
	for _, p := range pairs {
		if p.file == "" || *p.dst != "" {
			continue
		}
		s, err := readFile(p.key, p.file)
		if err != nil {
			return err
		}
		*p.dst = s
	}
	return nil
}

// ErrInvalid is wrapped by every validation error.
var ErrInvalid = errors.New("invalid config")

func invalid(key string, value any, allowed string) error {
	return fmt.Errorf("%w: %s = %v: %s", ErrInvalid, key, value, allowed)
}

// ToMap returns cfg as nested maps keyed like the YAML file, with durations
// as strings, for printing.
func ToMap(cfg Config) (map[string]any, error) {
	m := toMap(reflect.ValueOf(cfg))
	stringifyDurations(m)
	return m, nil
}

func stringifyDurations(m map[string]any) {
	for k, v := range m {
		switch x := v.(type) {
		case time.Duration:
			m[k] = x.String()
		case map[string]any:
			stringifyDurations(x)
		case []Token:
			list := make([]map[string]any, len(x))
			for i, t := range x {
				list[i] = toMap(reflect.ValueOf(t))
			}
			m[k] = list
		}
	}
}
