package pii

import "testing"

func TestIBAN(t *testing.T) {
	runCases(t, IBAN, []detCase{
		{"grouped", "IBAN: DE89 3704 0044 0532 0130 00.", []string{"DE89 3704 0044 0532 0130 00"}},
		{"compact lower", "gb82west12345698765432", []string{"gb82west12345698765432"}},
		{"trailing word", "iban VG96 VPVG 0000 0123 4567 8901 X in", []string{"VG96 VPVG 0000 0123 4567 8901"}},
		{"bad checksum", "DE89 3704 0044 0532 0130 01", nil},
		{"bad length", "CR05 0152 0200 1026 2840 6", nil},
	})
}
