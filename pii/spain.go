package pii

// recognizeSpanishID: Spanish tax identifiers, one word or joined by
// dashes. DNI: eight digits (seven with the leading zero dropped) and the
// mod-23 check letter. NIE (foreigners): X, Y or Z standing for 0, 1, 2,
// seven digits and the mod-23 letter; reported as ES_NIE. K, L and M NIFs
// (no DNI yet): letter, seven digits, mod-23 letter of the digits. CIF
// (companies): organisation letter, seven digits and a Luhn-like control
// digit or letter.
func recognizeSpanishID(sp *span) (string, float64, bool) {
	d := sp.norm
	if len(d) < 8 || len(d) > 9 || (sp.groups() > 1 && sp.gap != '-') {
		return "", 0, false
	}
	last := d[len(d)-1]
	switch {
	case isDigit(d[0]) && sp.digits == len(d)-1 && isLetter(last):
		num := string(d[:len(d)-1])
		if repeated(num) && num[0] == '0' {
			return "", 0, false
		}
		if mod23Letter(num) == last {
			return ESNIF, 0.85, true
		}
	case len(d) == 9 && sp.digits == 7 && isLetter(last):
		num := string(d[1:8])
		switch d[0] {
		case 'X', 'Y', 'Z':
			if mod23Letter(string('0'+(d[0]-'X'))+num) == last {
				return ESNIE, 0.85, true
			}
		case 'K', 'L', 'M':
			if mod23Letter(num) == last {
				return ESNIF, 0.8, true
			}
		}
		if cifValid(d) {
			return ESNIF, 0.7, true
		}
	case len(d) == 9 && sp.digits == 8 && isLetter(d[0]):
		if cifValid(d) {
			return ESNIF, 0.7, true
		}
	}
	return "", 0, false
}

// cifValid checks a company CIF: organisation letter, seven digits,
// control character.
func cifValid(d []byte) bool {
	switch d[0] {
	case 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'J', 'N', 'P', 'Q', 'R', 'S', 'U', 'V', 'W':
	default:
		return false
	}
	sum := 0
	for k := 1; k <= 7; k++ {
		if !isDigit(d[k]) {
			return false
		}
		v := int(d[k] - '0')
		if k%2 == 1 {
			v *= 2
			v = v/10 + v%10
		}
		sum += v
	}
	ctl := (10 - sum%10) % 10
	c := d[8]
	digitOK := isDigit(c) && int(c-'0') == ctl
	letterOK := c == "JABCDEFGHI"[ctl]
	switch d[0] {
	case 'P', 'Q', 'R', 'S', 'N', 'W':
		return letterOK
	case 'A', 'B', 'E', 'H':
		return digitOK
	}
	return digitOK || letterOK
}
