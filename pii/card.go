package pii

// recognizeCard: 13-19 digits, compact or in the groupings printed on cards
// (4-4-4-4, 4-4-4-4-3, 4-6-5 Amex, 4-6-4 Diners) with one consistent space
// or dash, a known issuer prefix, and the Luhn check. Luhn alone passes one
// random number in ten, so the prefix table and the grouping carry weight.
func recognizeCard(sp *span) (string, float64, bool) {
	n := len(sp.norm)
	if n < 13 || n > 19 || !sp.allDigits() {
		return "", 0, false
	}
	score := 0.85
	switch {
	case sp.groups() == 1:
	case sp.gap == ' ' || sp.gap == '-':
		if !cardGrouping(sp) {
			return "", 0, false
		}
		score = 0.95
	default:
		return "", 0, false
	}
	if !knownIIN(sp.norm) || !luhn(string(sp.norm)) {
		return "", 0, false
	}
	return CreditCard, score, true
}

func cardGrouping(sp *span) bool {
	if sp.groupLens(4, 6, 5) || sp.groupLens(4, 6, 4) {
		return true
	}
	for k := sp.i; k <= sp.j; k++ {
		l := sp.c.w[k].e - sp.c.w[k].s
		if l != 4 && !(k == sp.j && l >= 1 && l <= 4 && k > sp.i+2) {
			return false
		}
	}
	return true
}

// knownIIN checks the issuer identification number against the ranges of
// the networks in use: UATP (1, 15 digits), Mir and Mastercard 2-series,
// Amex, Diners, JCB, Visa, Mastercard, Maestro, Discover, UnionPay, RuPay,
// Troy.
func knownIIN(d []byte) bool {
	n := len(d)
	p2 := int(d[0]-'0')*10 + int(d[1]-'0')
	p4 := p2*100 + int(d[2]-'0')*10 + int(d[3]-'0')
	switch d[0] {
	case '1':
		return n == 15
	case '2':
		return (p4 >= 2200 && p4 <= 2204) || (p4 >= 2221 && p4 <= 2720)
	case '3':
		return p2 == 34 || p2 == 37 || p2 == 30 || p2 == 36 || p2 == 38 || p2 == 39 || p2 == 35
	case '4':
		return true
	case '5':
		return true // Mastercard 51-55, Maestro 50, 56-59
	case '6':
		return true // Discover, Maestro, UnionPay (62), RuPay, Troy (65, 9792 not covered)
	}
	return false
}
