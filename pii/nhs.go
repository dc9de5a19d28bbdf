package pii

// recognizeNHS: a UK NHS number, ten digits compact or 3-3-4 with one
// consistent space or dash, passing the mod-11 check.
func recognizeNHS(sp *span) (string, float64, bool) {
	if len(sp.norm) != 10 || !sp.allDigits() {
		return "", 0, false
	}
	score := 0.55
	switch {
	case sp.groups() == 1:
	case (sp.gap == '-' || sp.gap == ' ') && sp.groupLens(3, 3, 4):
		score = 0.6
	default:
		return "", 0, false
	}
	if repeated(string(sp.norm)) || !nhsValid(string(sp.norm)) {
		return "", 0, false
	}
	return UKNHS, score, true
}
