package pii

// ibanLengths is the IBAN length per country (SWIFT IBAN registry, plus the
// countries that use IBANs outside it). Length and mod-97 together make a
// random string pass about once in 10^11.
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
	"BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
	"EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
	"GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
	"JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25,
	"MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18,
	"NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33,
	"SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
	"TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30, "FA": 27,
	// Not in the SWIFT registry but issued (experimental IBANs).
	"AO": 25, "BF": 28, "BJ": 28, "CF": 27, "CG": 27, "CI": 28, "CM": 27, "CV": 25, "DZ": 26, "GA": 27,
	"GQ": 27, "GW": 25, "HN": 28, "IR": 26, "KM": 27, "MA": 28, "MG": 27, "ML": 28, "MZ": 25, "NE": 28,
	"SN": 28, "TD": 27, "TG": 28,
}

// iban tries an IBAN starting at p: country code, two check digits and the
// BBAN, exactly as long as the country requires, passing mod-97. Single
// spaces, dashes or dots may separate characters anywhere (people write
// "ES 58 0049 ...", "NO07.8380.08.06006"): exact length plus mod-97 make
// the grouping irrelevant to precision. Letters must be all upper or all
// lower case.
func (s *scanner) iban(p int) (int, bool) {
	t := s.text
	if p+2 > len(t) || !isLetter(t[p]) || !isLetter(t[p+1]) || (p > 0 && isAlnum(t[p-1])) {
		return 0, false
	}
	want := ibanLengths[string([]byte{upper(t[p]), upper(t[p+1])})]
	if want == 0 {
		return 0, false
	}
	var buf [34]byte
	n, k := 0, p
	lower, upperSeen := false, false
	for n < want && k < len(t) {
		c := t[k]
		if isAlnum(c) {
			if isLetter(c) {
				if c >= 'a' {
					lower = true
				} else {
					upperSeen = true
				}
			}
			buf[n] = upper(c)
			n++
			k++
			continue
		}
		if (c == ' ' || c == '-' || c == '.') && n > 0 && k+1 < len(t) && isAlnum(t[k+1]) {
			k++
			continue
		}
		break
	}
	if n != want || !isDigit(buf[2]) || !isDigit(buf[3]) || (lower && upperSeen) ||
		(k < len(t) && isAlnum(t[k])) || !mod97(string(buf[:n])) {
		return 0, false
	}
	s.add(IBAN, p, k, adjust(t, p, k, IBAN, 1.0))
	return k, true
}
