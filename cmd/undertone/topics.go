package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/undertone/undertone/config"
	"github.com/undertone/undertone/enrich/topic"
)

func newTopicsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "topics",
		Short: "Check topic queries and see what they match",
	}
	cmd.AddCommand(newTopicsTestCmd())
	return cmd
}

func newTopicsTestCmd() *cobra.Command {
	var query, input, topicsFile string
	var limit int
	cmd := &cobra.Command{
		Use:   "test",
		Short: "Check a topic query (or a topics file) and show what it matches",
		Long: `Test parses a topic query (--query) or every query of a topics file
(--topics, default config/topics.yaml) and reports every error with its
line, column and what was expected. With --input (JSONL posts, or plain text
lines; - for stdin) it prints the posts that match, with the matching terms
in [brackets], and how many matched (per topic for a file). Matching runs on
the text as given: no anonymization. See docs/topics.md for the language.

  undertone topics test --query '"acme phone" OR (acme NEAR/3 battery)' --input posts.jsonl
  undertone topics test --topics config/topics.yaml --input posts.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			var defs []topic.Definition
			if query != "" {
				if _, err := topic.Parse(query); err != nil {
					var se *topic.SyntaxError
					if errors.As(err, &se) {
						return exitError{code: 1, msg: fmt.Sprintf("query: %v\n%s", se, topic.Caret(query, se))}
					}
					return err
				}
				defs = []topic.Definition{{ID: "query", Query: query}}
			} else {
				tax, err := config.LoadTopics(topicsFile)
				if err != nil {
					return err
				}
				defs = topicDefinitions(tax)
				var msgs []string
				for _, d := range defs {
					if _, err := topic.Compile([]topic.Definition{d}); err != nil {
						var de *topic.DefinitionError
						if !errors.As(err, &de) {
							return err
						}
						msgs = append(msgs, fmt.Sprintf("%s: %v\n%s", topicsFile, de, topic.Caret(d.Query, de.Err)))
					}
				}
				if len(msgs) > 0 {
					return exitError{code: 1, msg: strings.Join(msgs, "\n")}
				}
			}
			m, err := topic.Compile(defs)
			if err != nil {
				return err
			}
			if input == "" {
				fmt.Fprintf(out, "ok: %d topic queries parse\n", m.Len())
				return nil
			}
			var in io.Reader = cmd.InOrStdin()
			if input != "-" {
				f, err := os.Open(input)
				if err != nil {
					return err
				}
				defer f.Close()
				in = f
			}
			return topicsTest(in, out, m, query != "", limit)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&query, "query", "q", "", "topic query to test")
	f.StringVar(&topicsFile, "topics", "config/topics.yaml", "topics file to check (when --query is not given)")
	f.StringVarP(&input, "input", "i", "", "posts to match: JSONL (text, source, lang, id) or plain text lines; - for stdin")
	f.IntVar(&limit, "limit", 20, "matching posts to print (per topic for a file); 0 prints none")
	return cmd
}

// topicsTest matches every input line and prints matches and counts.
func topicsTest(in io.Reader, out io.Writer, m *topic.Matcher, single bool, limit int) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	counts := map[string]int{}
	printed := map[string]int{}
	line, total := 0, 0
	for sc.Scan() {
		line++
		raw := sc.Bytes()
		if len(raw) == 0 {
			continue
		}
		total++
		var p struct {
			ID     string `json:"id"`
			Text   string `json:"text"`
			Source string `json:"source"`
			Lang   string `json:"lang"`
		}
		if raw[0] != '{' || json.Unmarshal(raw, &p) != nil {
			p.Text = string(raw)
		}
		for _, h := range m.Match(p.Text, p.Source, p.Lang) {
			counts[h.ID]++
			if printed[h.ID] >= limit {
				continue
			}
			printed[h.ID]++
			where := fmt.Sprintf("line %d", line)
			if p.ID != "" {
				where += " (id " + p.ID + ")"
			}
			if single {
				fmt.Fprintf(out, "%s: %s\n", where, topic.Highlight(p.Text, h.Spans))
			} else {
				fmt.Fprintf(out, "%s %s: %s\n", h.ID, where, topic.Highlight(p.Text, h.Spans))
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if single {
		fmt.Fprintf(out, "%d of %d posts match\n", counts["query"], total)
		return nil
	}
	ids := make([]string, 0, len(counts))
	for id := range counts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	fmt.Fprintf(out, "%d posts\n", total)
	for _, id := range ids {
		fmt.Fprintf(out, "%-20s %d\n", id, counts[id])
	}
	return nil
}
