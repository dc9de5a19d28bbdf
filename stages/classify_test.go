package stages

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/email"
)

var updateIntel = flag.Bool("update-intel", false, "rewrite the golden files of the intelligence stages")

// golden compares got with testdata/<path>, or rewrites it with -update-intel.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", path)
	if *updateIntel {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read golden %s (run with -update-intel): %v", p, err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from golden:\n--- got\n%s\n--- want\n%s", p, got, want)
	}
}

var monday = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // a Monday

// sample is an email as the parse and PII stages would leave it. Redacted
// text equals the raw text here: these samples contain no personal data.
func sample(lang, subject, body string, mod func(*email.Email)) *email.Email {
	e := &email.Email{
		Subject: subject, Body: body, Language: lang, Date: monday,
		From: email.Address{Address: "colleague@corp.example.com"},
		To:   []email.Address{{Address: "me@corp.example.com"}},
		Headers: map[string][]string{
			"From":         {"colleague@corp.example.com"},
			"To":           {"me@corp.example.com"},
			"Date":         {"Mon, 2 Mar 2026 09:00:00 +0000"},
			"Message-Id":   {"<1234@corp.example.com>"},
			"Subject":      {subject},
			"Content-Type": {"text/plain; charset=utf-8"},
			"X-Mailer":     {"Microsoft Outlook 16.0"},
		},
	}
	if mod != nil {
		mod(e)
	}
	e.RedactedSubject, e.RedactedBody, e.Redacted = e.Subject, e.Body, true
	return e
}

type intelCase struct {
	name string
	e    *email.Email
	cat  string // expected category
}

func intelCases() []intelCase {
	bulk := func(e *email.Email) {
		e.Headers["List-Unsubscribe"] = []string{"<https://news.example.com/u>"}
		e.Flags.IsBulk = true
	}
	return []intelCase{
		{"en meeting calendar", sample("en", "Project sync", "Let's meet on Thursday to go through the plan.", func(e *email.Email) { e.Flags.HasCalendar = true }), "meeting"},
		{"de meeting", sample("de", "Besprechung am Donnerstag", "Hallo,\n\nkönnen wir die Besprechung auf Donnerstag verschieben? Bitte um kurze Rückmeldung bis morgen.\n\nViele Grüße\nAnna", nil), "meeting"},
		{"es billing", sample("es", "Factura de marzo", "Estimado cliente:\n\nAdjuntamos la factura del mes de marzo. El pago vence el viernes.\n\nSaludos", nil), "billing"},
		{"fr support", sample("fr", "Problème de connexion", "Bonjour,\n\nJe n'arrive plus à me connecter, j'ai une erreur au moment du mot de passe. Pouvez-vous m'aider ?\n\nCordialement", nil), "support"},
		{"pt urgent incident", sample("pt", "URGENTE: servidor fora do ar", "Olá,\n\nO servidor de produção caiu, houve uma interrupção total do serviço. Precisamos de ajuda imediatamente, hoje.\n\nAtenciosamente", nil), "support"},
		{"it work report", sample("it", "Relazione trimestrale", "Buongiorno,\n\nvi invio la bozza della relazione trimestrale per la revisione prima della scadenza.\n\nCordiali saluti", nil), "work"},
		{"ja meeting", sample("ja", "来週の会議", "お疲れ様です。\n来週の会議の日程を調整させてください。\nよろしくお願いします。", nil), "meeting"},
		{"zh billing", sample("zh", "发票问题", "您好，\n我们收到的发票金额有误，请核实付款信息。\n谢谢", nil), "billing"},
		{"en personal", sample("en", "Dinner on Saturday?", "Hey! Are you free for dinner this weekend? The kids would love to see you.", nil), "personal"},
		{"en newsletter", sample("en", "Our March newsletter", "Read the latest stories from our blog. To unsubscribe click below.", bulk), "newsletter"},
		{"en notification", sample("en", "Your password was changed", "This is an automated message. Your password was changed.", func(e *email.Email) {
			e.From = email.Address{Address: "no-reply@service.example.com"}
			e.Headers["Auto-Submitted"] = []string{"auto-generated"}
		}), "notification"},
		{"en phishing", sample("en", "Account suspended", "Unusual activity: verify your account within 24 hours or it will be closed.", func(e *email.Email) {
			e.From = email.Address{Name: "Bank", Address: "security@bank.example.com"}
			e.ReplyTo = []email.Address{{Address: "help@collector.example.net"}}
			e.Links = []email.Link{{Href: "http://198.51.100.7/login", Text: "www.bank.example.com"}}
			e.Flags.HasHTML = true
		}), "phishing"},
		{"en spam", sample("en", "MAKE MONEY FAST!!! Guaranteed income", "Dear friend, earn $5000 weekly from home!!! Click here to order now, limited time offer, 100% free, no risk. Remove me from this list: click here.", func(e *email.Email) {
			e.From = email.Address{Address: "offers99@mailer.example.biz"}
			e.To = nil
		}), "spam"},
		{"en general", sample("en", "Quick note", "Here is the thing we talked about.", nil), "general"},
		{"en thanks", sample("en", "Re: notes", "Thanks a lot, that is very helpful!", func(e *email.Email) { e.ThreadDepth = 1; e.Flags.IsReply = true }), "general"},
	}
}

