package pii

import "testing"

func TestChecksums(t *testing.T) {
	cases := []struct {
		name string
		f    func(string) bool
		in   string
		want bool
	}{
		{"luhn ok", luhn, "4111111111111111", true},
		{"luhn bad", luhn, "4111111111111112", false},
		{"mod97 ok", mod97, "DE89370400440532013000", true},
		{"mod97 bad", mod97, "DE89370400440532013001", false},
		{"verhoeff ok", verhoeff, "234123412346", true},
		{"verhoeff bad", verhoeff, "234123412347", false},
		{"nhs ok", nhsValid, "9434765870", true},
		{"nhs bad", nhsValid, "9434765871", false},
		{"cpf ok", cpfValid, "39053344705", true},
		{"cpf bad", cpfValid, "23100299900", false},
		{"cpf repeated", cpfValid, "11111111111", false},
		{"cnpj ok", cnpjValid, "16727230000197", true},
		{"cnpj bad", cnpjValid, "16727230000198", false},
		{"it fiscal ok", itFiscalValid, "RCCMNL83S18D969H", true},
		{"it fiscal omocodia", itFiscalValid, "RSSMRA45C12F20RX", true},
		{"it fiscal bad", itFiscalValid, "FOXDRA26C24H872A", false},
		{"it vat ok", itVATValid, "00743110157", true},
		{"it vat bad", itVATValid, "00743110158", false},
		{"ssn ok", ssnValid, "536904399", true},
		{"ssn woolworth", ssnValid, "078051120", false},
		{"ssn area 666", ssnValid, "666123456", false},
	}
	for _, c := range cases {
		if got := c.f(c.in); got != c.want {
			t.Errorf("%s: %s(%q) = %v, want %v", c.name, "check", c.in, got, c.want)
		}
	}
	if got := mod23Letter("54362315"); got != 'K' {
		t.Errorf("mod23Letter = %c, want K", got)
	}
	if got := nricCheck('S', "2740116"); got != 'C' {
		t.Errorf("nricCheck = %c, want C", got)
	}
}
