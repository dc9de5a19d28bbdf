package pii

// recognizeSIN: a Canadian Social Insurance Number, nine digits compact or
// 3-3-3 with one consistent separator, passing Luhn. The first digit says
// where it was issued: 0 is never assigned and 8 is used for business
// numbers. A compact SIN is indistinguishable from many other nine-digit
// numbers, so it needs context ("SIN", "NAS") to be reported.
func recognizeSIN(sp *span) (string, float64, bool) {
	if len(sp.norm) != 9 || !sp.allDigits() {
		return "", 0, false
	}
	score := 0.4
	switch {
	case sp.groups() == 1:
	case (sp.gap == '-' || sp.gap == ' ' || sp.gap == '.') && sp.groupLens(3, 3, 3):
		score = 0.7
	default:
		return "", 0, false
	}
	if sp.norm[0] == '0' || sp.norm[0] == '8' || repeated(string(sp.norm)) || !luhn(string(sp.norm)) {
		return "", 0, false
	}
	return CASIN, score, true
}
