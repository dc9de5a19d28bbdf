package pii

import "net/netip"

// recognizeIPv4: four dot-separated decimal groups, each at most three
// digits, accepted by netip (no leading-zero octets, each <= 255). A
// "version 1.2.3.4" is dropped by negative context.
func recognizeIPv4(sp *span) (string, float64, bool) {
	if sp.groups() != 4 || sp.gap != '.' || !sp.allDigits() {
		return "", 0, false
	}
	for k := sp.i; k <= sp.j; k++ {
		if sp.c.w[k].e-sp.c.w[k].s > 3 {
			return "", 0, false
		}
	}
	if _, err := netip.ParseAddr(sp.t[sp.start:sp.end]); err != nil {
		return "", 0, false
	}
	return IPAddress, 0.8, true
}

// cidrEnd extends an address ending at end over a "/N" prefix length when
// N <= max; otherwise the address stands alone.
func cidrEnd(t string, end, max int) int {
	if end+1 >= len(t) || t[end] != '/' || !isDigit(t[end+1]) {
		return end
	}
	k := end + 1
	v := 0
	for k < len(t) && isDigit(t[k]) && k-end <= 3 {
		v = v*10 + int(t[k]-'0')
		k++
	}
	if (k < len(t) && isAlnum(t[k])) || v > max {
		return end
	}
	return k
}
