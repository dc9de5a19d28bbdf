package pii

// Checksum validators. Each takes the identifier already normalized to its
// significant characters (no separators) and is allocation-free: they run
// on every candidate the scanner finds.

// luhn reports whether the ASCII digit string d passes the Luhn check.
func luhn(d string) bool {
	if len(d) < 2 {
		return false
	}
	sum := 0
	dbl := false
	for i := len(d) - 1; i >= 0; i-- {
		c := d[i]
		if c < '0' || c > '9' {
			return false
		}
		v := int(c - '0')
		if dbl {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		dbl = !dbl
	}
	return sum%10 == 0
}

// mod97 reports whether an IBAN in compact upper-case form has remainder 1
// after moving the first four characters to the end and turning letters
// into 10..35 (ISO 13616).
func mod97(iban string) bool {
	if len(iban) < 5 {
		return false
	}
	r := 0
	add := func(c byte) bool {
		switch {
		case c >= '0' && c <= '9':
			r = (r*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			v := int(c-'A') + 10
			r = (r*100 + v) % 97
		default:
			return false
		}
		return true
	}
	for i := 4; i < len(iban); i++ {
		if !add(iban[i]) {
			return false
		}
	}
	for i := 0; i < 4; i++ {
		if !add(iban[i]) {
			return false
		}
	}
	return r == 1
}

// verhoeff tables (dihedral group D5).
var (
	verhoeffD = [10][10]byte{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
		{2, 3, 4, 0, 1, 7, 8, 9, 5, 6}, {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
		{4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
		{6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
		{8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
	}
	verhoeffP = [8][10]byte{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
		{5, 8, 0, 3, 7, 9, 6, 1, 4, 2}, {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
		{9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
		{2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8},
	}
)

// verhoeff reports whether the digit string d (check digit last) is valid.
func verhoeff(d string) bool {
	c := byte(0)
	for i := 0; i < len(d); i++ {
		x := d[len(d)-1-i]
		if x < '0' || x > '9' {
			return false
		}
		c = verhoeffD[c][verhoeffP[i%8][x-'0']]
	}
	return c == 0
}

// mod11Weighted computes sum(d[i]*w[i]) mod 11 over the first len(w) digits.
func mod11Weighted(d string, w []int) int {
	s := 0
	for i, wi := range w {
		s += int(d[i]-'0') * wi
	}
	return s % 11
}

// nhsValid: ten digits, weights 10..2 over the first nine; check digit is
// 11 - (sum mod 11), where 11 means 0 and 10 is never issued.
func nhsValid(d string) bool {
	if len(d) != 10 || !allDigits(d) {
		return false
	}
	r := 11 - mod11Weighted(d, []int{10, 9, 8, 7, 6, 5, 4, 3, 2})
	if r == 11 {
		r = 0
	}
	return r != 10 && r == int(d[9]-'0')
}

// cpfValid: eleven digits with two mod-11 check digits; numbers made of one
// repeated digit pass the arithmetic but are never issued.
func cpfValid(d string) bool {
	if len(d) != 11 || !allDigits(d) || repeated(d) {
		return false
	}
	check := func(n int) int {
		s := 0
		for i := 0; i < n; i++ {
			s += int(d[i]-'0') * (n + 1 - i)
		}
		r := (s * 10) % 11
		if r == 10 {
			r = 0
		}
		return r
	}
	return check(9) == int(d[9]-'0') && check(10) == int(d[10]-'0')
}

// cnpjValid: fourteen digits, two mod-11 check digits with weights 2..9
// cycling from the right.
func cnpjValid(d string) bool {
	if len(d) != 14 || !allDigits(d) || repeated(d) {
		return false
	}
	check := func(n int) int {
		s, w := 0, 2
		for i := n - 1; i >= 0; i-- {
			s += int(d[i]-'0') * w
			w++
			if w > 9 {
				w = 2
			}
		}
		r := s % 11
		if r < 2 {
			return 0
		}
		return 11 - r
	}
	return check(12) == int(d[12]-'0') && check(13) == int(d[13]-'0')
}

// nifLetters is the mod-23 check-letter alphabet of Spanish DNI/NIE/NIF.
const nifLetters = "TRWAGMYFPDXBNJZSQVHLCKE"

// mod23Letter returns the check letter for the digit string d.
func mod23Letter(d string) byte {
	n := 0
	for i := 0; i < len(d); i++ {
		n = (n*10 + int(d[i]-'0')) % 23
	}
	return nifLetters[n]
}

// nricCheck returns the expected check letter of a Singapore NRIC/FIN
// whose prefix is p and seven digits are d, or 0 for an unknown prefix.
func nricCheck(p byte, d string) byte {
	w := [7]int{2, 7, 6, 5, 4, 3, 2}
	s := 0
	for i := 0; i < 7; i++ {
		s += int(d[i]-'0') * w[i]
	}
	switch p {
	case 'S':
		return "JZIHGFEDCBA"[s%11]
	case 'T':
		return "JZIHGFEDCBA"[(s+4)%11]
	case 'F':
		return "XWUTRQPNMLK"[s%11]
	case 'G':
		return "XWUTRQPNMLK"[(s+4)%11]
	case 'M':
		return "XWUTRQPNJLK"[(s+3)%11]
	}
	return 0
}

// Italian fiscal code check character tables: odd positions (1-based) use
// itOdd, even positions use the plain value; digits map like A..J.
var itOdd = [26]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}

// itFiscalValid checks a 16-character upper-case codice fiscale, including
// omocodia (digits replaced by letters LMNPQRSTUV).
func itFiscalValid(c string) bool {
	if len(c) != 16 {
		return false
	}
	// Shape: 6 letters, then positions 6,7,9,10,12,13,14 digits or
	// omocodia letters, 8 and 11 letters, 15 the check letter.
	for i := 0; i < 16; i++ {
		x := c[i]
		switch i {
		case 6, 7, 9, 10, 12, 13, 14:
			if !(x >= '0' && x <= '9') && !isOmocodia(x) {
				return false
			}
		default:
			if x < 'A' || x > 'Z' {
				return false
			}
		}
	}
	if !isMonth(c[8]) {
		return false
	}
	// Birth day: 1-31 for men, 41-71 for women (day + 40).
	day := omoDigit(c[9])*10 + omoDigit(c[10])
	if day < 1 || (day > 31 && day < 41) || day > 71 {
		return false
	}
	s := 0
	for i := 0; i < 15; i++ {
		x := c[i]
		v := 0
		if x >= '0' && x <= '9' {
			v = int(x - '0')
		} else {
			v = int(x - 'A')
		}
		if i%2 == 0 {
			s += itOdd[v]
		} else {
			s += v
		}
	}
	return c[15] == byte('A'+s%26)
}

// omoDigit decodes a digit or its omocodia letter.
func omoDigit(x byte) int {
	if x >= '0' && x <= '9' {
		return int(x - '0')
	}
	for i, l := range []byte("LMNPQRSTUV") {
		if l == x {
			return i
		}
	}
	return 0
}

func isOmocodia(x byte) bool {
	switch x {
	case 'L', 'M', 'N', 'P', 'Q', 'R', 'S', 'T', 'U', 'V':
		return true
	}
	return false
}

func isMonth(x byte) bool {
	switch x {
	case 'A', 'B', 'C', 'D', 'E', 'H', 'L', 'M', 'P', 'R', 'S', 'T':
		return true
	}
	return false
}

// itVATValid checks an 11-digit Italian partita IVA (also the codice
// fiscale of legal entities): a Luhn variant over the first ten digits.
func itVATValid(d string) bool {
	if len(d) != 11 || !allDigits(d) || repeated(d) {
		return false
	}
	return luhn(d)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func repeated(s string) bool {
	for i := 1; i < len(s); i++ {
		if s[i] != s[0] {
			return false
		}
	}
	return true
}
