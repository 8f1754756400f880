package emotion_test

import (
	"slices"
	"testing"

	"github.com/undertone/undertone/post"
)

// TestNegationThemes pins negated fear and joy: a model (or feature
// change) that lets the character n-grams or word vectors of a negated
// word ("afraid" in "not afraid") carry that word's emotion fails here.
func TestNegationThemes(t *testing.T) {
	e := newEnricher(t)
	cases := []struct {
		text, theme string
		want, known bool
	}{
		{"not worried at all", post.ThemeFears, false, false},
		{"I'm not scared of the update", post.ThemeFears, false, false},
		{"I am worried", post.ThemeFears, true, false},
		{"I am afraid", post.ThemeFears, true, false},
		{"not happy", post.ThemeJoys, false, false},
		{"not excited", post.ThemeJoys, false, false},
		{"so happy", post.ThemeJoys, true, false},
		// Still fear 0.95 (GoEmotions labels many "not afraid to ..."
		// comments fear); see docs/models.md, known limits.
		{"not afraid", post.ThemeFears, false, true},
	}
	for _, c := range cases {
		p := run(t, e, c.text)
		got := slices.Contains(p.Themes, c.theme)
		switch {
		case got == c.want:
		case c.known:
			t.Logf("known: %q themes %v (labels %v, fear %.2f), want %s %v", c.text, p.Themes, p.EmotionLabels, p.Emotions["fear"], c.theme, c.want)
		default:
			t.Errorf("%q: themes %v (labels %v, fear %.2f, joy %.2f), want %s %v",
				c.text, p.Themes, p.EmotionLabels, p.Emotions["fear"], p.Emotions["joy"], c.theme, c.want)
		}
	}
}
