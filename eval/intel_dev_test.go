//go:build eval

package eval

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/triage-dev/triage/langid"
	"github.com/triage-dev/triage/stages"
	"github.com/triage-dev/triage/textmodel"
)

// TestDevSpam: exploratory plain-CV comparison (not reported).
func TestDevSpam(t *testing.T) {
	cd := filepath.Join(dataDir(t), "spamassassin")
	corpus, err := textmodel.LoadCorpus(cd, filepath.Join(cd, "labels.csv"))
	if err != nil {
		t.Fatal(err)
	}
	docs := make([]textmodel.Doc, len(corpus))
	labels := make([]bool, len(corpus))
	for i, c := range corpus {
		docs[i], labels[i] = c.Doc, c.Spam
	}
	_ = os.Getenv
	if os.Getenv("DEV_DIAG") != "" {
		ex := textmodel.FeaturiseWith(docs, labels, textmodel.FeatStructure)
		pp := textmodel.CrossValidate(ex, 5, textmodel.Options{})
		type k struct{ sub, shape string }
		cnt := map[k]int{}
		for j, c := range corpus {
			words := 0
			for range strings.Fields(c.Doc.Body) {
				words++
			}
			shape := "ok"
			switch {
			case words < 10:
				shape = "empty"
			case c.Doc.HTML:
				shape = "html"
			}
			err := "right"
			if (pp[j] >= 0.5) != c.Spam {
				err = "wrong"
			}
			cnt[k{c.Subset + "/" + err, shape}]++
		}
		t.Logf("%v", cnt)
		return
	}
	for _, s := range []textmodel.FeatureSet{textmodel.FeatStructure, textmodel.FeatHeaders | textmodel.FeatStructure, textmodel.FeatHeaders | textmodel.FeatStructure | textmodel.FeatList} {
		ex := textmodel.FeaturiseWith(docs, labels, s)
		for _, o := range []textmodel.Options{{}, {Epochs: 30}, {Rate: 0.2}, {L2: 1e-5}} {
			pp := textmodel.CrossValidate(ex, 5, o)
			ok, hn, he, fn := 0, 0, 0, 0
			for j, c := range corpus {
				if (pp[j] >= 0.5) == c.Spam {
					ok++
				} else if c.Spam {
					fn++
				}
				if c.Subset == "hard_ham" {
					hn++
					if pp[j] >= 0.5 {
						he++
					}
				}
			}
			t.Logf("set %d opt %+v: acc %.2f hard %.1f fn %d", s, o, pct(ok, len(corpus)), pct(he, hn), fn)
		}
	}
}

// TestDevTickets prints aggregate diagnostics on the dev half of the
// tickets only (never the reported half).
func TestDevTickets(t *testing.T) {
	dir := dataDir(t)
	det, _ := langid.New(nil)
	ss := intelStages(t)
	lang := map[string]int{}
	prio := map[string]int{}
	reasons := map[string]int{}
	cat := map[string]int{}
	n, pok, bok, ln, lok, qn, qok := 0, 0, 0, 0, 0, 0, 0
	for i, row := range readTickets(t, dir) {
		if !ticketDev(i) {
			continue
		}
		n++
		if subj := strings.TrimSpace(row[tkSubject]); subj != "" {
			ln++
			r := det.Detect(subj)
			if r.Lang == row[tkLang] {
				lok++
			} else {
				lang[row[tkLang]+"->"+r.Lang]++
			}
		}
		e := ticketEmail(row[tkSubject], row[tkBody])
		run(t, ss, e, nil)
		got := level3(e.PriorityLevel)
		prio[row[tkPrio]+"->"+got]++
		if got == row[tkPrio] {
			pok++
		}
		if baselinePriority(row[tkSubject]+" "+row[tkBody]) == row[tkPrio] {
			bok++
		}
		if e.Category == "spam" {
			for _, r := range e.CategoryReasons {
				if strings.HasPrefix(r, "spam_model:") {
					reasons["spamscore "+r[11:15]+" "+e.Language]++
				}
			}
		}
		for _, r := range e.CategoryReasons {
			if strings.HasPrefix(r, "cue:") {
				reasons[row[tkPrio]+" C"+r]++
			}
		}
		reasons[row[tkPrio]+" Ccat:"+e.Category]++
		for _, r := range e.PriorityReasons {
			reasons[row[tkPrio]+" "+r]++
		}
		if want, ok := queueCategory[row[tkQueue]]; ok {
			qn++
			if e.Category == want {
				qok++
			}
			cat[want+"->"+e.Category]++
		}
	}
	t.Logf("dev n=%d lang %d/%d %.1f%% prio %.1f%% (baseline %.1f%%) cat %.1f%%", n, lok, ln, pct(lok, ln), pct(pok, n), pct(bok, n), pct(qok, qn))
	t.Logf("lang errors %v", lang)
	t.Logf("prio %v", prio)
	t.Logf("reasons %v", reasons)
	t.Logf("cat %v", cat)
}

// TestDevSummary compares lead lengths on the dev half of AESLC only.
func TestDevSummary(t *testing.T) {
	recs := readAESLC(t, dataDir(t))
	for _, ml := range []int{0, 40, 80, 200} {
		var r1, rl, b1, bl float64
		n := 0
		for i, x := range recs {
			if !aeslcDev(i) {
				continue
			}
			n++
			c := stages.SummarizeLead("", x.Body, 200, ml)
			fs := firstSentence(x.Body)
			for _, ref := range x.HumanSubjects {
				a, b := rouge(c, ref)
				r1 += a / float64(len(x.HumanSubjects))
				rl += b / float64(len(x.HumanSubjects))
				a, b = rouge(fs, ref)
				b1 += a / float64(len(x.HumanSubjects))
				bl += b / float64(len(x.HumanSubjects))
			}
		}
		t.Logf("minLead %d: n=%d R1 %.3f RL %.3f (baseline %.3f %.3f)", ml, n, r1/float64(n), rl/float64(n), b1/float64(n), bl/float64(n))
	}
}
