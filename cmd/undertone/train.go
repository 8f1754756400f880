package main

import (
	"github.com/spf13/cobra"

	"github.com/undertone/undertone/internal/train"
)

// newTrainCmd wires `undertone train`: it trains the sentiment and emotion
// models from the shared data sets and writes the files the enrichers embed.
func newTrainCmd() *cobra.Command {
	o := train.DefaultOptions()
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train the sentiment and emotion models from ../shared/data (deterministic) and print dev metrics",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Report = cmd.OutOrStdout()
			return train.Run(o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.DataDir, "data", o.DataDir, "shared data folder (see its README)")
	f.StringVar(&o.SentimentOut, "sentiment-out", "enrich/sentiment/model.bin.gz", "sentiment model file to write (empty: don't write)")
	f.StringVar(&o.EmotionOut, "emotion-out", "enrich/emotion/model.bin.gz", "emotion model file to write (empty: don't write)")
	f.StringVar(&o.Only, "only", "", "train only sentiment or emotion")
	f.Uint64Var(&o.Seed, "seed", o.Seed, "shuffle seed")
	f.UintVar(&o.EmoBits, "emotion-bits", o.EmoBits, "log2 hashed feature buckets (emotion)")
	f.UintVar(&o.SentBits, "sentiment-bits", o.SentBits, "log2 hashed feature buckets (sentiment)")
	f.IntVar(&o.EmoEpochs, "emotion-epochs", o.EmoEpochs, "training epochs (emotion)")
	f.IntVar(&o.SentEpochs, "sentiment-epochs", o.SentEpochs, "training epochs (sentiment)")
	f.Float64Var(&o.EmoLR, "emotion-lr", o.EmoLR, "AdaGrad learning rate (emotion)")
	f.Float64Var(&o.SentLR, "sentiment-lr", o.SentLR, "AdaGrad learning rate (sentiment)")
	f.Float64Var(&o.EmoL2, "emotion-l2", o.EmoL2, "L2 penalty (emotion)")
	f.Float64Var(&o.SentL2, "sentiment-l2", o.SentL2, "L2 penalty (sentiment)")
	f.IntVar(&o.EmoChar, "emotion-char", o.EmoChar, "longest character n-gram, 0 for none (emotion)")
	f.IntVar(&o.EmoCharMin, "emotion-char-min", o.EmoCharMin, "shortest character n-gram (emotion)")
	f.IntVar(&o.SentCharMin, "sentiment-char-min", o.SentCharMin, "shortest character n-gram (sentiment)")
	f.IntVar(&o.SentChar, "sentiment-char", o.SentChar, "longest character n-gram, 0 for none (sentiment)")
	f.Float64Var(&o.EmoPosWeight, "emotion-pos-weight", o.EmoPosWeight, "weigh positives by (neg/pos)^x per label (emotion)")
	f.Float64Var(&o.SentGoEmotions, "sentiment-goemotions", o.SentGoEmotions, "weight of GoEmotions texts mapped to polarity in sentiment training (0: off)")
	f.Float64Var(&o.SentSemEval, "sentiment-semeval", o.SentSemEval, "weight of SemEval-2018 E-c tweets mapped to polarity in sentiment training (0: off)")
	f.BoolVar(&o.SentTrainDevOnly, "sentiment-train-dev-only", o.SentTrainDevOnly, "train sentiment on the SemEval train/dev files only, not the whole sentiment-tweets pool (the models before 2026-11-28)")
	f.BoolVar(&o.EmoNeg, "emotion-neg", o.EmoNeg, "negation-aware features (negated words' character n-grams get their own ids, negators leave the mean word vector) for emotion")
	f.BoolVar(&o.SentNeg, "sentiment-neg", o.SentNeg, "negation-aware features for sentiment")
	f.IntVar(&o.SentTuneFolds, "sentiment-tune-folds", o.SentTuneFolds, "tune the sentiment class offsets on out-of-fold predictions of the training pool with this many folds (< 2: tune on the dev split)")
	f.StringVar(&o.SentTuneFrom, "sentiment-tune-from", o.SentTuneFrom, "with --sentiment-tune-folds, tune only on training files whose name starts with this")
	f.IntVar(&o.SentAvgFrom, "sentiment-avg-from", o.SentAvgFrom, "average sentiment weights over epochs from this one on (-1: off)")
	f.BoolVar(&o.SentStack, "sentiment-stack", o.SentStack, "feed emotion probabilities to the sentiment model")
	f.IntVar(&o.EmoAvgFrom, "emotion-avg-from", o.EmoAvgFrom, "average emotion weights over epochs from this one on (-1: off)")
	f.BoolVar(&o.EmoEkmanHead, "emotion-ekman-head", o.EmoEkmanHead, "train 7 Ekman-group outputs that give the ekman probabilities and gate emotion_labels by group")
	f.IntVar(&o.EmoRetune, "emotion-retune", o.EmoRetune, "passes re-tuning label thresholds through the Ekman head's gating")
	f.BoolVar(&o.EmoEmbed, "emotion-embed", o.EmoEmbed, "add the mean GloVe word vector to the emotion features")
	f.BoolVar(&o.SentEmbed, "sentiment-embed", o.SentEmbed, "add the mean GloVe word vector to the sentiment features")
	f.Float64Var(&o.EmbScale, "embed-scale", o.EmbScale, "training-time scale of the word-vector features")
	f.IntVar(&o.ThresholdSmooth, "threshold-smooth", o.ThresholdSmooth, "moving-average half-width (steps of 0.01) over F1-vs-threshold curves when tuning emotion thresholds")
	f.Float64Var(&o.EmoNB, "emotion-nb", o.EmoNB, "NB-SVM feature scaling smoothing for emotion (0: off)")
	f.IntVar(&o.EmoMinDF, "emotion-min-df", o.EmoMinDF, "leave out of emotion training the hashed features with fewer occurrences than this in the training texts (0: keep all)")
	f.Float64Var(&o.Sent2016Weight, "sentiment-2016-weight", o.Sent2016Weight, "weight of the 2016 train/dev tweets in sentiment training (0: 1)")
	f.Float64Var(&o.WeightSemEval, "weight-semeval", o.WeightSemEval, "example weight of SemEval-2018 E-c tweets")
	f.Float64Var(&o.WeightTweetEval, "weight-tweeteval", o.WeightTweetEval, "example weight of TweetEval tweets")
	f.BoolVar(&o.EmoFloatEval, "emotion-float-eval", o.EmoFloatEval, "also score the emotion model with its float (unquantized) weights and print one line of figures")
	f.BoolVar(&o.EmoIDF, "emotion-idf", o.EmoIDF, "scale hashed emotion features by their training idf (folded into the weights)")
	f.Float64Var(&o.EmoL2DF, "emotion-l2-df", o.EmoL2DF, "scale each hashed feature's L2 penalty by (N/df)^x, 0 for off (1: batch-equivalent regularization of rare features)")
	f.Float64Var(&o.EmoBlockNorm, "emotion-block-norm", o.EmoBlockNorm, "experiment: normalize word features and character n-grams as two unit-norm blocks, word block times this (0: off; scored with float weights, the written model is not usable)")
	f.BoolVar(&o.EmoIDFNorm, "emotion-idf-norm", o.EmoIDFNorm, "experiment: tf-idf values normalized to unit norm per text (scored with float weights, the written model is not usable)")
	f.StringVar(&o.SentTeacher, "sentiment-teacher", o.SentTeacher, "teacher probabilities for sentiment training (JSON lines written by scripts/teacher; empty: none)")
	f.Float64Var(&o.SentTeacherMix, "sentiment-teacher-mix", o.SentTeacherMix, "share of the teacher's probabilities in the targets of labelled tweets (0: gold only)")
	f.Float64Var(&o.SentTeacherExtra, "sentiment-teacher-extra", o.SentTeacherExtra, "weight of the emotion sets' training texts labelled by the teacher alone (0: not used)")
	f.StringVar(&o.SentTeacherInput, "sentiment-teacher-input", o.SentTeacherInput, "write the texts a sentiment teacher should label to this file (JSON lines) and train nothing")
	return cmd
}
