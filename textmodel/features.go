package textmodel

import (
	"math"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/triage-dev/triage/email"
)

// Doc is what the model sees of an email.
type Doc struct {
	Subject     string
	Body        string
	Headers     map[string][]string
	From        email.Address
	ReplyTo     []email.Address
	HTML        bool
	Calendar    bool
	Links       []email.Link
	Attachments int
}

// FromEmail builds a Doc from a parsed email. It reads the unredacted
// subject and body: the features never leave the process (only the score
// does) and the model was trained on unredacted text, so scoring redacted
// text would shift the inputs away from what the model learned.
func FromEmail(e *email.Email) Doc {
	return Doc{
		Subject:     e.Subject,
		Body:        e.Body,
		Headers:     e.Headers,
		From:        e.From,
		ReplyTo:     e.ReplyTo,
		HTML:        e.Flags.HasHTML,
		Calendar:    e.Flags.HasCalendar,
		Links:       e.Links,
		Attachments: len(e.Attachments),
	}
}

// Bits is log2 of the hashed feature space. 2^20 int8 weights make 1 MiB
// per component; at 2^18 the collisions of character n-grams cost
// measurable accuracy (docs/intelligence.md).
const Bits = 20

const (
	maxBodyTokens = 3000
	maxTokenLen   = 24
)

// Feature hashes are 64-bit FNV-1a over prefix+token, folded to Bits.
const (
	fnvOffset uint64 = 14695981039346656037
	fnvPrime  uint64 = 1099511628211
)

// fnvString continues the FNV-1a state h over s.
func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// fold maps a 64-bit FNV state to a feature index.
func fold(h uint64) uint32 { return uint32(h>>20) & (1<<Bits - 1) }

func hash(prefix, tok string) uint32 { return fold(fnvString(fnvString(fnvOffset, prefix), tok)) }

// Precomputed FNV states after the word-token prefixes: the hot loop in
// wordFeatures continues from them instead of rehashing the prefix for
// every token (the values hash gives for prefix+token and for
// prefix+previous+" "+token).
var (
	fnvS    = fnvString(fnvOffset, "s:")
	fnvSB   = fnvString(fnvOffset, "sb:")
	fnvB    = fnvString(fnvOffset, "b:")
	fnvBB   = fnvString(fnvOffset, "bb:")
	hashCap = hash("b:", "<caps>")
)

// tokenHashes hashes t for its unigram feature (state uni, the prefix
// already in it) and the bigram it ends (state big: prefix, previous token
// and the space) in one pass, and returns the state a bigram starting with
// t continues from (state next: the bigram prefix, t and the space). The
// three FNV chains are independent, so one loop runs them side by side.
func tokenHashes(uni, big, next uint64, t string) (u, b uint32, n uint64) {
	for i := 0; i < len(t); i++ {
		c := uint64(t[i])
		uni = (uni ^ c) * fnvPrime
		big = (big ^ c) * fnvPrime
		next = (next ^ c) * fnvPrime
	}
	return fold(uni), fold(big), (next ^ ' ') * fnvPrime
}

// FeatureSet selects optional feature groups on top of the base set
// (subject and body words, body bigrams, links, sender-controlled headers).
// A model records the set it was trained with and scores with the same.
type FeatureSet uint8

const (
	// FeatStructure adds message-shape features: subject bigrams and
	// capitals/punctuation share, URLs written in the text (domain tokens),
	// link density, HTML with little text (image mail), charset declared
	// ASCII but text that is not, money/exclamation/capitals density.
	FeatStructure FeatureSet = 1 << iota
	// FeatList adds mailing-list headers (List-Id, List-Unsubscribe,
	// List-Post, Precedence, Mailing-List). Whether they help or teach
	// "direct mail is spam" is decided by nested cross-validation
	// (docs/intelligence.md), not by argument.
	FeatList
	// FeatHeaders adds which sender-written headers are present (an
	// allow-list: mail-client and priority headers, never the transport
	// trail or anything a filter added) and the values of the priority
	// headers and the Date header's zone.
	FeatHeaders
	// FeatChars adds character 3-5-grams of the lower-cased subject and
	// the start of the body (whitespace runs collapsed, digits folded to
	// 0): they survive the spellings word tokens split ("v1agra",
	// "mon-ey", "C L I C K") and carry punctuation runs ("!!!", "$$$").
	FeatChars
)

