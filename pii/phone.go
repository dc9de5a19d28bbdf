package pii

import (
	"strconv"

	"github.com/nyaruka/phonenumbers"
	"google.golang.org/protobuf/proto"
)

// Phone numbers are validated with libphonenumber's metadata
// (github.com/nyaruka/phonenumbers). Its Parse costs ~16 µs and
// IsValidNumber ~8 µs, more than the rest of a typical email's scan, so the
// expensive call is rationed: only digit runs that survive the shape
// filters below are validated, we build the number ourselves instead of
// calling Parse, and each run gets at most maxPhoneChecks validations
// across the regions its shape allows.
const maxPhoneChecks = 5

func isPhoneGap(g string) bool {
	if len(g) == 0 || len(g) > 3 {
		return false
	}
	spaces := 0
	for i := 0; i < len(g); i++ {
		switch g[i] {
		case ' ':
			spaces++
		case '-', '.', '/', '(', ')':
		default:
			return false
		}
	}
	return spaces <= 1
}

// phones looks for phone numbers in the unclaimed digit-only runs of c.
func (s *scanner) phones(c *cluster, claimed []bool) int {
	checks, end := 0, 0
	for a := 0; a < c.n; a++ {
		if claimed[a] || c.w[a].letters > 0 {
			continue
		}
		b := a
		for b+1 < c.n && !claimed[b+1] && c.w[b+1].letters == 0 && isPhoneGap(s.text[c.w[b].e:c.w[b+1].s]) {
			b++
		}
		// Longest first, then drop a word at either end: "ref 12 415 555
		// 0132" still finds the number.
		tries := [][2]int{{a, b}, {a, b - 1}, {a + 1, b}}
		for _, tr := range tries {
			x, y := tr[0], tr[1]
			if y < x || (tr != tries[0] && x == a && y == b) {
				continue
			}
			if checks >= maxPhoneChecks {
				return end
			}
			if ok, used := s.phoneSpan(c, x, y); ok {
				checks += used
				end = c.w[y].e
				break
			} else {
				checks += used
			}
		}
		a = b
	}
	return end
}

// phoneSpan validates words x..y as one phone number. It returns whether
// it was accepted and how many metadata validations it spent.
func (s *scanner) phoneSpan(c *cluster, x, y int) (bool, int) {
	t := s.text
	start, end := c.w[x].s, c.w[y].e
	intl := false
	if start > 0 && t[start-1] == '(' {
		start--
		if start > 0 && t[start-1] == '+' {
			start--
			intl = true
		}
	} else if start > 0 && t[start-1] == '+' {
		start--
		intl = true
	}
	if start > 0 && isAlnum(t[start-1]) {
		return false, 0
	}
	var buf [20]byte
	d := buf[:0]
	groups := 0
	for k := x; k <= y; k++ {
		if len(d)+c.w[k].e-c.w[k].s > len(buf) {
			return false, 0
		}
		d = append(d, t[c.w[k].s:c.w[k].e]...)
		groups++
	}
	if intl {
		if len(d) < 8 || len(d) > 15 {
			return false, 0
		}
	} else if len(d) < 8 || len(d) > 13 {
		return false, 0
	}
	if !intl && (dateLike(c, x, y, t) || thousandsLike(c, x, y, t)) {
		return false, 0
	}
	if priceLike(t, start, end) {
		return false, 0
	}
	// An unbalanced "(" belongs to the prose, not the number.
	if t[start] == '(' || (intl && start+1 < len(t) && t[start+1] == '(') {
		if !hasByte(t[start:end], ')') {
			start = c.w[x].s
			intl = false
		}
	}
	score := 0.55
	if intl {
		score = 0.75
	} else if groups > 1 {
		score = 0.65
	}
	score = adjust(t, start, end, Phone, score)
	if score < s.d.minScore {
		return false, 0
	}
	ok, used := s.validPhone(string(d), intl)
	if ok {
		s.add(Phone, start, end, score)
	}
	return ok, used
}

func hasByte(s string, b byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return true
		}
	}
	return false
}

// dateLike: d.m.y, y-m-d, m/d/y shapes (optionally followed by a time).
func dateLike(c *cluster, x, y int, t string) bool {
	if y-x < 2 {
		return false
	}
	g1, g2 := t[c.w[x].e:c.w[x+1].s], t[c.w[x+1].e:c.w[x+2].s]
	if len(g1) != 1 || g1 != g2 || (g1[0] != '.' && g1[0] != '/' && g1[0] != '-') {
		return false
	}
	l0, l1, l2 := c.w[x].e-c.w[x].s, c.w[x+1].e-c.w[x+1].s, c.w[x+2].e-c.w[x+2].s
	return (l0 <= 2 && l1 <= 2 && (l2 == 2 || l2 == 4)) || (l0 == 4 && l1 <= 2 && l2 <= 2)
}

// thousandsLike: 1.234.567 or 1,234 style amounts.
func thousandsLike(c *cluster, x, y int, t string) bool {
	if y == x || c.w[x].e-c.w[x].s > 3 {
		return false
	}
	for k := x; k < y; k++ {
		g := t[c.w[k].e:c.w[k+1].s]
		if g != "." || c.w[k+1].e-c.w[k+1].s != 3 {
			return false
		}
	}
	return true
}

