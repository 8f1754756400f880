package anonymize_test

import (
	"bufio"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/undertone/undertone/ingest/anonymize"
)

// piiValues are personal data values by placeholder, combined with the
// frames below into the PII corpus.
var piiValues = map[string][]string{
	"<EMAIL>": {
		"maria.lopez@example.com", "j_smith+promo@mail.example.org", "ANNA.K@EXAMPLE.CO.UK", "x@example.io",
		"first-last@sub.domain.example.net", "kwame.o99@inbox.example.com", "dana%test@example.de", "o'neil@example.ie",
	},
	"<PHONE>": {
		"+1 (555) 010-2233", "555-010-2233", "(555) 010 2233", "+44 20 7946 0958", "020 7946 0958", "07700 900123",
		"+49 30 12345678", "+49 (0)30 1234567", "+33 6 12 34 56 78", "06 12 34 56 78", "+91 98765 43210",
		"+81 3-1234-5678", "+61 2 9876 5432", "555.010.2233", "1-800-555-0199", "+1-555-010-2233", "+353 87 123 4567",
		"+86 138 1234 5678", "5550102233", "+8613812345678", "030 1234567", "+34 612 34 56 78",
	},
	"<CARD>": {
		"4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "5500 0000 0000 0004",
		"3400 000000 00009", "6011 0000 0000 0004", "4012888888881881", "3530 1113 3330 0000",
	},
	"<IBAN>": {
		"DE89 3704 0044 0532 0130 00", "GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432",
		"FR14 2004 1010 0505 0001 3M02 606", "NL91 ABNA 0417 1643 00", "ES91 2100 0418 4502 0005 1332",
		"IT60 X054 2811 1010 0000 0123 456", "BE68539007547034",
	},
	"<IP>": {
		"192.168.1.20", "10.0.0.1", "203.0.113.45:8080", "2001:db8::1", "fe80::1ff:fe23:4567:890a",
		"2001:0db8:85a3:0000:0000:8a2e:0370:7334", "::1", "172.16.254.3",
	},
	"<HANDLE>": {"@maria_l", "@Jo.Doe", "u/throwaway_123", "@kwame99", "@_secret_fan"},
	"<ADDRESS>": {
		"221B Baker Street", "1600 Pennsylvania Avenue", "12 Elm Rd", "742 Evergreen Terrace",
		"Hauptstraße 5", "PO Box 4521", "10 Downing St", "350 Fifth Ave", "8 Rose Lane", "45 Kingsway Road",
	},
}

// urlValues map URLs to their expected placeholder.
var urlValues = map[string]string{
	"https://example.com/users/maria?id=123":        "<URL:example.com>",
	"http://shop.example.org/order/55512":           "<URL:shop.example.org>",
	"www.example.net/profile/jdoe":                  "<URL:www.example.net>",
	"example.com/u/jdoe":                            "<URL:example.com>",
	"https://Forum.Example.com:8443/t/9?ref=mail":   "<URL:forum.example.com>",
	"https://user:pass@cdn.example.io/a.png":        "<URL:cdn.example.io>",
	"http://198.51.100.7/admin":                     "<URL>",
	"https://example.co.uk/track?email=a@b.example": "<URL:example.co.uk>",
}

// frames are sentences (written for Undertone) with one slot for a value.
var frames = []string{
	"You can reach me at {X} anytime.",
	"{X} is what support gave me",
	"Contact: {X}",
	"my details ({X}) were leaked by the Acme Phone app",
	"Please send it to {X}, thanks!",
	"\"{X}\" was in the confirmation mail",
	"Support told me to use {X}.",
	"lol {X} 😂",
	"{X}",
	"Nimbus Bank asked for {X} twice; why?",
	"Saw this at {X}\nthen the app crashed",
	"Zenith Coffee support: {X} — they never reply",
}

type corpusCase struct {
	in, want string
	secret   string // must not survive ("" for near-misses)
}

func loadCorpus(t testing.TB) (pii, clean []corpusCase) {
	t.Helper()
	for ph, vals := range piiValues {
		for _, v := range vals {
			for _, f := range frames {
				pii = append(pii, corpusCase{in: strings.ReplaceAll(f, "{X}", v), want: strings.ReplaceAll(f, "{X}", ph), secret: v})
			}
		}
	}
	for v, ph := range urlValues {
		for _, f := range frames {
			pii = append(pii, corpusCase{in: strings.ReplaceAll(f, "{X}", v), want: strings.ReplaceAll(f, "{X}", ph), secret: v})
		}
	}
	readLines(t, "testdata/pii_cases.txt", func(line string) {
		in, want, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("pii_cases.txt: no TAB in %q", line)
		}
		pii = append(pii, corpusCase{in: in, want: want})
	})
	readLines(t, "testdata/near_misses.txt", func(line string) {
		clean = append(clean, corpusCase{in: line, want: line})
		for _, f := range frames[:4] {
			s := strings.ReplaceAll(f, "{X}", line)
			clean = append(clean, corpusCase{in: s, want: s})
		}
	})
	return pii, clean
}

