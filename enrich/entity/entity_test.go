package entity_test

import (
	"fmt"
	"testing"

	"github.com/undertone/undertone/enrich/entity"
	"github.com/undertone/undertone/post"
)

var testEntries = []entity.Entry{
	{Canonical: "Acme", Type: entity.TypeBrand, Aliases: []string{"ACME", "Acme Corp"}},
	{Canonical: "Acme Phone", Type: entity.TypeProduct, Aliases: []string{"AcmePhone", "Acme Fone", "Acme phone 12"}},
	{Canonical: "Beta Mobile", Type: entity.TypeOrg, Aliases: []string{"BetaMobile", "Beta phone"}},
	{Canonical: "ACM", Type: entity.TypeOrg},
	{Canonical: "Café Zenith", Type: entity.TypeBrand},
}

func enrichOne(t testing.TB, e *entity.Enricher, text string) []post.Entity {
	t.Helper()
	b := []post.Enriched{post.NewEnriched(post.Clean{Text: text})}
	if err := e.Enrich(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	return b[0].Entities
}

func TestGazetteer(t *testing.T) {
	cfg := entity.DefaultConfig()
	cfg.NER = false
	e, err := entity.New(*cfg, testEntries)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ text, want string }{
		{"my acme phone died", "[{acme phone Acme Phone PRODUCT 3 13}]"},
		{"ACME!!! and AcmePhone", "[{ACME Acme BRAND 0 4} {AcmePhone Acme Phone PRODUCT 12 21}]"},
		{"acmes are not acme", "[{acme Acme BRAND 14 18}]"},
		{"Acme phone 12 vs beta PHONE", "[{Acme phone 12 Acme Phone PRODUCT 0 13} {beta PHONE Beta Mobile ORG 17 27}]"},
		{"the acm is lowercase, ACM is not", "[{ACM ACM ORG 22 25}]"},
		{"😀 acme fone 😀", "[{acme fone Acme Phone PRODUCT 2 11}]"},
		{"I love café zenith", "[{café zenith Café Zenith BRAND 7 18}]"},
		{"nothing here", "[]"},
		{"", "[]"},
		{"Acme Corp's Acme", "[{Acme Corp Acme BRAND 0 9} {Acme Acme BRAND 12 16}]"},
		// Fuzzy: one typo in a capitalized word (pairs first), not on the
		// first letter, 4-letter aliases by transposition only.
		{"my Acem phone died", "[{Acem phone Acme Phone PRODUCT 3 13}]"},
		{"the AcemPhone", "[{AcemPhone Acme Phone PRODUCT 4 13}]"},
		{"Betamoible is fine", "[{Betamoible Beta Mobile ORG 0 10}]"},
		{"Beta phnoe broke", "[{Beta phnoe Beta Mobile ORG 0 10}]"},
		{"Acne cream", "[]"},
		{"Ecme phone", "[]"},
		{"acem phone", "[]"},
		{"I picked Acme Phnoe today", "[{Acme Phnoe Acme Phone PRODUCT 9 19}]"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := fmt.Sprint(enrichOne(t, e, tt.text)); got != tt.want {
				t.Errorf("entities(%q)\n got %s\nwant %s", tt.text, got, tt.want)
			}
		})
	}
}

func TestNER(t *testing.T) {
	e, err := entity.New(*entity.DefaultConfig(), testEntries)
	if err != nil {
		t.Fatal(err)
	}
	drop := entity.DefaultConfig()
	drop.Person = "drop"
	ed, err := entity.New(*drop, testEntries)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		e          *entity.Enricher
		lang, text string
		want       string
	}{
		{e, "en", "I flew from London to Paris with Sarah Jones and my Acme Phone died.",
			"[{London London GPE 12 18} {Paris Paris GPE 22 27} {[PERSON] [PERSON] PERSON 33 44} {Acme Phone Acme Phone PRODUCT 52 62}]"},
		{ed, "en", "I flew from London to Paris with Sarah Jones and my Acme Phone died.",
			"[{London London GPE 12 18} {Paris Paris GPE 22 27} {Acme Phone Acme Phone PRODUCT 52 62}]"},
		{e, "", "Honestly the Acme Phone is fine. New York stores had none.",
			"[{Acme Phone Acme Phone PRODUCT 13 23} {New York New York GPE 33 41}]"},
		{e, "en", "THIS IS THE WORST PHONE EVER", "[]"},
		{e, "en", "Update: my Acme Phone died", "[{Acme Phone Acme Phone PRODUCT 11 21}]"},
		{e, "en", "ok so my Acme Phone arrived on Frdiay", "[{Acme Phone Acme Phone PRODUCT 9 19}]"},
		// prose is an English model: German nouns are not names.
		{e, "de", "Ich wünsche mir, dass Acme endlich die Kamera verbessert", "[{Acme Acme BRAND 22 26}]"},
	}
	for _, tt := range tests {
		b := []post.Enriched{post.NewEnriched(post.Clean{Text: tt.text, Lang: tt.lang})}
		if err := tt.e.Enrich(t.Context(), b); err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(b[0].Entities); got != tt.want {
			t.Errorf("entities(%q)\n got %s\nwant %s", tt.text, got, tt.want)
		}
	}
}
