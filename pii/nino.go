package pii

// recognizeNINO: a UK National Insurance number, two prefix letters, six
// digits (often in pairs) and a suffix A-D, one word or space-separated.
// The prefix rules are HMRC's: D, F, I, Q, U, V never appear; O is not a
// second letter; BG, GB, KN, NK, NT, TN and ZZ are not allocated.
func recognizeNINO(sp *span) (string, float64, bool) {
	d := sp.norm
	if len(d) != 9 || sp.digits != 6 || (sp.groups() > 1 && sp.gap != ' ') {
		return "", 0, false
	}
	if !isLetter(d[0]) || !isLetter(d[1]) || !isLetter(d[8]) {
		return "", 0, false
	}
	for k := 2; k < 8; k++ {
		if !isDigit(d[k]) {
			return "", 0, false
		}
	}
	if !ninoPrefix(d[0], d[1]) || d[8] < 'A' || d[8] > 'D' {
		return "", 0, false
	}
	// The prefix must be a word of its own or the start of one: in
	// "XAB123456C" the letters belong to something else.
	return UKNINO, 0.8, true
}

func ninoPrefix(a, b byte) bool {
	switch a {
	case 'D', 'F', 'I', 'Q', 'U', 'V':
		return false
	}
	switch b {
	case 'D', 'F', 'I', 'O', 'Q', 'U', 'V':
		return false
	}
	switch string([]byte{a, b}) {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		return false
	}
	return true
}
