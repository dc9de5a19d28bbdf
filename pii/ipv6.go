package pii

import (
	"net/netip"
	"strings"
)

func isV6Byte(c byte) bool { return isHex(c) || c == ':' || c == '.' }

// ipv6 tries an IPv6 address around the digit at i: the maximal run of hex
// digits, colons and dots, which must not touch other letters or digits,
// must contain "::" or seven colons, and must parse with netip. A zone
// ("%eth0") and a prefix length ("/64") are included when present. It
// returns the end of the finding, or 0. The whole run is validated, never
// a part of it: "2001::db8::1" is not an address even though "2001::db8"
// is.
func (s *scanner) ipv6(i int) int {
	t := s.text
	a := i
	for a > 0 && isV6Byte(t[a-1]) {
		a--
	}
	b := i
	for b < len(t) && isV6Byte(t[b]) {
		b++
	}
	if b-a < 3 {
		return 0
	}
	run := t[a:b]
	colons := strings.Count(run, ":")
	// Full form has seven colons, or six before an embedded IPv4 address;
	// anything shorter must be compressed.
	full := 7
	if strings.Contains(run, ".") {
		full = 6
	}
	if colons < 2 || (colons < full && !strings.Contains(run, "::")) {
		return 0
	}
	// A sentence full stop or a trailing colon (before a port) is not
	// part of the address.
	for b > a && (t[b-1] == '.' || (t[b-1] == ':' && !strings.HasSuffix(t[a:b], "::"))) {
		b--
	}
	if (a > 0 && (isAlnum(t[a-1]) || t[a-1] == '_')) || (b < len(t) && isAlnum(t[b])) {
		return 0
	}
	if t[a] == '.' {
		return 0
	}
	end := b
	if end+1 < len(t) && t[end] == '%' && isAlnum(t[end+1]) {
		z := end + 1
		for z < len(t) && (isAlnum(t[z]) || t[z] == '_' || t[z] == '.') {
			z++
		}
		for z > end+1 && t[z-1] == '.' {
			z--
		}
		end = z
	}
	if _, err := netip.ParseAddr(t[a:end]); err != nil {
		return 0
	}
	if t[a:b] == "::" {
		return 0
	}
	end = cidrEnd(t, end, 128)
	s.add(IPAddress, a, end, adjust(t, a, end, IPAddress, 0.9))
	return end
}

// unspecified tries the all-zeros address "::" at i, written on its own
// ("src=:: dst=::1"): not touching letters, digits or more colons, so that
// "std::cout" and ":::" are not addresses. It returns the end, or 0.
func (s *scanner) unspecified(i int) int {
	t := s.text
	if i+1 >= len(t) || t[i+1] != ':' {
		return 0
	}
	if i > 0 && (isAlnum(t[i-1]) || t[i-1] == ':' || t[i-1] == '_') {
		return 0
	}
	e := i + 2
	if e < len(t) && (isAlnum(t[e]) || t[e] == ':' || t[e] == '_') {
		return 0
	}
	if e < len(t) && t[e] == '/' {
		e = cidrEnd(t, e, 128)
	}
	s.add(IPAddress, i, e, adjust(t, i, e, IPAddress, 0.5))
	return e
}
