package pii

import "testing"

func TestUSSSN(t *testing.T) {
	runCases(t, USSSN, []detCase{
		{"dashes", "SSN 536-90-4399", []string{"536-90-4399"}},
		{"dots", "078.05.1123", []string{"078.05.1123"}},
		{"known invalid", "078-05-1120 and 123-45-6789", nil},
		{"bad area", "666-12-3456 900-12-3456", nil},
		{"mixed separators", "693-09.4444", nil},
		{"invoice", "invoice 536904399", nil},
	})
}

func TestCASIN(t *testing.T) {
	runCases(t, CASIN, []detCase{
		{"spaced", "130 692 544", []string{"130 692 544"}},
		{"context compact", "my SIN: 130692544", []string{"130692544"}},
		{"luhn bad", "130 692 545", nil},
		{"starts 0", "046 454 286", nil},
	})
}

func TestUKNHS(t *testing.T) {
	runCases(t, UKNHS, []detCase{
		{"dashes", "NHS 943-476-5870", []string{"943-476-5870"}},
		{"bad", "943-476-5871", nil},
	})
}

func TestUKNINO(t *testing.T) {
	runCases(t, UKNINO, []detCase{
		{"spaced", "AA 12 34 56 B", []string{"AA 12 34 56 B"}},
		{"lower compact", "tw987654a", []string{"tw987654a"}},
		{"bad suffix", "AA 12 34 56 H", nil},
		{"bad prefix", "nino: nt 99 88 77 a", nil},
	})
}

func TestBrazil(t *testing.T) {
	runCases(t, BRCPF, []detCase{
		{"formatted", "CPF 390.533.447-05", []string{"390.533.447-05"}},
		{"repeated", "111.111.111-11", nil},
		{"bad check", "248.438.034-08", nil},
	})
	runCases(t, BRCNPJ, []detCase{
		{"formatted", "CNPJ 16.727.230/0001-97", []string{"16.727.230/0001-97"}},
		{"bad", "16.727.230/0001-98", nil},
	})
}

func TestAadhaar(t *testing.T) {
	runCases(t, INAadhaar, []detCase{
		{"spaced", "3123 4567 8909", []string{"3123 4567 8909"}},
		{"starts with 1", "1234 5678 9012", nil},
	})
}

func TestNRIC(t *testing.T) {
	runCases(t, SGNRIC, []detCase{
		{"S", "NRIC S2740116C was", []string{"S2740116C"}},
		{"bad letter", "S2740116D", nil},
	})
}

func TestSpanishID(t *testing.T) {
	runCases(t, ESNIF, []detCase{
		{"dni", "DNI 54362315-K", []string{"54362315-K"}},
		{"cif", "B64717838", []string{"B64717838"}},
		{"bad letter", "12345678a", nil},
	})
	runCases(t, ESNIE, []detCase{
		{"nie", "Mi NIE es X9613851N", []string{"X9613851N"}},
		{"nie dashed", "x-2482300w", []string{"x-2482300w"}},
		{"bad", "Y8063915Q", nil},
	})
}

func TestItalianCode(t *testing.T) {
	runCases(t, ITFiscalCode, []detCase{
		{"person", "CF: RCCMNL83S18D969H", []string{"RCCMNL83S18D969H"}},
		{"bad check", "FOXDRA26C24H872A", nil},
		{"company needs context", "00743110157", nil},
		{"company with context", "codice fiscale 00743110157", []string{"00743110157"}},
	})
}

func TestIdentity(t *testing.T) {
	runCases(t, Person, []detCase{
		{"greeting", "Dear Maria Garcia,\nthanks", []string{"Maria Garcia"}},
		{"german honorific", "Sehr geehrter Herr Müller,\n", []string{"Müller"}},
		{"signoff next line", "Body\n\nMit freundlichen Grüßen\nMax Mustermann\n", []string{"Max Mustermann"}},
		{"signoff same line", "Thanks, John", []string{"John"}},
		{"russian", "С уважением,\nИван Петров", []string{"Иван Петров"}},
		{"team", "Hi team,\n", nil},
		{"de generic salutation", "Sehr geehrte Damen und Herren,\n", nil},
		{"es generic salutation", "Estimados señores:\n", nil},
		{"fr generic salutation", "Madame, Monsieur,\n", nil},
	})
	runCases(t, Address, []detCase{
		{"english", "ship to 221B Baker Street.", []string{"221B Baker Street"}},
		{"german", "Hauptstraße 5, Berlin", []string{"Hauptstraße 5"}},
		{"spanish", "Calle Mayor 3", []string{"Calle Mayor 3"}},
		{"french", "12 rue de la Paix", []string{"12 rue de la Paix"}},
		{"not an address", "we sold 12 units", nil},
	})
}
