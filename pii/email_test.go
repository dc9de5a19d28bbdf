package pii

import "testing"

func TestEmail(t *testing.T) {
	runCases(t, Email, []detCase{
		{"plain", "write to info@presidio.site today", []string{"info@presidio.site"}},
		{"idn", "a@xn--d1acufc.xn--p1ai", []string{"a@xn--d1acufc.xn--p1ai"}},
		{"digits and plus", "(john.doe+tag99@mail2.example.co.uk).", []string{"john.doe+tag99@mail2.example.co.uk"}},
		{"no tld", "my email is info@presidio.", nil},
		{"handle", "ping @alice on chat", nil},
	})
}