func readLines(t testing.TB, path string, fn func(string)) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fn(line)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestCorpus asserts zero leaks on the PII corpus and reports the exact
// match rate and the false-positive rate on near-misses.
func TestCorpus(t *testing.T) {
	pii, clean := loadCorpus(t)
	leaks, inexact := 0, 0
	for _, c := range pii {
		got, _ := anonymize.Scrub(c.in, nil)
		if c.secret != "" && strings.Contains(got, c.secret) {
			leaks++
			t.Errorf("LEAK: %q -> %q", c.in, got)
			continue
		}
		if got != c.want {
			inexact++
			t.Errorf("inexact: %q\n   got  %q\n   want %q", c.in, got, c.want)
		}
	}
	fp := 0
	for _, c := range clean {
		if got, n := anonymize.Scrub(c.in, nil); got != c.in {
			fp++
			t.Errorf("false positive (%d): %q -> %q", n.Total(), c.in, got)
		}
	}
	t.Logf("PII corpus: %d cases, %d leaks, %d inexact; near-miss corpus: %d cases, %d false positives (%.2f%%)",
		len(pii), leaks, inexact, len(clean), fp, 100*float64(fp)/float64(len(clean)))
	if len(pii) < 300 || len(clean) < 300 {
		t.Fatalf("corpus too small: %d PII, %d clean", len(pii), len(clean))
	}
}

func TestNames(t *testing.T) {
	tests := []struct {
		in    string
		names []string
		want  string
	}{
		{"Thanks Jo Doe for the tip, Jo saved my phone", []string{"Jo Doe"}, "Thanks <NAME> for the tip, Jo saved my phone"},
		{"Dana Okafor wrote this. dana okafor agrees. Okafor out.", []string{"Dana Okafor"}, "<NAME> wrote this. <NAME> agrees. <NAME> out."},
		{"I will mark this as read, Mark", []string{"Mark"}, "I will mark this as read, <NAME>"},
		{"posted by jdoe99 yesterday", []string{"jdoe99"}, "posted by <NAME> yesterday"},
		{"Renée said hi", []string{"Renée"}, "<NAME> said hi"},
		{"no names here", []string{"", " ", "x"}, "no names here"},
	}
	for _, tt := range tests {
		if got, _ := anonymize.Scrub(tt.in, tt.names); got != tt.want {
			t.Errorf("Scrub(%q, %q) = %q, want %q", tt.in, tt.names, got, tt.want)
		}
	}
}

func TestCounts(t *testing.T) {
	_, c := anonymize.Scrub("a@example.com b@example.com +44 20 7946 0958 @x", nil)
	if c[anonymize.Email] != 2 || c[anonymize.Phone] != 1 || c[anonymize.Handle] != 1 || c.Total() != 4 {
		t.Fatalf("counts %v", c)
	}
	for _, k := range anonymize.Kinds() {
		if k.String() == "unknown" || !strings.HasPrefix(k.Placeholder(), "<") {
			t.Fatalf("kind %d", k)
		}
	}
}

func TestNoAllocWhenClean(t *testing.T) {
	s := "The 2.4.1 update finally fixed the Acme Phone battery drain, $1,299.99 well spent"
	if n := testing.AllocsPerRun(100, func() { anonymize.Scrub(s, nil) }); n != 0 {
		t.Fatalf("%v allocations for a clean text", n)
	}
}

func FuzzScrub(f *testing.F) {
	pii, clean := loadCorpus(f)
	for i, c := range pii {
		if i%7 == 0 {
			f.Add(c.in)
		}
	}
	for i, c := range clean {
		if i%5 == 0 {
			f.Add(c.in)
		}
	}
	f.Add("\xff\xfe@@::1....+++(((")
	f.Fuzz(func(t *testing.T, s string) {
		out, n := anonymize.Scrub(s, []string{"Jo Doe"})
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("valid input gave invalid UTF-8: %q -> %q", s, out)
		}
		if n.Total() == 0 && out != s {
			t.Fatalf("changed without a finding: %q -> %q", s, out)
		}
		if n.Total() > 0 && out == s {
			t.Fatalf("finding without a change: %q", s)
		}
		// Whatever was scrubbed once is not found again as an e-mail.
		again, n2 := anonymize.Scrub(out, nil)
		if n2[anonymize.Email] > 0 {
			t.Fatalf("e-mail survived: %q -> %q -> %q", s, out, again)
		}
	})
}

func BenchmarkScrub(b *testing.B) {
	texts := []string{
		"Honestly my Acme Phone battery started swelling after the 2.4.1 update, anyone else? DM me @battery_victim or mail jo.doe@example.com",
		"Love love love the Zenith latte, $4.50 well spent. 5 stars!",
		"Beta Mobile support kept me on hold for 45 minutes, call +1 (555) 123-4567 they said. #fail 😤",
		"I'm scared to tell my partner I spent 1,299.99 on the new Acme Phone when we are behind on rent",
	}
	var bytes int
	for _, t := range texts {
		bytes += len(t)
	}
	b.SetBytes(int64(bytes / len(texts)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		anonymize.Scrub(texts[i%len(texts)], nil)
		i++
	}
}

// BenchmarkScrubAdversarial covers 20 KB inputs without spaces that made
// earlier versions quadratic (each must stay in the milliseconds).
func BenchmarkScrubAdversarial(b *testing.B) {
	for name, s := range map[string]string{
		"parens": strings.Repeat("a(", 10000),
		"colons": strings.Repeat("1:", 10000),
		"hex":    strings.Repeat("ab:", 7000),
		"mixed":  strings.Repeat("a@b.c/", 3400),
		"digits": strings.Repeat("1 ", 10000),
	} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(s)))
			b.ReportAllocs()
			for b.Loop() {
				anonymize.Scrub(s, []string{"Jo Doe"})
			}
		})
	}
}
