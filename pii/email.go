package pii

func isLocalByte(c byte) bool {
	if isAlnum(c) {
		return true
	}
	switch c {
	case '.', '_', '%', '+', '-', '\'':
		return true
	}
	return false
}

func isDomainByte(c byte) bool { return isAlnum(c) || c == '.' || c == '-' }

// email tries an address around the '@' at at: a local part of the usual
// characters, a domain of at least two labels whose last is alphabetic
// (two or more letters) or an IDN "xn--" label. It returns the end of the
// finding, or -1.
func (s *scanner) email(at int) int {
	t := s.text
	a := at
	for a > 0 && isLocalByte(t[a-1]) && at-a < 64 {
		a--
	}
	for a < at && (t[a] == '.' || t[a] == '\'') {
		a++
	}
	if a == at || t[at-1] == '.' {
		return -1
	}
	b := at + 1
	for b < len(t) && isDomainByte(t[b]) && b-at < 255 {
		b++
	}
	for b > at+1 && (t[b-1] == '.' || t[b-1] == '-') {
		b--
	}
	dom := t[at+1 : b]
	if !validDomain(dom) {
		return -1
	}
	s.add(Email, a, b, 1.0)
	return b
}

func validDomain(d string) bool {
	labels := 0
	start := 0
	last := ""
	for i := 0; i <= len(d); i++ {
		if i == len(d) || d[i] == '.' {
			l := d[start:i]
			if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
				return false
			}
			labels++
			last = l
			start = i + 1
		}
	}
	if labels < 2 {
		return false
	}
	if len(last) >= 4 && (last[:4] == "xn--" || last[:4] == "XN--") {
		return true
	}
	if len(last) < 2 {
		return false
	}
	for i := 0; i < len(last); i++ {
		if !isLetter(last[i]) {
			return false
		}
	}
	return true
}
