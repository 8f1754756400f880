package train_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/undertone/undertone/internal/linear"
	"github.com/undertone/undertone/internal/train"
)

// writeTinyData lays out a miniature copy of the shared data folder with
// made-up sentences in every format train reads.
func writeTinyData(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name, content string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// label ids: 0 admiration, 2 anger, 14 fear, 15 gratitude, 17 joy, 20 optimism, 25 sadness, 27 neutral
	kinds := []struct {
		text string
		goe  string
		ec   string // anger anticipation disgust fear joy love optimism pessimism sadness surprise trust
		te   string
		pol  string
	}{
		{"I love this so much, great job", "17", "0\t0\t0\t0\t1\t1\t0\t0\t0\t0\t0", "1", "positive"},
		{"this makes me furious and angry", "2", "1\t0\t1\t0\t0\t0\t0\t0\t0\t0\t0", "0", "negative"},
		{"I am scared and afraid of it", "14", "0\t0\t0\t1\t0\t0\t0\t1\t0\t0\t0", "3", "negative"},
		{"thank you, thanks a lot", "15", "0\t0\t0\t0\t1\t0\t1\t0\t0\t0\t1", "2", "positive"},
		{"so sad and lonely today", "25", "0\t0\t0\t0\t0\t0\t0\t1\t1\t0\t0", "3", "negative"},
		{"the meeting is on tuesday", "27", "0\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0", "2", "neutral"},
	}
	var goe, goeDev, ec, ecDev, teText, teLab, teValText, teValLab, sent, sentDev strings.Builder
	ec.WriteString("ID\tTweet\tanger\tanticipation\tdisgust\tfear\tjoy\tlove\toptimism\tpessimism\tsadness\tsurprise\ttrust\n")
	ecDev.WriteString("ID\tTweet\tanger\tanticipation\tdisgust\tfear\tjoy\tlove\toptimism\tpessimism\tsadness\tsurprise\ttrust\n")
	for i := range 120 {
		k := kinds[i%len(kinds)]
		text := fmt.Sprintf("%s number%d", k.text, i)
		if i%5 == 0 {
			fmt.Fprintf(&goeDev, "%s\t%s\tid%d\n", text, k.goe, i)
			fmt.Fprintf(&ecDev, "e%d\t%s\t%s\n", i, text, k.ec)
			fmt.Fprintf(&teValText, "%s\n", text)
			fmt.Fprintf(&teValLab, "%s\n", k.te)
			fmt.Fprintf(&sentDev, "%d\t%s\t%s\n", i, k.pol, text)
			continue
		}
		fmt.Fprintf(&goe, "%s\t%s\tid%d\n", text, k.goe, i)
		fmt.Fprintf(&ec, "e%d\t%s\t%s\n", i, text, k.ec)
		fmt.Fprintf(&teText, "%s\n", text)
		fmt.Fprintf(&teLab, "%s\n", k.te)
		fmt.Fprintf(&sent, "%d\t%s\t%s\n", i, k.pol, text)
	}
	write("goemotions/train.tsv", goe.String())
	write("goemotions/dev.tsv", goeDev.String())
	write("semeval2018-ec/E-c-En-train.txt", ec.String())
	write("semeval2018-ec/E-c-En-dev.txt", ecDev.String())
	write("tweeteval-emotion/train_text.txt", teText.String())
	write("tweeteval-emotion/train_labels.txt", teLab.String())
	write("tweeteval-emotion/val_text.txt", teValText.String())
	write("tweeteval-emotion/val_labels.txt", teValLab.String())
	for _, n := range train.SentimentTrainFiles {
		write("sentiment-tweets/"+n+".tsv", sent.String())
	}
	write("sentiment-tweets/twitter-2016devtest-A.tsv", sentDev.String())
	return dir
}

func TestRunDeterministic(t *testing.T) {
	dir := writeTinyData(t)
	out := t.TempDir()
	run := func(suffix string) (sent, emo []byte, report string) {
		o := train.DefaultOptions()
		o.DataDir = dir
		o.EmoBits, o.SentBits = 12, 12
		o.EmoEpochs, o.SentEpochs = 3, 3
		o.SentimentOut = filepath.Join(out, "s"+suffix)
		o.EmotionOut = filepath.Join(out, "e"+suffix)
		var rep bytes.Buffer
		o.Report = &rep
		if err := train.Run(o); err != nil {
			t.Fatal(err)
		}
		s, err := os.ReadFile(o.SentimentOut)
		if err != nil {
			t.Fatal(err)
		}
		e, err := os.ReadFile(o.EmotionOut)
		if err != nil {
			t.Fatal(err)
		}
		return s, e, rep.String()
	}
	s1, e1, r1 := run("1")
	s2, e2, r2 := run("2")
	if !bytes.Equal(s1, s2) || !bytes.Equal(e1, e2) || r1 != r2 {
		t.Fatal("two training runs differ")
	}
	for _, want := range []string{"macro", "TweetEval", "macro recall", "Reliability"} {
		if !strings.Contains(r1, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, b := range [][]byte{s1, e1} {
		m, err := linear.Load(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if m.Version == "" || len(m.Metrics) == 0 {
			t.Errorf("model %s: version %q metrics %v", m.Name, m.Version, m.Metrics)
		}
	}
	em, _ := linear.Load(bytes.NewReader(e1))
	if len(em.Thresholds) != 35 || len(em.CalA) != 35 {
		t.Errorf("emotion model: %d thresholds, %d calibration params", len(em.Thresholds), len(em.CalA))
	}
}
