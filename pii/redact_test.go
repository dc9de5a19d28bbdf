package pii

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	text := "Mail a.b@example.com, card 4111 1111 1111 1111, again A.B@example.com."
	fs := NewDetector().Detect(text, DetectOptions{})
	ph, _ := NewRedactor(StylePlaceholder, nil)
	ps, _ := NewRedactor(StylePseudonym, []byte("k"))
	cases := []struct {
		name  string
		r     *Redactor
		level string
		want  string
	}{
		{"placeholder standard", ph, LevelStandard, "Mail [EMAIL_REDACTED], card [CREDIT_CARD_REDACTED], again [EMAIL_REDACTED]."},
		{"placeholder basic keeps email", ph, LevelBasic, "Mail a.b@example.com, card [CREDIT_CARD_REDACTED], again A.B@example.com."},
	}
	for _, c := range cases {
		if got := c.r.Redact(text, Filter(fs, c.level)); got != c.want {
			t.Errorf("%s: got %q want %q", c.name, got, c.want)
		}
	}
	got := ps.Redact(text, Filter(fs, LevelStandard))
	tok := ps.Token(Email, "a.b@example.com")
	if strings.Count(got, tok) != 2 || len(tok) != len("[EMAIL:3f9a1c]") {
		t.Errorf("pseudonyms not stable per normalized value: %q (token %q)", got, tok)
	}
	other, _ := NewRedactor(StylePseudonym, []byte("other"))
	if other.Token(Email, "a.b@example.com") == tok {
		t.Error("pseudonym does not depend on the secret")
	}
	if _, err := NewRedactor("bogus", nil); err == nil {
		t.Error("bad style accepted")
	}
}

func TestCovered(t *testing.T) {
	cases := []struct {
		level, typ string
		want       bool
	}{
		{LevelBasic, CreditCard, true}, {LevelBasic, USSSN, true}, {LevelBasic, Email, false}, {LevelBasic, IBAN, false},
		{LevelStandard, Email, true}, {LevelStandard, IPAddress, true}, {LevelStandard, Person, false},
		{LevelStrict, Person, true}, {LevelStrict, Address, true}, {"bogus", Person, true},
	}
	for _, c := range cases {
		if got := Covered(c.level, c.typ); got != c.want {
			t.Errorf("Covered(%s,%s)=%v", c.level, c.typ, got)
		}
	}
}
