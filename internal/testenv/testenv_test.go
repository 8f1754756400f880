package testenv_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/undertone/undertone/internal/testenv"
)

// fatalTB records Fatalf instead of stopping the goroutine's test, so the
// "fail, never skip" contract can be checked without services.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic(f)
}

func (f *fatalTB) Skipf(string, ...any) { panic("skipped") }

func (f *fatalTB) Name() string { return f.TB.Name() }

func catch(f func()) (r any) {
	defer func() { r = recover() }()
	f()
	return nil
}

func TestMissingEnvFails(t *testing.T) {
	t.Setenv(testenv.EnvKafka, "")
	t.Setenv(testenv.EnvClickHouse, "")
	for _, tc := range []struct {
		name string
		call func(testing.TB)
		want string
	}{
		{"kafka", func(tb testing.TB) { testenv.Kafka(tb) }, "UNDERTONE_TEST_KAFKA is not set"},
		{"clickhouse", func(tb testing.TB) { testenv.ClickHouse(tb) }, "UNDERTONE_TEST_CLICKHOUSE is not set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fatalTB{TB: t}
			if r := catch(func() { tc.call(f) }); r != f {
				t.Fatalf("recovered %v, want a Fatalf", r)
			}
			if !strings.Contains(f.msg, tc.want) || !strings.Contains(f.msg, "make services-up") {
				t.Fatalf("message %q does not contain %q and the fix", f.msg, tc.want)
			}
		})
	}
}

func TestUnreachableFails(t *testing.T) {
	t.Setenv(testenv.EnvKafka, "127.0.0.1:1")
	f := &fatalTB{TB: t}
	if r := catch(func() { testenv.Kafka(f) }); r != f {
		t.Fatalf("recovered %v, want a Fatalf", r)
	}
	if !strings.Contains(f.msg, "127.0.0.1:1 is not reachable") {
		t.Fatalf("message %q", f.msg)
	}
}

func TestUniqueName(t *testing.T) {
	valid := regexp.MustCompile(`^test_[a-z0-9_]+$`)
	seen := map[string]bool{}
	for range 100 {
		n := testenv.UniqueName(t, "test_")
		if !valid.MatchString(n) || len(n) > 100 {
			t.Fatalf("name %q is not a valid topic/database identifier", n)
		}
		if seen[n] {
			t.Fatalf("duplicate name %q", n)
		}
		seen[n] = true
	}
	t.Run("Long/Sub Test Name With Spaces and Ünïcode "+strings.Repeat("x", 200), func(t *testing.T) {
		if n := testenv.UniqueName(t, "test_"); !valid.MatchString(n) || len(n) > 100 {
			t.Fatalf("name %q", n)
		}
	})
}
