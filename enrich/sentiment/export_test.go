package sentiment

// SetScoreShape sets the model's share of the score and the floor
// (ScoreMix, ScoreFloor) of e; the human ratings test reports the fit over a
// grid of values.
func SetScoreShape(e *Enricher, mix, floor float64) { e.mix, e.floor = mix, floor }
