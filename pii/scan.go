package pii

import (
	"sort"
)

// Detector finds personal data. The zero value is not usable; use
// NewDetector. A Detector is immutable and safe for concurrent use.
type Detector struct {
	// MinScore drops findings whose confidence, after context, is below it.
	minScore float64
	// phoneRegions are the regions national-format phone numbers are tried
	// against, in order, after any per-call hints.
	phoneRegions []string
}

// Option configures a Detector.
type Option func(*Detector)

// WithMinScore sets the confidence below which findings are dropped.
// Default 0.5: validated identifiers score 0.8-1.0, weak formats (bare
// 9-digit numbers) about 0.5 and need context to survive negative words.
func WithMinScore(s float64) Option { return func(d *Detector) { d.minScore = s } }

// WithPhoneRegions sets the regions (ISO 3166 alpha-2) tried, in order, for
// phone numbers written without a country code. Default US, GB, DE, FR, ES,
// IT, NL, BR, SG, JP, IN, CN, IL.
func WithPhoneRegions(r ...string) Option { return func(d *Detector) { d.phoneRegions = r } }

// NewDetector returns a Detector with opts applied.
func NewDetector(opts ...Option) *Detector {
	d := &Detector{
		minScore:     0.5,
		phoneRegions: []string{"US", "GB", "DE", "FR", "ES", "IT", "NL", "BR", "SG", "JP", "IN", "CN", "IL"},
	}
	for _, o := range opts {
		o(d)
	}
	return d
}

// DetectOptions tunes one call.
type DetectOptions struct {
	// Identity also looks for person names after greetings and sign-offs
	// and for street addresses (the strict redaction level). It scans
	// letters, so it costs more than the digit-anchored recognizers.
	Identity bool
	// PhoneRegions are tried first for national-format phone numbers (for
	// example the region implied by the email's language).
	PhoneRegions []string
}

// Detect returns the findings in text, ordered by Start, non-overlapping.
func (d *Detector) Detect(text string, o DetectOptions) []Finding {
	s := &scanner{d: d, text: text, opts: &o}
	s.run()
	if o.Identity {
		s.found = appendIdentity(text, s.found)
	}
	return resolve(s.found, d.minScore)
}

