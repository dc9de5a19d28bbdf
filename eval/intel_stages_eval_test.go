//go:build eval

package eval

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/email"
	"github.com/triage-dev/triage/stages"
	"github.com/triage-dev/triage/textmodel"
)

// intelStages builds the language..respond stages (parse, dedup and pii are
// other areas; inputs here are built directly and marked redacted).
func intelStages(t *testing.T) []stages.Stage {
	all, err := stages.Build(&stages.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var out []stages.Stage
	for _, s := range all {
		switch s.Name() {
		case "language", "classify", "priority", "summary", "respond":
			out = append(out, s)
		}
	}
	return out
}

// ticketEmail turns a support ticket into an email as the parse and PII
// stages would leave it. The tickets are synthetic and already use
// placeholders for personal data, so the redacted text is the text.
func ticketEmail(subject, body string) *email.Email {
	body = strings.ReplaceAll(body, `\n`, "\n")
	e := &email.Email{
		Subject: subject, Body: body,
		From:    email.Address{Address: "customer@example.org"},
		To:      []email.Address{{Address: "support@example.com"}},
		Date:    time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
		Headers: map[string][]string{"From": {"customer@example.org"}, "To": {"support@example.com"}, "Date": {"Mon, 2 Mar 2026 09:00:00 +0000"}, "Message-Id": {"<1@example.org>"}, "Content-Type": {"text/plain; charset=utf-8"}},
	}
	e.RedactedSubject, e.RedactedBody, e.Redacted = e.Subject, e.Body, true
	return e
}

func run(t *testing.T, ss []stages.Stage, e *email.Email, times map[string][]time.Duration) {
	for _, s := range ss {
		t0 := time.Now()
		if err := s.Process(context.Background(), e); err != nil {
			t.Fatalf("stage %s: %v", s.Name(), err)
		}
		if times != nil {
			times[s.Name()] = append(times[s.Name()], time.Since(t0))
		}
	}
}

// queueCategory maps the ticket queues onto our categories; queues with no
// clear counterpart are left out of the agreement figure.
var queueCategory = map[string]string{
	"Technical Support": "support", "Product Support": "support", "IT Support": "support",
	"Customer Service": "support", "Returns and Exchanges": "support", "Service Outages and Maintenance": "support",
	"Billing and Payments": "billing",
}

// Keyword baselines in the style of the system being replaced: English
// first-match lists.
func baselinePriority(text string) string {
	l := strings.ToLower(text)
	for _, w := range []string{"urgent", "asap", "critical", "immediately", "emergency"} {
		if strings.Contains(l, w) {
			return "high"
		}
	}
	for _, w := range []string{"fyi", "no rush", "whenever", "newsletter"} {
		if strings.Contains(l, w) {
			return "low"
		}
	}
	return "medium"
}

func baselineCategory(text string) string {
	l := strings.ToLower(text)
	for _, w := range []string{"invoice", "payment", "billing", "refund", "charge"} {
		if strings.Contains(l, w) {
			return "billing"
		}
	}
	for _, w := range []string{"error", "issue", "problem", "help", "support", "not working"} {
		if strings.Contains(l, w) {
			return "support"
		}
	}
	return "general"
}

func level3(l string) string {
	switch l {
	case "critical", "high":
		return "high"
	}
	return l
}

func evalTickets(t *testing.T, dir string, r *report) {
	rows := testTickets(t, dir)
	ss := intelStages(t)
	var n, ok, bOK, qn, qOK, qbOK, replies, replyLang int
	conf := map[[2]string]int{}
	for _, row := range rows {
		e := ticketEmail(row[tkSubject], row[tkBody])
		run(t, ss, e, nil)
		gold := row[tkPrio]
		got := level3(e.PriorityLevel)
		n++
		conf[[2]string{gold, got}]++
		if got == gold {
			ok++
		}
		if baselinePriority(row[tkSubject]+" "+row[tkBody]) == gold {
			bOK++
		}
		if want, has := queueCategory[row[tkQueue]]; has {
			qn++
			if e.Category == want {
				qOK++
			}
			if baselineCategory(row[tkSubject]+" "+row[tkBody]) == want {
				qbOK++
			}
		}
		if e.SuggestedResponse != "" {
			replies++
			if e.Language == row[tkLang] {
				replyLang++
			}
		}
	}
	r.f("### Priority and category on support_tickets_multilang (%d synthetic tickets, en/de/es/fr/pt)\n\n", n)
	r.f("Synthetic (LLM-generated) data, so a sanity check rather than a benchmark. Our levels critical+high are compared with the data's `high`. **Held-out half only**: the tickets are split once by a fixed hash of the row index (`ticketDev` in eval/intel_eval_test.go); round-2 calibration looked only at aggregate figures of the dev half, and every figure here is on the other half.\n\n")
	r.f("| measure | triage stages | keyword baseline (English first-match lists) |\n|---|---|---|\n")
	r.f("| priority accuracy (high/medium/low) | %.1f %% | %.1f %% |\n", pct(ok, n), pct(bOK, n))
	r.f("| queue -> category agreement (%d tickets in support/billing queues) | %.1f %% | %.1f %% |\n", qn, pct(qOK, qn), pct(qbOK, qn))
	r.f("| tickets with a suggested reply | %d of %d (%d in the ticket's language) | - |\n\n", replies, n, replyLang)
	r.f("Priority confusion (rows gold, columns predicted):\n\n| gold \\ pred | high | medium | low |\n|---|---|---|---|\n")
	for _, g := range []string{"high", "medium", "low"} {
		r.f("| %s | %d | %d | %d |\n", g, conf[[2]string{g, "high"}], conf[[2]string{g, "medium"}], conf[[2]string{g, "low"}])
	}
	r.f("\n")
}

// rouge returns ROUGE-1 F1 and ROUGE-L F1 of cand against ref (lower-cased
// word tokens).
func rouge(cand, ref string) (float64, float64) {
	c, rf := rougeTokens(cand), rougeTokens(ref)
	if len(c) == 0 || len(rf) == 0 {
		return 0, 0
	}
	cnt := map[string]int{}
	for _, w := range rf {
		cnt[w]++
	}
	overlap := 0
	for _, w := range c {
		if cnt[w] > 0 {
			cnt[w]--
			overlap++
		}
	}
	f := func(m int) float64 {
		if m == 0 {
			return 0
		}
		p, rc := float64(m)/float64(len(c)), float64(m)/float64(len(rf))
		return 2 * p * rc / (p + rc)
	}
	// LCS
	prev := make([]int, len(rf)+1)
	cur := make([]int, len(rf)+1)
	for i := 1; i <= len(c); i++ {
		for j := 1; j <= len(rf); j++ {
			if c[i-1] == rf[j-1] {
				cur[j] = prev[j-1] + 1
			} else {
				cur[j] = max(prev[j], cur[j-1])
			}
		}
		prev, cur = cur, prev
	}
	return f(overlap), f(prev[len(rf)])
}

func rougeTokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	})
}

