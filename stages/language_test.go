package stages

import (
	"context"
	"strings"
	"testing"

	"github.com/triage-dev/triage/email"
)

func TestLanguageStage(t *testing.T) {
	st, err := newLanguage(&Config{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, subject, body, newText, want string
	}{
		{"en subject only", "Meeting moved to Thursday afternoon", "", "", "en"},
		{"en body", "Re: report", "Could you please send me the quarterly figures before the review?", "", "en"},
		{"es", "Problema con mi factura", "Hola, no puedo descargar la factura de este mes. ¿Me pueden ayudar?", "", "es"},
		{"fr", "Demande de remboursement", "Bonjour, je voudrais savoir pourquoi ma commande n'est pas encore arrivée.", "", "fr"},
		{"de", "Rechnung", "Hallo, bitte schicken Sie mir die Rechnung bis morgen. Vielen Dank!", "", "de"},
		{"pt", "Pedido atrasado", "Olá, o meu pedido ainda não chegou. Podem verificar, por favor?", "", "pt"},
		{"it", "Richiesta informazioni", "Buongiorno, vorrei sapere se il prodotto è ancora disponibile.", "", "it"},
		{"nl", "Vraag over levering", "Goedemorgen, wanneer wordt mijn bestelling geleverd? Met vriendelijke groet", "", "nl"},
		{"sv", "Fråga om faktura", "Hej, jag har inte fått fakturan för förra månaden. Tack på förhand.", "", "sv"},
		{"pl", "Zamówienie", "Dzień dobry, proszę o informację, kiedy zostanie wysłane moje zamówienie.", "", "pl"},
		{"ru", "Счёт", "Здравствуйте, пришлите, пожалуйста, счёт за прошлый месяц.", "", "ru"},
		{"ja", "会議の件", "来週の会議の日程を確認させてください。よろしくお願いします。", "", "ja"},
		{"zh", "会议安排", "请确认下周的会议时间，谢谢。", "", "zh"},
		{"ar", "فاتورة", "مرحبا، أرجو إرسال الفاتورة في أقرب وقت ممكن.", "", "ar"},
		{"quoted history ignored", "Re: Termin", "Ja, passt mir gut. Bis dann!\n\n> On Monday John wrote:\n> Could we meet on Tuesday at ten in the main office please", "Ja, passt mir gut. Bis dann!", "de"},
		{"no letters", "", "12345 ---", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := &email.Email{Subject: tc.subject, Body: tc.body, NewText: tc.newText}
			if err := st.Process(context.Background(), e); err != nil {
				t.Fatal(err)
			}
			if e.Language != tc.want {
				t.Fatalf("language = %q (%.2f), want %q", e.Language, e.LanguageConfidence, tc.want)
			}
			if tc.want != "" && (e.LanguageConfidence <= 0 || e.LanguageConfidence > 1) {
				t.Fatalf("confidence %v out of range", e.LanguageConfidence)
			}
		})
	}
}

func TestLanguageRestricted(t *testing.T) {
	if _, err := newLanguage(&Config{Language: LanguageOptions{Languages: []string{"xx"}}}); err == nil {
		t.Fatal("unsupported language accepted")
	}
	st, err := newLanguage(&Config{Language: LanguageOptions{Languages: []string{"en", "de"}}})
	if err != nil {
		t.Fatal(err)
	}
	e := &email.Email{Body: "Hola, ¿qué tal? Nos vemos mañana en la oficina."}
	if err := st.Process(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if e.Language != "en" && e.Language != "de" {
		t.Fatalf("language %q outside the configured set", e.Language)
	}
}

func TestTruncateBytesRuneSafe(t *testing.T) {
	s := strings.Repeat("é", 10) // 2 bytes each
	got := truncateBytes(s, 5)
	if got != "éé" {
		t.Fatalf("got %q", got)
	}
}

func BenchmarkLanguage(b *testing.B) {
	st, err := newLanguage(&Config{})
	if err != nil {
		b.Fatal(err)
	}
	e := &email.Email{Subject: "Quarterly report review", Body: strings.Repeat("Could you please send me the quarterly figures before the review on Thursday? ", 20)}
	b.ReportAllocs()
	for b.Loop() {
		if err := st.Process(context.Background(), e); err != nil {
			b.Fatal(err)
		}
	}
}
