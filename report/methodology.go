package report

// DefaultMethodology is the footnote used when the caller provides none. It
// describes the enrichment chain in DESIGN.md and carries the models'
// development-set figures from docs/models.md (update them when the models
// are retrained).
func DefaultMethodology() Methodology {
	return Methodology{Scores: DevScores, Text: `How emotions are detected. Every post is anonymized at ingest (authors are replaced by keyed pseudonyms; e-mail addresses, phone numbers and handles are removed from the text), then enriched by a chain of models that run inside Undertone, with no external AI service. A sentiment model scores each post and each topic mention from -1 to 1; an emotion model gives the probability of each of the 28 GoEmotions labels (27 emotions and neutral) and tags the labels above tuned thresholds. The labels roll up into marketer themes: fears (fear, nervousness), frustrations (anger, annoyance, disapproval, disgust), disappointments (disappointment, sadness, grief, remorse, embarrassment), joys (joy, amusement, excitement, love, admiration, gratitude, pride, relief, approval, caring), desires (desire, optimism, curiosity and wish or hope constructions) and confusion (confusion, surprise, realization). Themes are attributed to a topic from the clauses that mention it, so one post can be a joy for one brand and a fear for another.

How to read the numbers. Net sentiment is the share of positive posts minus the share of negative posts, in points. A theme's share is the fraction of the topic's posts that carry it. Movers compare this week's share with last week's; a mover is significant when a two-proportion z-test gives p < 0.05 and it passes the minimum volume. Drivers are the entities and terms most over-represented in a theme compared with the whole topic. Model labels are probabilistic: individual posts are sometimes mislabelled, so read changes in aggregate, not single quotes, as the evidence. The models' measured quality on development data is listed below (see docs/models.md): an individual post's emotion labels are right only about half the time (macro F1 over 28 fine-grained emotions is about 0.47, about 0.59 over the Ekman groups), so the report rests on changes across hundreds of posts, not on any single post. Sarcasm is not modelled, and the models were trained on Reddit comments and tweets, so product-review language is under-represented.`}
}

// DevScores are the development-set figures of the sentiment and emotion
// models as published in docs/models.md (honest estimates: thresholds and
// offsets tuned on the other half of the dev split).
var DevScores = []ModelScore{
	{Model: "emotion (28 GoEmotions labels)", Metric: "macro F1, GoEmotions dev", Value: 0.467},
	{Model: "emotion (Ekman groups)", Metric: "macro F1, GoEmotions dev", Value: 0.591},
	{Model: "emotion (anger, joy, optimism, sadness)", Metric: "macro F1, TweetEval val", Value: 0.763},
	{Model: "sentiment (negative, neutral, positive)", Metric: "macro-averaged recall, SemEval 2016 devtest", Value: 0.594},
	{Model: "sentiment score", Metric: "Pearson r vs mean human ratings, VADER's rated tweets (held-out half)", Value: 0.892},
}
