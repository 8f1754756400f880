package train

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// teacherText is one line of a teacher file: a text and, in the file the
// teacher writes back, its class probabilities (negative, neutral,
// positive).
type teacherText struct {
	Text string `json:"text"`
	// Label is the gold class of a labelled tweet in the teacher's input
	// (the teacher fine-tunes on these); empty for an unlabelled text.
	Label string    `json:"label,omitempty"`
	P     []float32 `json:"p,omitempty"`
}

// teacherExtras returns the texts of the emotion sets' training splits
// (GoEmotions train, SemEval-2018 E-c train and dev, TweetEval train) that
// are neither dev duplicates (held) nor in the sentiment pool: the
// unlabelled texts a sentiment teacher labels.
func teacherExtras(o Options, pool []Item, held map[string]bool) ([]string, error) {
	seen := make(map[string]bool, len(held)+len(pool))
	for k := range held {
		seen[k] = true
	}
	for _, it := range pool {
		seen[normKey(it.Text)] = true
	}
	var out []string
	for _, load := range []func() ([]Item, error){
		func() ([]Item, error) { return LoadGoEmotions(o.DataDir, "train") },
		func() ([]Item, error) { return LoadSemEvalEc(o.DataDir, "train") },
		func() ([]Item, error) { return LoadSemEvalEc(o.DataDir, "dev") },
		func() ([]Item, error) { return LoadTweetEval(o.DataDir, "train") },
	} {
		items, err := load()
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if k := normKey(it.Text); !seen[k] {
				seen[k] = true
				out = append(out, it.Text)
			}
		}
	}
	return out, nil
}

// writeTeacherInput writes the sentiment pool's texts (each once) and the
// unlabelled extras to o.SentTeacherInput, one JSON object a line.
func writeTeacherInput(o Options, pool []Item, held map[string]bool) error {
	extras, err := teacherExtras(o, pool, held)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	seen := make(map[string]bool, len(pool))
	nPool := 0
	for _, it := range pool {
		if seen[it.Text] {
			continue
		}
		seen[it.Text] = true
		nPool++
		if err := enc.Encode(teacherText{Text: it.Text, Label: SentimentLabels[it.Y[0]]}); err != nil {
			return err
		}
	}
	for _, t := range extras {
		if err := enc.Encode(teacherText{Text: t}); err != nil {
			return err
		}
	}
	if err := os.WriteFile(o.SentTeacherInput, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(o.Report, "teacher input: %d labelled tweets and %d unlabelled texts written to %s\n", nPool, len(extras), o.SentTeacherInput)
	return nil
}

// loadTeacher reads a teacher file into text -> probabilities.
func loadTeacher(path string) (map[string][]float32, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("teacher: %w", err)
	}
	defer f.Close()
	out := map[string][]float32{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var t teacherText
		if err := json.Unmarshal(sc.Bytes(), &t); err != nil {
			return nil, fmt.Errorf("teacher: %s:%d: %w", path, n, err)
		}
		if len(t.P) != 3 {
			return nil, fmt.Errorf("teacher: %s:%d: want 3 probabilities, got %d", path, n, len(t.P))
		}
		out[t.Text] = t.P
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("teacher: %w", err)
	}
	return out, nil
}

// withTeacher attaches the teacher's targets to the sentiment pool (mixed
// with the gold class by o.SentTeacherMix) and appends the unlabelled
// extras the teacher labelled (target: the teacher; class: its argmax;
// weight o.SentTeacherExtra). soft[i] is nil for an item the teacher did not
// label.
func withTeacher(o Options, items []Item, srcW []float32, held map[string]bool) ([]Item, []float32, [][]float32, int, error) {
	tp, err := loadTeacher(o.SentTeacher)
	if err != nil {
		return nil, nil, nil, 0, err
	}
	a := float32(o.SentTeacherMix)
	soft := make([][]float32, len(items))
	for i, it := range items {
		p, ok := tp[it.Text]
		if !ok {
			continue
		}
		t := make([]float32, 3)
		for k := range t {
			t[k] = a * p[k]
		}
		t[it.Y[0]] += 1 - a
		soft[i] = t
	}
	if o.SentTeacherExtra <= 0 {
		return items, srcW, soft, 0, nil
	}
	extras, err := teacherExtras(o, items, held)
	if err != nil {
		return nil, nil, nil, 0, err
	}
	n := 0
	for _, x := range extras {
		p, ok := tp[x]
		if !ok {
			continue
		}
		c := 0
		for k := range p {
			if p[k] > p[c] {
				c = k
			}
		}
		items = append(items, Item{Text: x, Y: []int8{int8(c)}, Source: "teacher"})
		srcW = append(srcW, float32(o.SentTeacherExtra))
		soft = append(soft, p)
		n++
	}
	return items, srcW, soft, n, nil
}