// priceLike: a currency sign or code right before or after.
func priceLike(t string, start, end int) bool {
	p := start
	if p > 0 && t[p-1] == ' ' {
		p--
	}
	if p > 0 {
		switch t[p-1] {
		case '$', '#':
			return true
		case 0xA3, 0xA5, 0xAC, 0xB9: // last byte of £ ¥ € ₹
			return true
		}
	}
	q := end
	if q < len(t) && t[q] == ' ' {
		q++
	}
	if q+2 < len(t) {
		switch t[q : q+3] {
		case "EUR", "USD", "GBP", "BRL", "JPY", "INR", "SGD", "CAD", "CHF", "\xe2\x82\xac":
			return true
		}
	}
	return false
}

type phoneRegion struct {
	region string
	cc     int32
	// fits is the cheap shape test for a national-format number.
	fits func(d string) bool
	// keepZero: the leading 0 is part of the national number (Italy).
	keepZero bool
}

var phoneRegionTable = map[string]phoneRegion{
	"US": {"US", 1, func(d string) bool {
		return (len(d) == 10 && d[0] >= '2' && d[3] >= '2') || (len(d) == 11 && d[0] == '1' && d[1] >= '2' && d[4] >= '2')
	}, false},
	"CA": {"CA", 1, func(d string) bool { return len(d) == 10 && d[0] >= '2' && d[3] >= '2' }, false},
	"GB": {"GB", 44, func(d string) bool { return d[0] == '0' && (len(d) == 10 || len(d) == 11) }, false},
	"DE": {"DE", 49, func(d string) bool { return d[0] == '0' && len(d) >= 8 && len(d) <= 13 }, false},
	"FR": {"FR", 33, func(d string) bool { return d[0] == '0' && d[1] != '0' && len(d) == 10 }, false},
	"ES": {"ES", 34, func(d string) bool { return len(d) == 9 && d[0] >= '6' }, false},
	"IT": {"IT", 39, func(d string) bool {
		return (d[0] == '0' && len(d) >= 8 && len(d) <= 11) || (d[0] == '3' && len(d) >= 9 && len(d) <= 10)
	}, true},
	"NL": {"NL", 31, func(d string) bool { return d[0] == '0' && len(d) == 10 }, false},
	"BR": {"BR", 55, func(d string) bool {
		return (d[0] == '0' && len(d) >= 11 && len(d) <= 12) || (d[0] != '0' && d[1] != '0' && (len(d) == 10 || len(d) == 11))
	}, false},
	"SG": {"SG", 65, func(d string) bool {
		return len(d) == 8 && (d[0] == '3' || d[0] == '6' || d[0] == '8' || d[0] == '9')
	}, false},
	"JP": {"JP", 81, func(d string) bool { return d[0] == '0' && (len(d) == 10 || len(d) == 11) }, false},
	"IN": {"IN", 91, func(d string) bool { return (len(d) == 10 && d[0] >= '6') || (d[0] == '0' && len(d) == 11) }, false},
	"CN": {"CN", 86, func(d string) bool { return len(d) == 11 && d[0] == '1' && d[1] >= '3' }, false},
	"IL": {"IL", 972, func(d string) bool { return d[0] == '0' && (len(d) == 9 || len(d) == 10) }, false},
}

func newNumber(cc int32, nsn string, leadingZero bool) *phonenumbers.PhoneNumber {
	v, err := strconv.ParseUint(nsn, 10, 64)
	if err != nil {
		return nil
	}
	n := &phonenumbers.PhoneNumber{CountryCode: proto.Int32(cc), NationalNumber: proto.Uint64(v)}
	if leadingZero {
		n.ItalianLeadingZero = proto.Bool(true)
	}
	return n
}

// validPhone reports whether the digits d form a valid number, and how
// many metadata validations that took.
func (s *scanner) validPhone(d string, intl bool) (bool, int) {
	if intl {
		return validIntl(d), 1
	}
	used := 0
	tried := map[string]bool{}
	try := func(r string) (bool, bool) {
		pr, ok := phoneRegionTable[r]
		if !ok || tried[r] || !pr.fits(d) {
			return false, false
		}
		tried[r] = true
		if used >= maxPhoneChecks {
			return false, true
		}
		used++
		nsn := d
		if r == "US" || r == "CA" {
			if len(nsn) == 11 {
				nsn = nsn[1:]
			}
		} else if nsn[0] == '0' && !pr.keepZero {
			nsn = nsn[1:]
		}
		n := newNumber(pr.cc, nsn, pr.keepZero && nsn[0] == '0')
		return n != nil && phonenumbers.IsValidNumberForRegion(n, r), false
	}
	for _, list := range [][]string{s.opts.PhoneRegions, s.d.phoneRegions} {
		for _, r := range list {
			ok, stop := try(r)
			if ok {
				return true, used
			}
			if stop {
				return false, used
			}
		}
	}
	// A national number written with its own country code but no "+"
	// ("91-415-555-0132"), as libphonenumber accepts for a default region.
	if len(d) >= 11 && used < maxPhoneChecks {
		used++
		if validIntl(d) {
			return true, used
		}
	}
	return false, used
}

// validIntl validates digits that start with a country calling code.
// Calling codes are prefix-free, so at most one split applies.
func validIntl(d string) bool {
	for l := 1; l <= 3 && l < len(d); l++ {
		cc, _ := strconv.Atoi(d[:l])
		if phonenumbers.GetRegionCodeForCountryCode(cc) == "ZZ" {
			continue
		}
		nsn := d[l:]
		lead := false
		if nsn[0] == '0' {
			if cc == 39 {
				lead = true
			} else {
				nsn = nsn[1:] // "+44 (0)20 ..." trunk prefix written by habit
			}
		}
		if nsn == "" {
			return false
		}
		n := newNumber(int32(cc), nsn, lead)
		return n != nil && phonenumbers.IsValidNumber(n)
	}
	return false
}