func firstSentence(body string) string {
	b := strings.TrimSpace(body)
	for i := 0; i < len(b); i++ {
		if (b[i] == '.' || b[i] == '!' || b[i] == '?') && (i+1 == len(b) || b[i+1] == ' ' || b[i+1] == '\n') {
			return b[:i+1]
		}
		if b[i] == '\n' && i > 0 && b[i-1] == '\n' {
			return b[:i]
		}
	}
	return b
}

type aeslcRec struct {
	Body          string   `json:"body"`
	HumanSubjects []string `json:"human_subjects"`
}

// readAESLC reads the AESLC records that have human subject lines.
func readAESLC(t *testing.T, dir string) []aeslcRec {
	f, err := os.Open(filepath.Join(dir, "aeslc_enron_subjects", "test.jsonl"))
	if err != nil {
		t.Skipf("aeslc absent: %v", err)
	}
	defer f.Close()
	var out []aeslcRec
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 4<<20), 4<<20)
	for sc.Scan() {
		var x aeslcRec
		if err := json.Unmarshal(sc.Bytes(), &x); err != nil {
			t.Fatalf("decode aeslc: %v", err)
		}
		if len(x.HumanSubjects) > 0 {
			out = append(out, x)
		}
	}
	return out
}

// aeslcDev splits AESLC like the tickets: a fixed hash of the record index
// puts half in a dev set (used to choose the summary's lead length) and
// the other half in the reported test set.
func aeslcDev(i int) bool {
	h := fnv.New32a()
	fmt.Fprintf(h, "triage-aeslc-split-1/%d", i)
	return h.Sum32()%2 == 0
}

