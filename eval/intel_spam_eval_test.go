//go:build eval

package eval

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/triage-dev/triage/textmodel"
)

// evalSpam scores the spam model by 5-fold cross-validation on the
// SpamAssassin sample: every message is scored by a model that never saw
// it. The committed model (trained on all of it) is not evaluated here,
// since that would test on training data.
func evalSpam(t *testing.T, dir string, r *report) {
	cd := filepath.Join(dir, "spamassassin")
	if _, err := os.Stat(cd); err != nil {
		t.Skipf("spamassassin absent: %v", err)
	}
	corpus, err := textmodel.LoadCorpus(cd, filepath.Join(cd, "labels.csv"))
	if err != nil {
		t.Fatal(err)
	}
	docs := make([]textmodel.Doc, len(corpus))
	labels := make([]bool, len(corpus))
	for i, c := range corpus {
		docs[i], labels[i] = c.Doc, c.Spam
	}
	ex := textmodel.Featurise(docs, labels)
	const k = 5
	probs := textmodel.CrossValidate(ex, k, textmodel.Options{})
	var tp, fp, tn, fn, hardN, hardErr int
	subsetErr := map[string][2]int{}
	for i, c := range corpus {
		pred := probs[i] >= 0.5
		switch {
		case pred && c.Spam:
			tp++
		case pred && !c.Spam:
			fp++
		case !pred && !c.Spam:
			tn++
		default:
			fn++
		}
		s := subsetErr[c.Subset]
		s[1]++
		if pred != c.Spam {
			s[0]++
		}
		subsetErr[c.Subset] = s
		if c.Subset == "hard_ham" {
			hardN++
			if pred {
				hardErr++
			}
		}
	}
	n := len(corpus)
	r.f("### Spam/ham model (textmodel), %d-fold cross-validation on spamassassin (%d messages)\n\n", k, n)
	r.f("Model: logistic regression (AdaGrad, 12 epochs) on 2^18 hashed binary features: subject/body word unigrams and body bigrams, link hosts, link-text mismatch, Reply-To mismatch and sender-controlled headers; transport headers (Received, Return-Path, ...) excluded. Folds: message i (sorted by path) in fold i mod %d. Threshold 0.5.\n\n", k)
	r.f("| model | accuracy | spam precision | spam recall | hard_ham error |\n|---|---|---|---|---|\n")
	r.f("| baseline: plain multinomial NB (team) | 98.0 %% | - | - | 6.8 %% |\n")
	r.f("| textmodel LR | %.2f %% | %.2f %% | %.2f %% | %.1f %% (%d/%d) |\n\n", pct(tp+tn, n), pct(tp, tp+fp), pct(tp, tp+fn), pct(hardErr, hardN), hardErr, hardN)
	r.f("Error rate per subset: ")
	for _, s := range []string{"easy_ham", "easy_ham_2", "hard_ham", "spam", "spam_2"} {
		e := subsetErr[s]
		r.f("%s %.1f %% (%d/%d); ", s, pct(e[0], e[1]), e[0], e[1])
	}
	r.f("\n\n")
}
