package pii

// recognizeCPF: a Brazilian CPF, eleven digits compact or ddd.ddd.ddd-dd,
// with both mod-11 check digits right and not one repeated digit.
func recognizeCPF(sp *span) (string, float64, bool) {
	if len(sp.norm) != 11 || !sp.allDigits() {
		return "", 0, false
	}
	score := 0.6
	switch {
	case sp.groups() == 1:
	case sp.groupLens(3, 3, 3, 2) && sp.gapAt(0) == "." && sp.gapAt(1) == "." && (sp.gapAt(2) == "-" || sp.gapAt(2) == "."):
		score = 0.95
	default:
		return "", 0, false
	}
	if !cpfValid(string(sp.norm)) {
		return "", 0, false
	}
	return BRCPF, score, true
}

// recognizeCNPJ: a Brazilian company number, fourteen digits compact or
// dd.ddd.ddd/dddd-dd (the slash sometimes written as a dot), both mod-11
// check digits right.
func recognizeCNPJ(sp *span) (string, float64, bool) {
	if len(sp.norm) != 14 || !sp.allDigits() {
		return "", 0, false
	}
	score := 0.7
	switch {
	case sp.groups() == 1:
	case sp.groupLens(2, 3, 3, 4, 2) && sp.gapAt(0) == "." && sp.gapAt(1) == "." &&
		(sp.gapAt(2) == "/" || sp.gapAt(2) == ".") && sp.gapAt(3) == "-":
		score = 0.95
	default:
		return "", 0, false
	}
	if !cnpjValid(string(sp.norm)) {
		return "", 0, false
	}
	return BRCNPJ, score, true
}
