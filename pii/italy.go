package pii

// recognizeItalianCode: an Italian codice fiscale, sixteen characters in
// one word (surname, name, birth date and place codes with omocodia
// substitutions) with its check character; or the eleven-digit code of a
// legal entity (the partita IVA algorithm), which looks like any other
// number and so is only reported with context ("codice fiscale", "P.IVA").
func recognizeItalianCode(sp *span) (string, float64, bool) {
	if sp.groups() != 1 {
		return "", 0, false
	}
	switch len(sp.norm) {
	case 16:
		if itFiscalValid(string(sp.norm)) {
			return ITFiscalCode, 0.9, true
		}
	case 11:
		if sp.allDigits() && itVATValid(string(sp.norm)) {
			return ITFiscalCode, 0.4, true
		}
	}
	return "", 0, false
}
