package langid

import (
	"errors"
	"testing"
)

func TestDetect(t *testing.T) {
	d, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ text, want string }{
		{"Thanks, see you tomorrow", "en"},
		{"Gracias por su ayuda", "es"},
		{"Merci beaucoup pour votre réponse", "fr"},
		{"Vielen Dank für Ihre Hilfe", "de"},
		{"Obrigado pela ajuda", "pt"},
		{"Grazie mille per l'aiuto", "it"},
		{"Bedankt voor uw hulp", "nl"},
		{"Tack för hjälpen", "sv"},
		{"Dziękuję za pomoc", "pl"},
		{"Спасибо за помощь", "ru"},
		{"ありがとうございます", "ja"},
		{"谢谢你的帮助", "zh"},
		{"شكرا لمساعدتك", "ar"},
		{"감사합니다", "ko"},
		{"Re: 会議の件について", "ja"},
		// Short subjects (written for this test): content words decide.
		{"Payment failed again", "en"},
		{"Problema con el pago de la factura", "es"},
		{"Problème de connexion au compte", "fr"},
		{"Fehler beim Zugriff auf das Konto", "de"},
		{"Falha no pagamento da assinatura", "pt"},
		{"Richiesta di rimborso", "it"},
		{"Integration issue with CRM software", "en"},
		{"", ""},
		{"1234 !!!", ""},
	}
	for _, tc := range tests {
		got := d.Detect(tc.text)
		if got.Lang != tc.want {
			t.Errorf("Detect(%q) = %q (%.2f), want %q", tc.text, got.Lang, got.Confidence, tc.want)
		}
		if got.Confidence < 0 || got.Confidence > 1 {
			t.Errorf("Detect(%q) confidence %v", tc.text, got.Confidence)
		}
	}
}

func TestNewRejectsUnknown(t *testing.T) {
	if _, err := New([]string{"en", "klingon"}); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("err = %v, want ErrUnsupported", err)
	}
}

func TestRestriction(t *testing.T) {
	d, err := New([]string{"de", "fr"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Thanks a lot", "Спасибо", "谢谢"} {
		if l := d.Detect(s).Lang; l != "" && l != "de" && l != "fr" {
			t.Errorf("Detect(%q) = %q outside {de, fr}", s, l)
		}
	}
}

func BenchmarkDetectSentence(b *testing.B) {
	d, _ := New(nil)
	s := "Bonjour, je voudrais savoir pourquoi ma commande n'est pas encore arrivée à la maison."
	b.ReportAllocs()
	for b.Loop() {
		d.Detect(s)
	}
}

func BenchmarkDetectSubject(b *testing.B) {
	d, _ := New(nil)
	b.ReportAllocs()
	for b.Loop() {
		d.Detect("Problema con la factura")
	}
}
