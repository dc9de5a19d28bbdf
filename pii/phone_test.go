package pii

import "testing"

func TestPhone(t *testing.T) {
	runCases(t, Phone, []detCase{
		{"us national", "call (415) 555-0132 now", []string{"(415) 555-0132"}},
		{"uk intl", "+44 (20) 7123 4567", []string{"+44 (20) 7123 4567"}},
		{"de intl", "Tel. +49 30 1234567", []string{"+49 30 1234567"}},
		{"fr national", "Téléphone : 01 42 68 53 00", []string{"01 42 68 53 00"}},
		{"br intl", "+55 11 98456 5666", []string{"+55 11 98456 5666"}},
		{"jp national", "電話 090-1234-5678", []string{"090-1234-5678"}},
		{"sg", "call 9123 4567", []string{"9123 4567"}},
		{"in mobile", "+91 98765 43210", []string{"+91 98765 43210"}},
		{"date", "on 2024-05-12 and 12.05.2024", nil},
		{"price", "total $1234567.00 or 1.234.567 EUR", nil},
		{"order", "Order number 4155550132", nil},
		{"glued to word", "one is415-555-0132", nil},
		{"version", "v10.2.3", nil},
	})
}