func evalSummary(t *testing.T, dir string, r *report) {
	type acc struct{ r1, rl float64 }
	sys := map[string]*acc{"triage 200": {}, "triage 60": {}, "first sentence": {}}
	n := 0
	for i, x := range readAESLC(t, dir) {
		if aeslcDev(i) {
			continue
		}
		n++
		cands := map[string]string{
			"triage 200":     stages.Summarize("", x.Body, 200),
			"triage 60":      stages.Summarize("", x.Body, 60),
			"first sentence": firstSentence(x.Body),
		}
		for k, c := range cands {
			var s1, sl float64
			for _, ref := range x.HumanSubjects {
				a, b := rouge(c, ref)
				s1 += a
				sl += b
			}
			sys[k].r1 += s1 / float64(len(x.HumanSubjects))
			sys[k].rl += sl / float64(len(x.HumanSubjects))
		}
	}
	r.f("### Summary on aeslc_enron_subjects (held-out half: %d Enron emails, 3 human subject lines each)\n\n", n)
	r.f("ROUGE F1 (word tokens, lower-cased), averaged over the three references and the emails of the **held-out half** (fixed hash split, `aeslcDev`; the lead length `leadMin` was chosen on the other half). The references are subject lines (a few words), so longer summaries are penalised on precision; the 60-character setting (`summary.max_chars: 60`) is shown for comparison. Round 1 (all sentences up to 200 characters) scored 0.189 / 0.170 on the whole set.\n\n")
	r.f("| system | ROUGE-1 F1 | ROUGE-L F1 |\n|---|---|---|\n")
	for _, k := range []string{"first sentence", "triage 200", "triage 60"} {
		label := k
		if k == "first sentence" {
			label = "baseline: first sentence of the body"
		}
		r.f("| %s | %.3f | %.3f |\n", label, sys[k].r1/float64(n), sys[k].rl/float64(n))
	}
	r.f("\n")
}

func evalTiming(t *testing.T, dir string, r *report) {
	ss := intelStages(t)
	times := map[string][]time.Duration{}
	total := []time.Duration{}
	runOne := func(e *email.Email) {
		t0 := time.Now()
		run(t, ss, e, times)
		total = append(total, time.Since(t0))
	}
	for _, row := range readTickets(t, dir) {
		runOne(ticketEmail(row[tkSubject], row[tkBody]))
	}
	nt := len(total)
	cd := filepath.Join(dir, "spamassassin")
	corpus, err := textmodel.LoadCorpus(cd, filepath.Join(cd, "labels.csv"))
	if err == nil {
		for _, c := range corpus {
			d := c.Doc
			e := &email.Email{Subject: d.Subject, Body: d.Body, Headers: d.Headers, From: d.From, ReplyTo: d.ReplyTo, Links: d.Links}
			e.Flags.HasHTML = d.HTML
			e.RedactedSubject, e.RedactedBody, e.Redacted = d.Subject, d.Body, true
			runOne(e)
		}
	}
	r.f("### Per-stage time\n\n%d emails (%d support tickets + %d SpamAssassin messages, mean 6 KB), one goroutine, on the shared 2-core dev machine (other builds running, so treat as upper bounds). Input already parsed; the pii stage is not included.\n\n", len(total), nt, len(total)-nt)
	r.f("| stage | median µs | p99 µs |\n|---|---|---|\n")
	names := make([]string, 0, len(times))
	for _, s := range ss {
		names = append(names, s.Name())
	}
	for _, k := range names {
		r.f("| %s | %s | %s |\n", k, us(quantile(times[k], .5)), us(quantile(times[k], .99)))
	}
	r.f("| **language..respond total** | %s | %s |\n\n", us(quantile(total, .5)), us(quantile(total, .99)))
}
