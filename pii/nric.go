package pii

// recognizeNRIC: a Singapore NRIC or FIN, prefix S/T (citizens), F/G/M
// (foreigners), seven digits and a check letter computed from weighted
// digits; one word.
func recognizeNRIC(sp *span) (string, float64, bool) {
	d := sp.norm
	if sp.groups() != 1 || len(d) != 9 || sp.digits != 7 || !isDigit(d[1]) || !isLetter(d[8]) {
		return "", 0, false
	}
	want := nricCheck(d[0], string(d[1:8]))
	if want == 0 || want != d[8] {
		return "", 0, false
	}
	return SGNRIC, 0.9, true
}
