package pii

import "testing"

func TestCreditCard(t *testing.T) {
	runCases(t, CreditCard, []detCase{
		{"visa compact", "card 4111111111111111 ok", []string{"4111111111111111"}},
		{"grouped dashes and spaces", "4012-8888-8888-1881 and 4012 8888 8888 1881", []string{"4012-8888-8888-1881", "4012 8888 8888 1881"}},
		{"amex 4-6-5", "Amex 3714 496353 98431", []string{"3714 496353 98431"}},
		{"luhn invalid", "my credit card number is 4012-8888-8888-1882", nil},
		{"unknown prefix", "9111111111111111", nil},
		{"mixed separators", "4012-8888 8888-1881", nil},
		{"order number with luhn", "Order 4111111111111111 shipped", nil},
	})
}
