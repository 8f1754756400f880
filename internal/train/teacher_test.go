package train_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/undertone/undertone/internal/train"
)

// TestSentimentTeacher writes the teacher's input, labels it as a teacher
// would, and trains on the labels: the input holds the pool and the
// emotion sets' other training texts but no dev text, and the unlabelled
// texts reach training.
const sentimentOf = "negative neutral positive"

func TestSentimentTeacher(t *testing.T) {
	dir := writeTinyData(t)
	// Two GoEmotions training texts that are in no sentiment file, one of
	// them twice (it must be listed once).
	f, err := os.OpenFile(filepath.Join(dir, "goemotions", "train.tsv"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("what a lovely surprise party\t17\tx1\nwhat a lovely surprise party\t17\tx2\nthe bus was late again\t27\tx3\n")
	f.Close()
	out := t.TempDir()
	o := train.DefaultOptions()
	o.DataDir = dir
	o.EmoBits, o.SentBits, o.SentEpochs = 12, 12, 3
	o.Only = "sentiment"
	o.SentimentOut = ""
	o.SentTeacherInput = filepath.Join(out, "input.jsonl")
	var rep bytes.Buffer
	o.Report = &rep
	if err := train.Run(o); err != nil {
		t.Fatal(err)
	}
	in, err := os.ReadFile(o.SentTeacherInput)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for l := range strings.SplitSeq(strings.TrimSpace(string(in)), "\n") {
		var x struct{ Text, Label string }
		if err := json.Unmarshal([]byte(l), &x); err != nil {
			t.Fatal(err)
		}
		// The pool's tweets carry their gold class; the extras none.
		if pool := len(texts) < 96; pool != (x.Label != "") || pool && !strings.Contains(sentimentOf, x.Label) {
			t.Fatalf("text %d %q has label %q", len(texts), x.Text, x.Label)
		}
		texts = append(texts, x.Text)
	}
	// 96 training tweets (120 less the 24 dev ones; every training file
	// holds the same ones) and the 2 new texts.
	if len(texts) != 98 || texts[96] != "what a lovely surprise party" || texts[97] != "the bus was late again" {
		t.Fatalf("teacher input: %d texts, last %q", len(texts), texts[len(texts)-2:])
	}
	for _, x := range texts {
		if strings.HasSuffix(x, " number0") || strings.HasSuffix(x, " number5") {
			t.Fatalf("dev text %q in the teacher input", x)
		}
	}
	if !strings.Contains(rep.String(), "96 labelled tweets and 2 unlabelled texts") {
		t.Errorf("report: %s", rep.String())
	}

	// The teacher's file: every text, the new ones positive.
	teach := filepath.Join(out, "teacher.jsonl")
	var b strings.Builder
	for _, x := range texts {
		line, _ := json.Marshal(map[string]any{"text": x, "p": []float32{0.1, 0.2, 0.7}})
		b.Write(line)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(teach, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	o.SentTeacherInput = ""
	o.SentTeacher, o.SentTeacherMix, o.SentTeacherExtra = teach, 0.5, 0.5
	rep.Reset()
	if err := train.Run(o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.String(), "mix 0.50 on labelled tweets, 2 unlabelled texts at weight 0.50") ||
		!strings.Contains(rep.String(), "sentiment training: 962 texts") {
		t.Errorf("report: %s", rep.String())
	}

	// A malformed teacher line is an error naming the file and line.
	if err := os.WriteFile(teach, []byte(b.String()+`{"text":"x","p":[1]}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = train.Run(o)
	if err == nil || !strings.Contains(err.Error(), "teacher.jsonl:99: want 3 probabilities, got 1") {
		t.Fatalf("malformed teacher file: %v", err)
	}
}
