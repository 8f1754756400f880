package post

// Emotions lists the 28 GoEmotions labels (27 emotions + neutral) in the
// dataset's canonical order. Index i is the label id used by GoEmotions.
var Emotions = [28]string{
	"admiration", "amusement", "anger", "annoyance", "approval", "caring",
	"confusion", "curiosity", "desire", "disappointment", "disapproval",
	"disgust", "embarrassment", "excitement", "fear", "gratitude", "grief",
	"joy", "love", "nervousness", "optimism", "pride", "realization",
	"relief", "remorse", "sadness", "surprise", "neutral",
}

// EmotionIndex returns the GoEmotions index of label, or -1.
func EmotionIndex(label string) int {
	for i, l := range Emotions {
		if l == label {
			return i
		}
	}
	return -1
}

// Ekman labels: Ekman's six basic emotions plus neutral.
var Ekman = [7]string{"anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral"}

// EkmanOf maps each GoEmotions label to its Ekman group, following the
// mapping published with GoEmotions (ekman_mapping.json).
var EkmanOf = map[string]string{
	"anger": "anger", "annoyance": "anger", "disapproval": "anger",
	"disgust": "disgust",
	"fear":    "fear", "nervousness": "fear",
	"joy": "joy", "amusement": "joy", "approval": "joy", "excitement": "joy",
	"gratitude": "joy", "love": "joy", "optimism": "joy", "relief": "joy",
	"pride": "joy", "admiration": "joy", "desire": "joy", "caring": "joy",
	"sadness": "sadness", "disappointment": "sadness", "embarrassment": "sadness",
	"grief": "sadness", "remorse": "sadness",
	"surprise": "surprise", "realization": "surprise", "confusion": "surprise",
	"curiosity": "surprise",
	"neutral":   "neutral",
}

// Marketer themes.
const (
	ThemeFears           = "fears"
	ThemeFrustrations    = "frustrations"
	ThemeDisappointments = "disappointments"
	ThemeJoys            = "joys"
	ThemeDesires         = "desires"
	ThemeConfusion       = "confusion"
)

// Themes lists the marketer themes in display order.
var Themes = [6]string{ThemeFears, ThemeFrustrations, ThemeDisappointments, ThemeJoys, ThemeDesires, ThemeConfusion}

// ThemeOf maps GoEmotions labels to marketer themes (DESIGN.md). Neutral
// belongs to no theme.
var ThemeOf = map[string]string{
	"fear": ThemeFears, "nervousness": ThemeFears,
	"anger": ThemeFrustrations, "annoyance": ThemeFrustrations,
	"disapproval": ThemeFrustrations, "disgust": ThemeFrustrations,
	"disappointment": ThemeDisappointments, "sadness": ThemeDisappointments,
	"grief": ThemeDisappointments, "remorse": ThemeDisappointments,
	"embarrassment": ThemeDisappointments,
	"joy":           ThemeJoys, "amusement": ThemeJoys, "excitement": ThemeJoys,
	"love": ThemeJoys, "admiration": ThemeJoys, "gratitude": ThemeJoys,
	"pride": ThemeJoys, "relief": ThemeJoys, "approval": ThemeJoys, "caring": ThemeJoys,
	"desire": ThemeDesires, "optimism": ThemeDesires, "curiosity": ThemeDesires,
	"confusion": ThemeConfusion, "surprise": ThemeConfusion, "realization": ThemeConfusion,
}

// Intents lists the intent labels the intent enricher emits.
var Intents = [6]string{"purchase", "churn", "complaint", "question", "recommendation", "comparison"}
