package stages

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// The summary was made lazy (paragraphs cleaned and split only as far as
// the lead needs them) and byte-based for speed. Its output must not
// change: refSummarizeLead is the straightforward version it replaced
// (clean the whole body, split all of it into rune-sliced sentences), and
// the tests below compare the two.

func refSummarizeLead(subject, body string, maxChars, minLead int) string {
	body = capText(body, 4<<10)
	text := refCleanBody(body)
	if strings.TrimSpace(text) == "" {
		text = refCleanBody(forwardedPart(body))
	}
	var b strings.Builder
	n := 0
	for _, s := range refSplitSentences(text) {
		if b.Len() == 0 && isBoilerplateSentence(s) {
			continue
		}
		l := utf8.RuneCountInString(s)
		if b.Len() > 0 && (n >= minLead || n+1+l > maxChars) {
			break
		}
		if b.Len() == 0 {
			s = stripFiller(s)
			l = utf8.RuneCountInString(s)
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(s)
		n += l
	}
	out := b.String()
	if out == "" {
		out = strings.TrimSpace(stripSubjectPrefix(subject))
	}
	return cutWords(out, maxChars)
}

func refCleanBody(body string) string {
	lines := strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	var kept []string
	first := true
	keptBytes := 0
	for _, raw := range lines {
		l := strings.TrimSpace(raw)
		if l == "" && keptBytes >= 2<<10 {
			break
		}
		ll := strings.ToLower(l)
		if strings.HasPrefix(l, ">") {
			continue
		}
		if raw == "-- " || l == "--" || l == "__" || isQuoteHeader(ll) {
			break
		}
		if refIsClosing(ll) {
			break
		}
		if l == "" {
			kept = append(kept, "")
			continue
		}
		if first {
			first = false
			if isGreeting(ll) {
				continue
			}
		}
		kept = append(kept, l)
		keptBytes += len(l)
	}
	var paras []string
	for _, p := range strings.Split(strings.Join(kept, "\n"), "\n\n") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if containsAny(strings.ToLower(p), disclaimerCues) && utf8.RuneCountInString(p) > 60 {
			continue
		}
		paras = append(paras, strings.Join(strings.Fields(p), " "))
	}
	return strings.Join(paras, "\n")
}

func refIsClosing(l string) bool {
	if utf8.RuneCountInString(l) > 40 {
		return false
	}
	bare := strings.TrimRight(l, " ,.!")
	for _, c := range closings {
		cb := strings.TrimRight(c, " ,.!")
		if bare == cb {
			return true
		}
		if strings.HasPrefix(l, c) && len(strings.Fields(l[len(c):])) <= 2 && !strings.HasPrefix(c, "thank") {
			return true
		}
	}
	return false
}

func refSplitSentences(text string) []string {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		out = splitParagraphRunes(para, out)
	}
	return out
}

// summaryRefCases are bodies that exercise every rule: greetings,
// closings, quote headers, disclaimers, forwards, paragraph breaks of one
// and more empty lines, CRLF, invalid UTF-8, CJK punctuation, and leads of
// every length against the limits.
var summaryRefCases = []struct{ subject, body string }{
	{"Budget", "Hi John,\n\nThe budget for Q3 is approved. Please start hiring in July.\n\nBest regards,\nMary\nVP Finance"},
	{"Termin", "Hallo,\r\n\r\ndas Meeting ist auf Donnerstag verschoben.\r\n\r\nMit freundlichen Grüßen\r\nAnna"},
	{"Re: contrat", "Bonjour,\n\nLe contrat est signé.\n\nLe lundi 2 mars, Paul a écrit :\n> Où en est le contrat ?"},
	{"会議", "こんにちは。\n来週の会議は水曜日に変更になりました。\nよろしくお願いします。"},
	{"Note", "Hello,\n\nPlease see the attached plan.\n\nThis email and any attachments are CONFIDENTIAL and intended solely for the addressee. If you are not the intended recipient, delete it."},
	{"Fwd: x", "---------- Forwarded message ---------\nFrom: A\nDate: today\nSubject: x\n\n> The server room is flooded. Move the backups now.\n> Second line."},
	{"Fwd: y", "Best regards,\n-----Original Message-----\nFrom: someone\nTo: me\n\nOriginal text that was forwarded. It has two sentences."},
	{"", "FYI.\n\nSee attached.\n\nThanks!\n\nok"},
	{"", "Short.\nNext line one. Next line two!\n\n\nAfter two empty lines?   Yes.\n\n\n\nFour."},
	{"", "bad \xff\xfe bytes. in \xc3 the. lead\x80 sentence! more text here to pass the minimum lead length"},
	{"", "I wanted to let you know that the migration moves to Saturday because of the outage last week."},
	{"", "Jeff is out.\nHe is back on Monday and will call you then about the contract renewal and the pricing."},
	{"", "  \n\t\n  "},
	{"Re: Lunch", ""},
	{"", "Dear all,\nthe line after the greeting.\n-- \nsig"},
	{"", "Numbers 3.14 and v1.2.3 are not sentence ends. e.g. this is one sentence... Really?No. Yes!\u00a0Nbsp next."},
	{"", "Thanks, that works for me and the team will start tomorrow morning.\nCheers"},
	{"", "Saludos, Ana\nhidden"},
	{"", "\u3000全角スペース。文末！疑問？終わり"},
}

func TestSummarizeMatchesReference(t *testing.T) {
	long := strings.Repeat("This is a filler sentence of some length. ", 80)
	cases := append([]struct{ subject, body string }{}, summaryRefCases...)
	cases = append(cases,
		struct{ subject, body string }{"", long + "\n\n" + long},
		struct{ subject, body string }{"", strings.Repeat("line without end\n", 300) + "\nlate paragraph. Here."},
		struct{ subject, body string }{"", "Hi,\n\n" + strings.Repeat("> quoted\n", 50) + "Real text after quotes. Second."},
	)
	for _, c := range cases {
		for _, lim := range []struct{ max, lead int }{{200, 40}, {40, 40}, {10, 0}, {500, 400}} {
			got := SummarizeLead(c.subject, c.body, lim.max, lim.lead)
			want := refSummarizeLead(c.subject, c.body, lim.max, lim.lead)
			if got != want {
				t.Fatalf("SummarizeLead(%q, %q, %d, %d) = %q, want %q", c.subject, c.body, lim.max, lim.lead, got, want)
			}
		}
		if got, want := cleanBody(c.body), refCleanBody(c.body); got != want {
			t.Fatalf("cleanBody(%q) = %q, want %q", c.body, got, want)
		}
		if got, want := splitSentences(c.body), refSplitSentences(c.body); strings.Join(got, "\x00") != strings.Join(want, "\x00") {
			t.Fatalf("splitSentences(%q) = %q, want %q", c.body, got, want)
		}
	}
}

func FuzzSummarizeLead(f *testing.F) {
	for _, c := range summaryRefCases {
		f.Add(c.subject, c.body)
	}
	f.Fuzz(func(t *testing.T, subject, body string) {
		for _, lim := range []struct{ max, lead int }{{200, 40}, {30, 10}} {
			if got, want := SummarizeLead(subject, body, lim.max, lim.lead), refSummarizeLead(subject, body, lim.max, lim.lead); got != want {
				t.Fatalf("SummarizeLead(%q, %q) = %q, want %q", subject, body, got, want)
			}
		}
		if got, want := cleanBody(body), refCleanBody(body); got != want {
			t.Fatalf("cleanBody(%q) = %q, want %q", body, got, want)
		}
	})
}
