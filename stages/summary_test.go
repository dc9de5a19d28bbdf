package stages

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/triage-dev/triage/email"
)

func TestSummarize(t *testing.T) {
	tests := []struct {
		name, subject, body string
		max                 int
		want                string
	}{
		{"en greeting and signature", "Budget", "Hi John,\n\nThe budget for Q3 is approved. Please start hiring in July.\n\nBest regards,\nMary\nVP Finance", 200,
			"The budget for Q3 is approved. Please start hiring in July."},
		{"de greeting and closing", "Termin", "Hallo,\n\ndas Meeting ist auf Donnerstag verschoben.\n\nMit freundlichen Grüßen\nAnna", 200,
			"das Meeting ist auf Donnerstag verschoben."},
		{"fr quoted history", "Re: contrat", "Bonjour,\n\nLe contrat est signé.\n\nLe lundi 2 mars, Paul a écrit :\n> Où en est le contrat ?", 200,
			"Le contrat est signé."},
		{"es estimado", "Factura", "Estimado cliente:\n\nSu factura de marzo está disponible en el portal.\n\nAtentamente,\nEl equipo", 200,
			"Su factura de marzo está disponible en el portal."},
		{"pt olá", "Pedido", "Olá,\n\nO seu pedido foi enviado hoje.\n\nAtenciosamente", 200, "O seu pedido foi enviado hoje."},
		{"it buongiorno", "Ordine", "Buongiorno,\n\nl'ordine è stato spedito.\n\nCordiali saluti", 200, "l'ordine è stato spedito."},
		{"ja greeting", "会議", "こんにちは。\n来週の会議は水曜日に変更になりました。\nよろしくお願いします。", 200, "来週の会議は水曜日に変更になりました。"},
		{"disclaimer dropped", "Note", "Hello,\n\nPlease see the attached plan.\n\nThis email and any attachments are confidential and intended solely for the addressee. If you are not the intended recipient, delete it.", 200,
			"Please see the attached plan."},
		{"outlook original message", "Re: x", "Sounds good.\n\n-----Original Message-----\nFrom: someone\nSubject: x", 200, "Sounds good."},
		{"word boundary cut", "", "This sentence is rather long and will certainly have to be cut somewhere in the middle of it.", 40,
			"This sentence is rather long and will…"},
		{"cjk rune cut", "", "来週の会議は水曜日に変更になりました来週の会議は水曜日に変更になりました", 10, "来週の会議は水曜日…"},
		{"empty body uses subject", "Re: Lunch on Friday", "", 200, "Lunch on Friday"},
		{"lead only", "", "The quarterly numbers are final and the board meeting stays on Tuesday. We will also discuss hiring. Lunch is provided.", 200,
			"The quarterly numbers are final and the board meeting stays on Tuesday."},
		{"boilerplate lead skipped", "", "FYI.\n\nThe storage migration moves to next weekend because of the outage.", 200,
			"The storage migration moves to next weekend because of the outage."},
		{"filler opener stripped", "", "I wanted to let you know that the contract review moved to Friday afternoon.", 200,
			"The contract review moved to Friday afternoon."},
		{"forward only", "", "---------------------- Forwarded by Kay Mann/Corp on 05/01/2001 ----------------------\nFrom: someone\nTo: someone else\nSubject: gas contract\n\nThe gas contract draft needs legal review before signing.", 200,
			"The gas contract draft needs legal review before signing."},
		{"thanks is content", "Re: doc", "Thanks, that works for me.", 200, "Thanks, that works for me."},
	}
	var out strings.Builder
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Summarize(tc.subject, tc.body, tc.max)
			if got != tc.want {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
			if n := utf8.RuneCountInString(got); n > tc.max {
				t.Errorf("summary has %d runes, max %d", n, tc.max)
			}
			if !utf8.ValidString(got) {
				t.Error("invalid UTF-8")
			}
			b, _ := json.Marshal(map[string]string{"case": tc.name, "summary": got})
			out.Write(b)
			out.WriteByte('\n')
		})
	}
	golden(t, "summary/cases.golden", []byte(out.String()))
}

// TestSummaryNeedsRedaction pins the privacy rule: without the PII stage
// no summary is produced, so raw text cannot leak into the output.
func TestSummaryNeedsRedaction(t *testing.T) {
	st, _ := newSummary(&Config{Summary: SummaryOptions{MaxChars: 200}})
	e := &email.Email{Subject: "Call me", Body: "My number is +1 555 0100, call me."}
	st.Process(context.Background(), e)
	if e.Summary != "" {
		t.Fatalf("summary %q produced from unredacted text", e.Summary)
	}
	e.RedactedSubject, e.RedactedBody, e.Redacted = "Call me", "My number is [PHONE_REDACTED], call me.", true
	st.Process(context.Background(), e)
	if e.Summary != "My number is [PHONE_REDACTED], call me." {
		t.Fatalf("summary %q", e.Summary)
	}
}

func BenchmarkSummary(b *testing.B) {
	st, _ := newSummary(&Config{Summary: SummaryOptions{MaxChars: 200}})
	e := sample("en", "Quarterly report review", "Hi team,\n\n"+strings.Repeat("Could you please review the quarterly report before Thursday's meeting? ", 20)+"\n\nBest regards,\nMary", nil)
	b.ReportAllocs()
	for b.Loop() {
		st.Process(context.Background(), e)
	}
}