// allSets is every defined feature-group bit.
const allSets = FeatStructure | FeatList | FeatHeaders | FeatChars

// senderHeaders are written by the sending software, so their presence
// describes the sender, not the route the corpus took.
var senderHeaders = []string{"X-Priority", "X-Msmail-Priority", "X-Mimeole", "Importance", "User-Agent", "Mime-Version", "X-Accept-Language", "Content-Language", "Disposition-Notification-To", "Thread-Index", "X-Mailer", "Organization", "Reply-To", "Cc", "Sender"}

// DefaultSet is the feature set Featurise uses: the word group of the
// round-2 model (single logistic regression). The committed model's
// recipe is DefaultSpec, which `triage train` trains.
const DefaultSet = FeatStructure | FeatHeaders

// Features returns the feature indexes of d and the value each carries
// for DefaultSet (see FeaturesWith).
func Features(d Doc) ([]uint32, []float32) { return FeaturesWith(d, DefaultSet) }

// FeaturesWith returns the sorted, de-duplicated feature indexes of d and
// the value each carries for an explicit feature set: the word group
// (binary, L2-normalised) plus, with FeatChars, the character n-gram group
// (counts over the square root of the number of n-grams). Training uses
// this form; scoring sums the same values without sorting (Model.Score).
func FeaturesWith(d Doc, set FeatureSet) ([]uint32, []float32) {
	w := wordFeatures(d, set)
	wv := float32(1 / math.Sqrt(float64(max(len(w), 1))))
	acc := map[uint32]float32{}
	for _, i := range w {
		acc[i] += wv
	}
	if set&FeatChars != 0 {
		n := 0
		charGrams(d, func(uint32) { n++ })
		if n > 0 {
			cv := float32(1 / math.Sqrt(float64(n)))
			charGrams(d, func(h uint32) { acc[h] += cv })
		}
	}
	idx := make([]uint32, 0, len(acc))
	for i := range acc {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	val := make([]float32, len(idx))
	for k, i := range idx {
		val[k] = acc[i]
	}
	return idx, val
}

// wordFeatures returns the sorted, de-duplicated indexes of the word
// group (everything but character n-grams).
func wordFeatures(d Doc, set FeatureSet) []uint32 {
	f := make([]uint32, 0, 512)
	add := func(p, t string) { f = append(f, hash(p, t)) }

	// Unigram and bigram hashes come from tokenHashes; a bigram starts
	// from the state its first token left (see the precomputed states).
	hasPrev, prevState := false, uint64(0)
	tokens(d.Subject, 200, func(t string, _ bool) {
		u, b, next := tokenHashes(fnvS, prevState, fnvSB, t)
		f = append(f, u)
		if set&FeatStructure != 0 && hasPrev {
			f = append(f, b)
		}
		hasPrev, prevState = true, next
	})
	hasPrev = false
	n := 0
	var sh shape
	tokens(d.Body, maxBodyTokens, func(t string, caps bool) {
		u, b, next := tokenHashes(fnvB, prevState, fnvBB, t)
		f = append(f, u)
		if hasPrev {
			f = append(f, b)
		}
		switch {
		case caps:
			f = append(f, hashCap)
			sh.caps++
		case t == "$" || t == "€" || t == "£":
			sh.money++
		case t == "!":
			sh.excl++
		}
		hasPrev, prevState = true, next
		n++
	})
	add("len:", bucket(n))
	if set&FeatStructure != 0 {
		structFeatures(d, n, sh, add)
	}

	if set&FeatHeaders != 0 {
		for _, h := range senderHeaders {
			if v := first(d.Headers, h); v != "" {
				add("hh:", h)
				switch h {
				case "X-Priority", "X-Msmail-Priority", "Importance":
					add("hh:"+h+":", strings.ToLower(firstWord(v)))
				case "User-Agent":
					add("hh:ua:", strings.ToLower(firstWord(v)))
				}
			}
		}
		if v := first(d.Headers, "Date"); v != "" {
			f := strings.Fields(v)
			z := f[len(f)-1]
			if len(z) == 5 && (z[0] == '+' || z[0] == '-') {
				add("hh:tz:", z)
			} else {
				add("hh:tz:", "other")
			}
			if !strings.Contains(v, ",") {
				add("hh:", "date_no_weekday")
			}
		}
	}
	if set&FeatList != 0 {
		for _, h := range []string{"List-Id", "List-Unsubscribe", "List-Post", "List-Subscribe", "Mailing-List"} {
			if first(d.Headers, h) != "" {
				add("h:list:", h)
			}
		}
		if v := first(d.Headers, "Precedence"); v != "" {
			add("h:prec:", strings.ToLower(strings.TrimSpace(v)))
		}
	}

	// Sender-controlled headers only (see the package doc).
	if d.HTML {
		add("h:", "html")
		if len(strings.TrimSpace(d.Body)) > 0 && !strings.Contains(d.Body, "\n\n") {
			add("h:", "html_dense")
		}
	}
	if d.Calendar {
		add("h:", "calendar")
	}
	if d.Attachments > 0 {
		add("h:", "attach")
	}
	if v := first(d.Headers, "X-Mailer"); v != "" {
		add("h:xmailer:", strings.ToLower(firstWord(v)))
	} else {
		add("h:", "no_xmailer")
	}
	if ct := first(d.Headers, "Content-Type"); ct != "" {
		l := strings.ToLower(ct)
		if i := strings.IndexByte(l, ';'); i >= 0 {
			add("h:ct:", strings.TrimSpace(l[:i]))
		} else {
			add("h:ct:", strings.TrimSpace(l))
		}
		if i := strings.Index(l, "charset="); i >= 0 {
			add("h:cs:", strings.Trim(firstWord(l[i+8:]), "\";"))
		}
	}
	if v := first(d.Headers, "Content-Transfer-Encoding"); v != "" {
		add("h:cte:", strings.ToLower(strings.TrimSpace(v)))
	}
	// List-Id/List-Unsubscribe/Precedence are left to the classify rules:
	// in the training corpus nearly all ham came through mailing lists, so
	// the model would learn "no list header means spam", which is false for
	// direct mail.
	for _, h := range []string{"Auto-Submitted", "In-Reply-To", "References", "Organization"} {
		if v := first(d.Headers, h); v != "" {
			add("h:has:", h)
			if h == "Precedence" || h == "Auto-Submitted" {
				add("h:"+h+":", strings.ToLower(strings.TrimSpace(v)))
			}
		}
	}
	if dom := d.From.Domain(); dom != "" {
		add("h:from_tld:", tld(dom))
		add("h:from_dom:", dom)
	}
	if d.From.Name != "" {
		tokens(d.From.Name, 10, func(t string, _ bool) { add("h:from_name:", t) })
	} else {
		add("h:", "from_no_name")
	}
	if ReplyToMismatch(d.From, d.ReplyTo) {
		add("h:", "reply_to_mismatch")
	}
	to := first(d.Headers, "To")
	switch {
	case to == "":
		add("h:", "no_to")
	case strings.Contains(strings.ToLower(to), "undisclosed"):
		add("h:", "to_undisclosed")
	default:
		add("h:to_n:", bucket(strings.Count(to, "@")))
	}
	if first(d.Headers, "Date") == "" {
		add("h:", "no_date")
	}
	if id := strings.ToLower(first(d.Headers, "Message-Id")); id != "" {
		// The Message-ID is written by the sender's software: whether its
		// domain matches the From domain is sender behaviour, not transport.
		if at := strings.LastIndexByte(id, '@'); at >= 0 {
			if registrable(strings.Trim(id[at+1:], "<> ")) == registrable(d.From.Domain()) {
				add("h:", "msgid_from_match")
			}
		}
	} else {
		add("h:", "no_msgid")
	}
	if s := strings.ToLower(d.Subject); strings.HasPrefix(s, "re:") || strings.HasPrefix(s, "fwd:") || strings.HasPrefix(s, "fw:") {
		add("h:", "subject_reply")
	}
	add("links:", bucket(len(d.Links)))
	mismatch := 0
	for i, l := range d.Links {
		if i >= 50 {
			break
		}
		if host := linkHost(l.Href); host != "" {
			add("u:", registrable(host))
			add("u:tld:", tld(host))
			if net.ParseIP(host) != nil {
				add("u:", "<ip>")
			}
			if u, err := url.Parse(l.Href); err == nil {
				tokens(u.Path+" "+u.RawQuery, 8, func(t string, _ bool) { add("u:p:", t) })
			}
		} else if strings.HasPrefix(strings.ToLower(l.Href), "mailto:") {
			add("u:", "<mailto>")
		}
		tokens(l.Text, 6, func(t string, _ bool) { add("u:t:", t) })
		if LinkTextMismatch(l) {
			mismatch++
		}
	}
	if mismatch > 0 {
		add("h:", "link_text_mismatch")
	}
	return dedup(f)
}

// seenPool holds bitsets over the feature space for dedup; a set is all
// zero whenever it is in the pool.
var seenPool = sync.Pool{New: func() any { b := make([]uint64, 1<<Bits/64); return &b }}

// dedup removes repeated indexes from f in place, keeping first
// occurrences. A bitset is linear in len(f), where sorting was a sixth of
// scoring time; callers that need order sort themselves.
func dedup(f []uint32) []uint32 {
	p := seenPool.Get().(*[]uint64)
	seen := *p
	out := f[:0]
	for _, i := range f {
		w, m := i>>6, uint64(1)<<(i&63)
		if seen[w]&m == 0 {
			seen[w] |= m
			out = append(out, i)
		}
	}
	for _, i := range out {
		seen[i>>6] = 0
	}
	seenPool.Put(p)
	return out
}

// tokens calls fn for each lower-cased word token of s (letters and digits;
// digit runs collapse to a shape token), at most max of them. caps reports
// an all-capitals word of 3+ letters.
//
// Lifetime contract: tok may point into a buffer tokens reuses, so it is
// valid only until fn returns for the token after it. A caller may keep the
// previous token for a bigram (wordFeatures does), and must copy
// (strings.Clone) anything it keeps longer. Two buffers alternate so that
// the previous token survives while the next is built: handing fn a
// string per token was the largest source of allocation in scoring.
func tokens(s string, max int, fn func(tok string, caps bool)) {
	var arr [2][64]byte
	bufs := [2][]byte{arr[0][:0], arr[1][:0]}
	cur := 0
	b := bufs[0]
	count := 0
	letters, upper, digits := 0, 0, 0
	emit := func() {
		if len(b) == 0 {
			return
		}
		caps := letters >= 3 && upper == letters
		var t string
		switch {
		case digits > 0 && letters == 0:
			t = digitShape(digits)
			b = b[:0]
		case len(b) > maxTokenLen:
			t = "<long>"
			b = b[:0]
		case len(b) < 2 && letters > 0 && b[0] < 0x80:
			// Dropped: the buffer is reused for the next token, so the
			// one fn saw last stays intact.
			b = b[:0]
			letters, upper, digits = 0, 0, 0
			return
		default:
			t = unsafe.String(&b[0], len(b))
			// Build the next token in the other buffer; keep this one's
			// capacity (it may have grown past the array) for reuse.
			bufs[cur] = b[:0]
			cur ^= 1
			b = bufs[cur]
		}
		letters, upper, digits = 0, 0, 0
		count++
		fn(t, caps)
	}
	for _, r := range s {
		if count >= max {
			return
		}
		if r < 0x80 {
			// ASCII fast path: the same decisions as below, without the
			// Unicode tables.
			switch {
			case r >= 'a' && r <= 'z':
				letters++
				b = append(b, byte(r))
				continue
			case r >= 'A' && r <= 'Z':
				letters++
				upper++
				b = append(b, byte(r)+'a'-'A')
				continue
			case r >= '0' && r <= '9':
				digits++
				b = append(b, byte(r))
				continue
			}
		}
		switch {
		case unicode.IsLetter(r):
			if isCJK(r) {
				// Each CJK character is a token: there are no spaces.
				emit()
				b = utf8.AppendRune(b, r)
				letters = 1
				emit()
				continue
			}
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
			b = utf8.AppendRune(b, unicode.ToLower(r))
		case unicode.IsDigit(r):
			digits++
			b = utf8.AppendRune(b, r)
		case r == '$' || r == '€' || r == '£' || r == '!':
			emit()
			b = utf8.AppendRune(b, r)
			emit()
		case r == '\'' || r == '-':
			if len(b) == 0 {
				continue
			}
			b = utf8.AppendRune(b, r)
		default:
			emit()
		}
	}
	emit()
}

// digitShapes are the digit-run tokens "#d"+bucket(n), built once.
var digitShapes = [...]string{"#d0", "#d1", "#d2", "#d3", "#d4", "#d5", "#d6"}

func digitShape(n int) string { return digitShapes[bucket(n)[0]-'0'] }

func isCJK(r rune) bool {
	if r < 0x1100 { // below Hangul Jamo: no CJK script
		return false
	}
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

func bucket(n int) string {
	switch {
	case n == 0:
		return "0"
	case n < 3:
		return "1"
	case n < 10:
		return "2"
	case n < 30:
		return "3"
	case n < 100:
		return "4"
	case n < 300:
		return "5"
	}
	return "6"
}

func first(h map[string][]string, k string) string {
	if v := h[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func firstWord(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " \t/;("); i >= 0 {
		return s[:i]
	}
	return s
}

func tld(host string) string {
	if i := strings.LastIndexByte(host, '.'); i >= 0 {
		return host[i+1:]
	}
	return host
}

// registrable approximates the registrable domain: the last two labels
// (three when the second-level label is short, as in example.co.uk).
func registrable(host string) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	parts := strings.Split(host, ".")
	if len(parts) <= 2 {
		return host
	}
	n := 2
	if len(parts[len(parts)-2]) <= 3 && len(parts[len(parts)-1]) == 2 {
		n = 3
	}
	return strings.Join(parts[len(parts)-n:], ".")
}

func linkHost(href string) string {
	u, err := url.Parse(strings.TrimSpace(href))
	if err != nil || u.Host == "" {
		return ""
	}
	h := strings.ToLower(u.Hostname())
	return h
}

// LinkTextMismatch reports an anchor whose visible text looks like a URL or
// domain on a different registrable domain than its target: the classic
// phishing disguise.
func LinkTextMismatch(l email.Link) bool {
	host := linkHost(l.Href)
	if host == "" {
		return false
	}
	t := strings.ToLower(strings.TrimSpace(l.Text))
	if t == "" || strings.ContainsAny(t, " \t\n") {
		return false
	}
	th := linkHost(t)
	if th == "" {
		if !strings.Contains(t, ".") {
			return false
		}
		th = linkHost("http://" + strings.TrimPrefix(t, "www."))
		if th == "" {
			return false
		}
		if tld(th) == th || len(tld(th)) < 2 {
			return false
		}
	}
	return registrable(th) != registrable(host)
}

// ReplyToMismatch reports a Reply-To on a different registrable domain than
// From: replies would go somewhere the sender's domain does not control.
func ReplyToMismatch(from email.Address, replyTo []email.Address) bool {
	fd := from.Domain()
	if fd == "" {
		return false
	}
	for _, r := range replyTo {
		if rd := r.Domain(); rd != "" && registrable(rd) != registrable(fd) {
			return true
		}
	}
	return false
}

// shape counts body tokens of interest during the main tokenisation pass.
type shape struct{ caps, money, excl int }

// structFeatures adds the FeatStructure group: the shape of a message,
// which spam varies less than its wording.
func structFeatures(d Doc, words int, sh shape, add func(p, t string)) {
	letters, upper, bang := 0, 0, 0
	nonASCII := false
	for _, r := range d.Subject {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
		if r == '!' {
			bang++
		}
		if r >= 0x80 {
			nonASCII = true
		}
	}
	if letters >= 6 {
		add("st:subj_caps:", bucket(10*upper/letters))
	}
	if bang > 0 {
		add("st:", "subj_bang")
	}
	if strings.ContainsAny(d.Subject, "$%") {
		add("st:", "subj_money")
	}
	if nonASCII {
		add("st:", "subj_nonascii")
	}
	if d.HTML && words < 40 {
		// Mostly pictures: little readable text in an HTML mail.
		add("st:", "html_little_text")
	}
	if words > 0 {
		add("st:link_density:", bucket(100*len(d.Links)/words))
	}
	// URLs typed into the text (not anchors): their domains.
	body := d.Body
	if len(body) > 32<<10 {
		body = body[:32<<10]
	}
	urls := 0
	for i := 0; i < len(body) && urls < 20; {
		j := strings.Index(body[i:], "http")
		if j < 0 {
			break
		}
		i += j
		k := strings.IndexAny(body[i:], " \t\n\r\"'<>)")
		if k < 0 {
			k = len(body) - i
		}
		if host := linkHost(body[i : i+k]); host != "" {
			add("bu:", registrable(host))
			urls++
		}
		i += k
	}
	add("st:text_urls:", bucket(urls))
	if cs := first(d.Headers, "Content-Type"); strings.Contains(strings.ToLower(cs), "us-ascii") {
		for i := 0; i < len(d.Body); i++ {
			if d.Body[i] >= 0x80 {
				add("st:", "charset_mismatch")
				break
			}
		}
	}
	if words > 0 {
		add("st:caps_share:", bucket(100*sh.caps/words))
		add("st:money_share:", bucket(100*sh.money/words))
		add("st:excl_share:", bucket(100*sh.excl/words))
	}
}

const (
	charMin      = 3
	charMax      = 5
	maxCharBytes = 1500 // body prefix read for n-grams: bounds scoring time
)

// charBuf holds the normalised text character n-grams are read from.
type charBuf [2*maxCharBytes + 8]byte

// charText writes into buf, and returns, the text character n-grams are
// taken from: the lower-cased subject, a newline, and the body prefix, with
// whitespace runs collapsed to one space and digits folded to '0'.
func charText(d Doc, buf *charBuf) []byte {
	b := buf[:0]
	space := true
	put := func(s string, limit int) {
		for i := 0; i < len(s) && len(b) < limit; i++ {
			c := s[i]
			switch {
			case c == ' ' || c == '\t' || c == '\n' || c == '\r':
				if space {
					continue
				}
				c, space = ' ', true
			case c >= '0' && c <= '9':
				c, space = '0', false
			case c >= 'A' && c <= 'Z':
				c, space = c+'a'-'A', false
			default:
				space = false
			}
			b = append(b, c)
		}
	}
	put(d.Subject, 200)
	b = append(b, '\n')
	space = true
	put(d.Body, len(b)+maxCharBytes)
	return b
}

// charSeed starts character n-gram hashes, seeded apart from word hashes.
const charSeed = uint64(0xcbf29ce484222325) ^ 0x63

// charGrams calls fn with the hash of every character 3..5-gram of the
// normalised subject + body prefix (charText). Bytes, not runes:
// multi-byte letters give partial grams, which is harmless for hashing and
// keeps this cheap. comp.score inlines the same loop.
func charGrams(d Doc, fn func(uint32)) {
	var buf charBuf
	b := charText(d, &buf)
	for i := 0; i+charMin <= len(b); i++ {
		h := charSeed
		for j := i; j < i+charMax && j < len(b); j++ {
			h ^= uint64(b[j])
			h *= 1099511628211
			if j-i+1 >= charMin {
				fn(uint32(h>>20) & (1<<Bits - 1))
			}
		}
	}
}