func TestClassify(t *testing.T) {
	st, err := newClassify(&Config{})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, tc := range intelCases() {
		t.Run(tc.name, func(t *testing.T) {
			if err := st.Process(context.Background(), tc.e); err != nil {
				t.Fatal(err)
			}
			if tc.e.Category != tc.cat {
				t.Errorf("category = %s (%v), want %s", tc.e.Category, tc.e.CategoryReasons, tc.cat)
			}
			if !contains(Categories, tc.e.Category) || tc.e.CategoryConfidence <= 0 || tc.e.CategoryConfidence > 1 {
				t.Errorf("bad category/confidence %s %v", tc.e.Category, tc.e.CategoryConfidence)
			}
			for _, r := range tc.e.CategoryReasons {
				if strings.Contains(r, "@") || strings.Contains(r, " ") {
					t.Errorf("reason %q looks like raw content", r)
				}
			}
		})
		b, _ := json.Marshal(map[string]any{"case": tc.name, "category": tc.e.Category, "confidence": tc.e.CategoryConfidence, "reasons": tc.e.CategoryReasons})
		out.Write(b)
		out.WriteByte('\n')
	}
	golden(t, "classify/cases.golden", []byte(out.String()))
}

func TestClassifyHeaderEvidence(t *testing.T) {
	st, _ := newClassify(&Config{})
	tests := []struct {
		name   string
		mod    func(*email.Email)
		reason string
	}{
		{"list-id", func(e *email.Email) { e.Headers["List-Id"] = []string{"<x.lists.example.com>"} }, "header:list-id"},
		{"precedence", func(e *email.Email) { e.Headers["Precedence"] = []string{"bulk"} }, "header:precedence-bulk"},
		{"no-reply", func(e *email.Email) { e.From = email.Address{Address: "noreply@x.example.com"} }, "sender:no-reply"},
		{"reply-to", func(e *email.Email) { e.ReplyTo = []email.Address{{Address: "a@other.example.org"}} }, "reply_to_domain_mismatch"},
		{"calendar", func(e *email.Email) { e.Flags.HasCalendar = true }, "part:text/calendar"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := sample("en", "Hello", "Some text about the plan for next week.", tc.mod)
			st.Process(context.Background(), e)
			if !contains(e.CategoryReasons, tc.reason) {
				t.Fatalf("reasons %v lack %s", e.CategoryReasons, tc.reason)
			}
		})
	}
}

func BenchmarkClassify(b *testing.B) {
	st, _ := newClassify(&Config{})
	e := sample("en", "Quarterly report review", strings.Repeat("Could you please review the quarterly report before Thursday's meeting? ", 20), nil)
	b.ReportAllocs()
	for b.Loop() {
		st.Process(context.Background(), e)
	}
}

// TestBusinessEmailCompromise: a payment request with the reply path
// diverted to another domain is phishing even without a link; the same
// request from a normal thread is billing talk.
func TestBusinessEmailCompromise(t *testing.T) {
	st, _ := newClassify(&Config{})
	for _, tc := range []struct {
		name, lang, subj, body string
		divert                 bool
		want                   string
	}{
		{"en diverted", "en", "Confidential", "Please process a wire transfer of 48,900 USD today and reply only to me.", true, "phishing"},
		{"de diverted", "de", "Vertraulich", "Bitte veranlassen Sie heute eine Überweisung von 48.900 EUR und antworten Sie nur mir.", true, "phishing"},
		{"fr diverted", "fr", "Confidentiel", "Merci d'effectuer un virement de 48 900 EUR aujourd'hui.", true, "phishing"},
		{"en same domain", "en", "Supplier payment", "Please process a wire transfer of 48,900 USD for invoice 4411 today.", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := sample(tc.lang, tc.subj, tc.body, func(e *email.Email) {
				if tc.divert {
					e.ReplyTo = []email.Address{{Address: "boss@freemail.example.net"}}
				}
			})
			st.Process(context.Background(), e)
			if tc.want != "" && e.Category != tc.want {
				t.Fatalf("category %s (%v), want %s", e.Category, e.CategoryReasons, tc.want)
			}
			if tc.want == "" && e.Category == "phishing" {
				t.Fatalf("ordinary payment request marked phishing: %v", e.CategoryReasons)
			}
		})
	}
}
