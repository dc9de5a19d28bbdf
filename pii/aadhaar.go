package pii

// recognizeAadhaar: an Indian Aadhaar number, twelve digits compact or
// 4-4-4 with one consistent space, dash or colon, not starting with 0 or 1
// (never issued), passing Verhoeff.
func recognizeAadhaar(sp *span) (string, float64, bool) {
	if len(sp.norm) != 12 || !sp.allDigits() {
		return "", 0, false
	}
	score := 0.6
	switch {
	case sp.groups() == 1:
	case (sp.gap == ' ' || sp.gap == '-' || sp.gap == ':') && sp.groupLens(4, 4, 4):
		score = 0.75
	default:
		return "", 0, false
	}
	if sp.norm[0] < '2' || repeated(string(sp.norm)) || !verhoeff(string(sp.norm)) {
		return "", 0, false
	}
	return INAadhaar, score, true
}
