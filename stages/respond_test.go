package stages

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/triage-dev/triage/email"
)

func TestRespond(t *testing.T) {
	st, err := newRespond(&Config{Respond: RespondOptions{Tone: "neutral", Signature: "Support team"}})
	if err != nil {
		t.Fatal(err)
	}
	withCat := func(cat string, mod func(*email.Email)) func(*email.Email) {
		return func(e *email.Email) {
			e.Category = cat
			if mod != nil {
				mod(e)
			}
		}
	}
	tests := []struct {
		name     string
		e        *email.Email
		contains string // "" means no response expected
	}{
		{"en meeting", sample("en", "Sync", "Can we meet on Thursday?", withCat("meeting", nil)), "Thank you for the invitation"},
		{"es support", sample("es", "Error", "No puedo entrar en mi cuenta.", withCat("support", nil)), "mensajes de error"},
		{"fr billing", sample("fr", "Facture", "Ma facture est incorrecte.", withCat("billing", nil)), "facture"},
		{"de complaint", sample("de", "Beschwerde", "Das ist inakzeptabel, ich bin enttäuscht.", withCat("support", nil)), "tut mir leid"},
		{"pt urgent", sample("pt", "Urgente", "Preciso disso urgente.", withCat("work", nil)), "urgente"},
		{"it general", sample("it", "Ciao", "Ecco il documento.", withCat("general", nil)), "Grazie per il messaggio"},
		{"ja meeting", sample("ja", "会議", "会議の日程について。", withCat("meeting", nil)), "ご招待ありがとうございます"},
		{"zh billing", sample("zh", "发票", "发票有误。", withCat("billing", nil)), "发票"},
		{"en thanks", sample("en", "Re: doc", "Thanks a lot!", withCat("general", nil)), "much appreciated"},
		{"unsupported language falls back to en", sample("tr", "Soru", "Konuşabilir miyiz?", withCat("general", nil)), "Thank you for your message"},
		{"pl general", sample("pl", "Pytanie", "Czy możemy porozmawiać?", withCat("general", nil)), "Dziękuję za wiadomość"},
		{"ru support", sample("ru", "Ошибка", "Не работает вход в систему.", withCat("support", nil)), "Спасибо за обращение"},
		{"spam none", sample("en", "Win", "Free money", withCat("spam", nil)), ""},
		{"phishing none", sample("en", "Verify", "Verify your account", withCat("phishing", nil)), ""},
		{"newsletter none", sample("en", "News", "Digest", withCat("newsletter", nil)), ""},
		{"notification none", sample("en", "Alert", "Your build passed", withCat("notification", nil)), ""},
		{"auto-reply none", sample("en", "Out of office", "I am away until Monday.", withCat("general", func(e *email.Email) { e.Flags.IsAutoReply = true })), ""},
	}
	var out strings.Builder
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := st.Process(context.Background(), tc.e); err != nil {
				t.Fatal(err)
			}
			got := tc.e.SuggestedResponse
			if tc.contains == "" {
				if got != "" {
					t.Fatalf("unexpected response %q", got)
				}
				return
			}
			if !strings.Contains(got, tc.contains) {
				t.Fatalf("response %q lacks %q", got, tc.contains)
			}
			if !strings.HasSuffix(got, "Support team") {
				t.Fatalf("signature missing: %q", got)
			}
			// No text of the email may appear in the reply.
			for _, w := range strings.Fields(tc.e.RedactedBody) {
				if len([]rune(w)) > 8 && strings.Contains(got, w) {
					t.Fatalf("response quotes the email (%q)", w)
				}
			}
		})
		b, _ := json.Marshal(map[string]string{"case": tc.name, "response": tc.e.SuggestedResponse})
		out.Write(b)
		out.WriteByte('\n')
	}
	golden(t, "respond/cases.golden", []byte(out.String()))
}

// TestRespondNeedsRedaction pins the privacy rule: no response without the
// PII stage.
func TestRespondNeedsRedaction(t *testing.T) {
	st, _ := newRespond(&Config{Respond: RespondOptions{Tone: "neutral"}})
	e := &email.Email{Subject: "Hi", Body: "Can we meet?", Category: "meeting", Language: "en"}
	st.Process(context.Background(), e)
	if e.SuggestedResponse != "" {
		t.Fatalf("response %q without redaction", e.SuggestedResponse)
	}
}

func TestRespondToneAndOverrides(t *testing.T) {
	if _, err := newRespond(&Config{Respond: RespondOptions{Tone: "sarcastic"}}); err == nil {
		t.Fatal("unknown tone accepted")
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "en"), 0o755)
	os.WriteFile(filepath.Join(dir, "en", "meeting.tmpl"), []byte("{{.Greeting}} CUSTOM {{.Intent}} {{.Closing}}"), 0o644)
	st, err := newRespond(&Config{Respond: RespondOptions{Tone: "formal", TemplatesDir: dir}})
	if err != nil {
		t.Fatal(err)
	}
	e := sample("en", "Sync", "Can we meet?", func(e *email.Email) { e.Category = "meeting" })
	st.Process(context.Background(), e)
	if e.SuggestedResponse != "Dear Sir or Madam, CUSTOM meeting Yours sincerely," {
		t.Fatalf("override not used: %q", e.SuggestedResponse)
	}
	os.WriteFile(filepath.Join(dir, "en", "bogus.tmpl"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, "en", "support.tmpl"), []byte("{{.Broken"), 0o644)
	_, err = newRespond(&Config{Respond: RespondOptions{Tone: "neutral", TemplatesDir: dir}})
	if err == nil || !strings.Contains(err.Error(), "bogus") || !strings.Contains(err.Error(), "support.tmpl") {
		t.Fatalf("want both template errors reported, got %v", err)
	}
}

func BenchmarkRespond(b *testing.B) {
	st, _ := newRespond(&Config{Respond: RespondOptions{Tone: "neutral"}})
	e := sample("en", "Sync", strings.Repeat("Can we meet on Thursday to review the plan? ", 10), func(e *email.Email) { e.Category = "meeting" })
	b.ReportAllocs()
	for b.Loop() {
		st.Process(context.Background(), e)
	}
}