// resolve keeps, among overlapping findings, the highest score (longest on
// ties) and drops those below min.
func resolve(in []Finding, min float64) []Finding {
	if len(in) == 0 {
		return nil
	}
	cand := in[:0]
	for _, f := range in {
		if f.Score >= min {
			cand = append(cand, f)
		}
	}
	sort.SliceStable(cand, func(i, j int) bool {
		if cand[i].Score != cand[j].Score {
			return cand[i].Score > cand[j].Score
		}
		return cand[i].End-cand[i].Start > cand[j].End-cand[j].Start
	})
	var out []Finding
	for _, f := range cand {
		ok := true
		for _, g := range out {
			if f.Start < g.End && g.Start < f.End {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}

// Byte classes for the scan. A table lookup per byte keeps the common case
// (letters, spaces, punctuation with no '@' and no digit) to one load and
// one branch.
const (
	clsOther = iota
	clsDigit
	clsAt
	clsColon
)

var byteClass [256]uint8

func init() {
	for c := '0'; c <= '9'; c++ {
		byteClass[c] = clsDigit
	}
	byteClass['@'] = clsAt
	byteClass[':'] = clsColon
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }
func isAlnum(c byte) bool  { return isDigit(c) || isLetter(c) }
func isHex(c byte) bool    { return isDigit(c) || ((c|0x20) >= 'a' && (c|0x20) <= 'f') }
func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 32
	}
	return c
}

type scanner struct {
	d     *Detector
	text  string
	opts  *DetectOptions
	found []Finding
	// cl and buf are reused for every cluster: allocating them per anchor
	// dominated the cost of a scan.
	cl  cluster
	sp  span
	buf [64]byte
}

func (s *scanner) add(typ string, start, end int, score float64) {
	s.found = append(s.found, Finding{Type: typ, Start: start, End: end, Score: score})
}

// run is the single pass: it skips bytes until an anchor and dispatches.
func (s *scanner) run() {
	t := s.text
	for i := 0; i < len(t); {
		switch byteClass[t[i]] {
		case clsOther:
			i++
		case clsAt:
			if end := s.email(i); end > i {
				i = end
			} else {
				i++
			}
		case clsColon:
			if end := s.unspecified(i); end > i {
				i = end
			} else {
				i++
			}
		case clsDigit:
			next := i + 1
			if end := s.ipv6(i); end > 0 {
				next = end
			} else {
				ws := i
				for ws > 0 && isAlnum(t[ws-1]) {
					ws--
				}
				s.cl.n = 0
				s.cl.build(t, ws)
				if end := s.cluster(&s.cl); end > next {
					next = end
				}
			}
			i = next
		}
	}
}

// word is one maximal run of ASCII letters and digits.
type word struct {
	s, e            int
	digits, letters int
}

const maxWords = 16

// cluster is a run of words joined by short separators around an anchor
// digit: the unit recognizers look at.
type cluster struct {
	w [maxWords]word
	n int
}

func scanWord(t string, i int) word {
	w := word{s: i}
	for i < len(t) && isAlnum(t[i]) {
		if isDigit(t[i]) {
			w.digits++
		} else {
			w.letters++
		}
		i++
	}
	w.e = i
	return w
}

func isGapByte(c byte) bool {
	switch c {
	case ' ', '-', '.', '/', ':', '(', ')':
		return true
	}
	return false
}

// build collects the words of the cluster whose anchor word starts at ws.
// One short letter word before it is included (the "AB" of a UK NINO, the
// "X-" of a Spanish NIE); after it, words joined by one to three separator
// bytes are added while they hold digits, and a final word of at most two
// letters is kept (check letters such as the "B" in "AB 12 34 56 B").
func (c *cluster) build(t string, ws int) {
	if ws >= 2 && (t[ws-1] == ' ' || t[ws-1] == '-') && isLetter(t[ws-2]) {
		ps := ws - 1
		for ps > 0 && isAlnum(t[ps-1]) {
			ps--
		}
		pw := scanWord(t, ps)
		if pw.digits == 0 && pw.letters <= 2 {
			c.w[0] = pw
			c.n = 1
		}
	}
	c.w[c.n] = scanWord(t, ws)
	c.n++
	for c.n < maxWords {
		p := c.w[c.n-1].e
		g := p
		spaces := 0
		for g < len(t) && g-p < 3 && isGapByte(t[g]) {
			if t[g] == ' ' {
				spaces++
			}
			g++
		}
		if g == p || spaces > 2 || g >= len(t) || !isAlnum(t[g]) {
			return
		}
		w := scanWord(t, g)
		if w.digits == 0 {
			if w.letters <= 2 && c.w[c.n-1].digits > 0 {
				c.w[c.n] = w
				c.n++
			}
			return
		}
		c.w[c.n] = w
		c.n++
	}
}

func (c *cluster) end() int { return c.w[c.n-1].e }

// span describes words i..j of a cluster for the recognizers.
type span struct {
	t      string
	c      *cluster
	i, j   int
	start  int
	end    int
	norm   []byte // letters upper-cased and digits, separators removed
	digits int
	// gap is the separator byte used between every pair of words, 0 for a
	// single word, or 0xFF when separators differ or are longer than one
	// byte.
	gap byte
}

func (sp *span) groups() int { return sp.j - sp.i + 1 }

// groupLens reports whether the word lengths equal want.
func (sp *span) groupLens(want ...int) bool {
	if sp.groups() != len(want) {
		return false
	}
	for k, n := range want {
		w := sp.c.w[sp.i+k]
		if w.e-w.s != n {
			return false
		}
	}
	return true
}

// gapAt returns the separator text between word k and k+1 of the span.
func (sp *span) gapAt(k int) string {
	return sp.t[sp.c.w[sp.i+k].e:sp.c.w[sp.i+k+1].s]
}

func (sp *span) allDigits() bool { return sp.digits == len(sp.norm) }

func (s *scanner) makeSpan(c *cluster, i, j int, buf []byte) span {
	sp := span{t: s.text, c: c, i: i, j: j, start: c.w[i].s, end: c.w[j].e}
	buf = buf[:0]
	for k := i; k <= j; k++ {
		w := c.w[k]
		for x := w.s; x < w.e; x++ {
			buf = append(buf, upper(s.text[x]))
		}
		sp.digits += w.digits
		if k < j {
			g := s.text[w.e:c.w[k+1].s]
			switch {
			case len(g) != 1:
				sp.gap = 0xFF
			case k == i:
				sp.gap = g[0]
			case sp.gap != g[0]:
				sp.gap = 0xFF
			}
		}
	}
	sp.norm = buf
	return sp
}

// plausibleLen is the cheap filter in front of the recognizers: the
// character counts some recognizer accepts (IPv4: four groups of at most
// twelve digits; numeric ids: 9-19 digits; ids with letters: 8, 9 or 16
// characters). Dates, amounts and short numbers stop here.
func plausibleLen(nd, nl, groups int) bool {
	if nl == 0 {
		return (groups == 4 && nd <= 12) || (nd >= 9 && nd <= 19)
	}
	n := nd + nl
	return n == 8 || n == 9 || n == 16
}

// recognizer checks one span; it returns the type and base score, or ok
// false. Recognizers must be cheap: they run on every span of every cluster.
type recognizer func(sp *span) (typ string, score float64, ok bool)

// spanRecognizers run on word spans; order breaks ties between equal
// scores.
var spanRecognizers = []recognizer{
	recognizeCard, recognizeIPv4, recognizeSSN, recognizeSIN, recognizeNHS,
	recognizeCPF, recognizeCNPJ, recognizeAadhaar, recognizeNRIC, recognizeNINO,
	recognizeSpanishID, recognizeItalianCode,
}

// cluster runs every recognizer over the cluster's word spans, longest
// first from each start, and then tries phone numbers on the digit runs no
// other recognizer claimed. It returns the end of the last finding so the
// scan resumes after it (IBANs may run past the cluster).
func (s *scanner) cluster(c *cluster) int {
	// Resume after the last finding rather than after the cluster: words
	// past it may start something the cluster's grouping hid (an IPv6
	// address after an IPv4 one).
	end := 0
	var claimed [maxWords]bool
	buf := s.buf[:]
	for i := 0; i < c.n; i++ {
		// An IPv6 address inside a colon-joined cluster ("NAT64:
		// 64:ff9b::198.51.100.1") must be tried before its IPv4 tail.
		if i > 0 && c.w[i].digits > 0 && hasByte(s.text[c.w[i-1].e:c.w[i].s], ':') || i+1 < c.n && c.w[i].digits > 0 && hasByte(s.text[c.w[i].e:c.w[i+1].s], ':') {
			d := c.w[i].s
			for d < c.w[i].e && !isDigit(s.text[d]) {
				d++
			}
			if e := s.ipv6(d); e > 0 {
				for i+1 < c.n && c.w[i+1].s < e {
					i++
				}
				if e > end {
					end = e
				}
				continue
			}
		}
		if e, ok := s.iban(c.w[i].s); ok {
			for k := i; k < c.n && c.w[k].s < e; k++ {
				claimed[k] = true
			}
			if e > end {
				end = e
			}
			// Words past the IBAN are examined from where it ended.
			for i+1 < c.n && c.w[i+1].s < e {
				i++
			}
			continue
		}
		best := Finding{}
		bestJ := -1
		maxJ := i + 7
		if maxJ >= c.n {
			maxJ = c.n - 1
		}
		nd, nl := 0, 0
		for j := i; j <= maxJ; j++ {
			nd += c.w[j].digits
			nl += c.w[j].letters
		}
		for j := maxJ; j >= i; j-- {
			if j < maxJ {
				nd -= c.w[j+1].digits
				nl -= c.w[j+1].letters
			}
			if !plausibleLen(nd, nl, j-i+1) {
				continue
			}
			s.sp = s.makeSpan(c, i, j, buf)
			sp := &s.sp
			if len(sp.norm) > len(buf) {
				continue
			}
			for _, r := range spanRecognizers {
				typ, score, ok := r(sp)
				if !ok {
					continue
				}
				score = adjust(s.text, sp.start, sp.end, typ, score)
				if score > best.Score {
					best = Finding{Type: typ, Start: sp.start, End: sp.end, Score: score}
					bestJ = j
				}
			}
			if bestJ >= 0 && best.Score >= s.d.minScore {
				break
			}
		}
		if bestJ < 0 || best.Score < s.d.minScore {
			continue
		}
		if best.Type == IPAddress {
			best.End = cidrEnd(s.text, best.End, 32)
		}
		s.found = append(s.found, best)
		if best.End > end {
			end = best.End
		}
		for k := i; k <= bestJ; k++ {
			claimed[k] = true
		}
		i = bestJ
	}
	if e := s.phones(c, claimed[:c.n]); e > end {
		end = e
	}
	if end == 0 {
		end = c.end()
		// A colon-joined cluster may hide an IPv6 address that starts
		// inside it ("NAT64: 64:ff9b::..."): rescan from the next word.
		for k := 0; k+1 < c.n; k++ {
			if hasByte(s.text[c.w[k].e:c.w[k+1].s], ':') {
				end = c.w[0].e
				break
			}
		}
	}
	return end
}
