package query

import (
	"slices"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/undertone/undertone/post"
)

func TestWhereIn(t *testing.T) {
	for _, tc := range []struct {
		vals []string
		sql  string
		args []any
	}{
		{[]string{"reddit"}, "source = @s", []any{clickhouse.Named("s", "reddit")}},
		{[]string{"reddit", "x') OR 1=1 --"}, "(source = @s0 OR source = @s1)",
			[]any{clickhouse.Named("s0", "reddit"), clickhouse.Named("s1", "x') OR 1=1 --")}},
	} {
		w := &where{}
		w.add("topic = @topic", clickhouse.Named("topic", "acme"))
		w.in("source", "s", tc.vals)
		if got, want := w.sql(), "topic = @topic AND "+tc.sql; got != want {
			t.Errorf("%v: sql %q, want %q", tc.vals, got, want)
		}
		// Values are only ever bound arguments, never part of the SQL.
		if got := w.args[1:]; !slices.EqualFunc(got, tc.args, func(a, b any) bool { return a == b }) {
			t.Errorf("%v: args %v, want %v", tc.vals, got, tc.args)
		}
	}
}

func TestEveryTheme(t *testing.T) {
	all := append([]string{""}, post.Themes[:]...)
	if !everyTheme(all) {
		t.Error("every theme and the whole volume: want true")
	}
	if everyTheme(post.Themes[:]) {
		t.Error("without the whole volume: want false")
	}
	if everyTheme(all[:len(all)-1]) {
		t.Error("one theme missing: want false")
	}
}
