package pii

// recognizeSSN: nine digits, compact or 3-2-4 with one consistent dash,
// space or dot. Area 000, 666 and 900-999, group 00 and serial 0000 are
// never issued, nor are the numbers publicised in advertising and
// documentation (078-05-1120, 219-09-9999, 123-45-6789) or runs of one
// digit. There is no checksum, so a compact number starts weak.
func recognizeSSN(sp *span) (string, float64, bool) {
	if len(sp.norm) != 9 || !sp.allDigits() {
		return "", 0, false
	}
	score := 0.5
	switch {
	case sp.groups() == 1:
	case (sp.gap == '-' || sp.gap == ' ' || sp.gap == '.') && sp.groupLens(3, 2, 4):
		score = 0.7
	default:
		return "", 0, false
	}
	if !ssnValid(string(sp.norm)) {
		return "", 0, false
	}
	return USSSN, score, true
}

func ssnValid(d string) bool {
	if len(d) != 9 || !allDigits(d) || repeated(d) {
		return false
	}
	area, group, serial := d[:3], d[3:5], d[5:]
	if area == "000" || area == "666" || area[0] == '9' || group == "00" || serial == "0000" {
		return false
	}
	switch d {
	case "078051120", "219099999", "123456789", "457555462":
		return false
	}
	return true
}
