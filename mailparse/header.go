package mailparse

import (
	"net/textproto"
	"strings"

	"github.com/triage-dev/triage/email"
)

// header is a canonical-key header map with helpers.
type header map[string][]string

func (h header) get(k string) string {
	if v := h[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (h header) addresses(k string, m *Message) []email.Address {
	var out []email.Address
	for _, v := range h[k] {
		out = append(out, parseAddressList(v, m)...)
	}
	return out
}

// headerStart returns s from its first header field, skipping an mbox
// "From " line, and ok=false when s does not start with a header field.
func headerStart(s string) (string, bool) {
	if strings.HasPrefix(s, "From ") {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			return "", false
		}
		s = s[i+1:]
	}
	first, _ := nextLine(s, 0)
	if _, _, ok := headerLine(first); !ok {
		return "", false
	}
	return s, true
}

// headerLine splits "Name: value" and reports whether name is a valid
// field name (printable ASCII, no colon, no space).
func headerLine(line string) (name, value string, ok bool) {
	c := strings.IndexByte(line, ':')
	if c <= 0 || c > 128 {
		return "", "", false
	}
	for i := 0; i < c; i++ {
		b := line[i]
		if b <= ' ' || b > '~' {
			return "", "", false
		}
	}
	return line[:c], line[c+1:], true
}

// nextLine returns the line starting at pos without its terminator and the
// offset after the terminator.
func nextLine(s string, pos int) (line string, next int) {
	i := strings.IndexByte(s[pos:], '\n')
	if i < 0 {
		line = s[pos:]
		next = len(s)
	} else {
		line = s[pos : pos+i]
		next = pos + i + 1
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, next
}

// scanHeaders parses the header block at the start of s into a canonical
// map and returns the body. Values are unfolded and trimmed but otherwise
// raw (encoded words are decoded by the field-specific code). A stray line
// without a colon is skipped with a warning when more header fields follow
// it, and otherwise taken as the start of the body (a missing blank line).
//
// Values that were not folded are substrings of s: no copies.
func scanHeaders(s string, warn func(string)) (header, string) {
	h := make(header, 16)
	// Most fields occur once: their one-value slices are cut from a shared
	// slab (capacity capped at one, so a repeated field's append copies
	// instead of overwriting a neighbour) instead of one allocation each.
	var slab []string
	var key string
	vStart, vEnd := -1, -1
	flush := func() {
		if vStart < 0 {
			return
		}
		v := s[vStart:vEnd]
		if strings.IndexByte(v, '\n') >= 0 {
			v = unfold(v)
		}
		v = strings.TrimSpace(v)
		if cur, ok := h[key]; ok {
			h[key] = append(cur, v)
		} else {
			if len(slab) == cap(slab) {
				slab = make([]string, 0, 16)
			}
			slab = append(slab, v)
			h[key] = slab[len(slab)-1 : len(slab) : len(slab)]
		}
		vStart = -1
	}
	pos := 0
	for pos < len(s) {
		line, next := nextLine(s, pos)
		if line == "" {
			flush()
			return h, s[next:]
		}
		if line[0] == ' ' || line[0] == '\t' {
			if vStart >= 0 {
				vEnd = pos + len(line)
			}
			pos = next
			continue
		}
		name, _, ok := headerLine(line)
		if ok {
			flush()
			key = textproto.CanonicalMIMEHeaderKey(name)
			vStart = pos + len(name) + 1
			vEnd = pos + len(line)
			pos = next
			continue
		}
		warn(WarnHeaderNoColon)
		if !moreHeaders(s, next) {
			flush()
			return h, s[pos:]
		}
		pos = next
	}
	flush()
	if !strings.HasSuffix(s, "\n") {
		warn(WarnTruncated)
	}
	return h, ""
}

// moreHeaders reports whether a header field line follows pos before the
// blank line that ends the header block. It looks at most a few lines ahead.
func moreHeaders(s string, pos int) bool {
	for n := 0; pos < len(s) && n < 8; n++ {
		line, next := nextLine(s, pos)
		if line == "" {
			return false
		}
		if _, _, ok := headerLine(line); ok {
			return true
		}
		pos = next
	}
	return false
}

// unfold removes line breaks from a folded header value (RFC 5322 2.2.3:
// the CRLF is removed, the whitespace after it stays).
func unfold(v string) string {
	b := make([]byte, 0, len(v))
	for {
		i := strings.IndexAny(v, "\r\n")
		if i < 0 {
			break
		}
		b = append(b, v[:i]...)
		v = v[i+1:]
	}
	b = append(b, v...)
	return unsafeString(b)
}

// parseAddressList parses a tolerant address list: "Name <a@b>", bare
// a@b, "a@b (Name)", quoted names with commas, groups ("team: a@b, c@d;",
// "undisclosed-recipients:;"). Entries without a usable addr-spec are
// dropped with a warning. net/mail is deliberately not used: it rejects
// whole lists for one bad entry and allocates heavily.
func parseAddressList(v string, m *Message) []email.Address {
	var out []email.Address
	inQuote, angle, comment := false, false, 0
	segStart := 0
	emit := func(end int) {
		seg := strings.TrimSpace(v[segStart:end])
		if seg == "" {
			return
		}
		a, ok := parseMailbox(seg, m)
		if !ok {
			m.warn(WarnMalformedAddress)
			return
		}
		out = append(out, a)
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' && (inQuote || comment > 0):
			i++
		case inQuote:
			if c == '"' {
				inQuote = false
			}
		case comment > 0:
			if c == '(' {
				comment++
			} else if c == ')' {
				comment--
			}
		case c == '"':
			inQuote = true
		case c == '(':
			comment++
		case c == '<':
			angle = true
		case c == '>':
			angle = false
		case angle:
		case c == ',' || c == ';':
			emit(i)
			segStart = i + 1
		case c == ':':
			// Group name: drop it and start the member list.
			segStart = i + 1
		}
	}
	emit(len(v))
	return out
}

func parseMailbox(seg string, m *Message) (email.Address, bool) {
	var name, addr string
	if lt := lastIndexOutsideQuotes(seg, '<'); lt >= 0 {
		rest := seg[lt+1:]
		if gt := strings.IndexByte(rest, '>'); gt >= 0 {
			addr = rest[:gt]
		} else {
			addr = rest
		}
		name = strings.TrimSpace(seg[:lt])
	} else {
		addr = seg
		if p := strings.IndexByte(seg, '('); p >= 0 {
			addr = seg[:p]
			if q := strings.LastIndexByte(seg, ')'); q > p {
				name = strings.TrimSpace(seg[p+1 : q])
			}
		}
	}
	addr = strings.TrimSpace(addr)
	addr = strings.TrimPrefix(addr, "mailto:")
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 || strings.ContainsAny(addr, " \t<>") {
		return email.Address{}, false
	}
	if len(name) >= 2 && name[0] == '"' && name[len(name)-1] == '"' {
		name = unquote(name[1 : len(name)-1])
	}
	if strings.Contains(name, "=?") || !isASCII(name) {
		name = decodeHeaderText(name, m)
	}
	return email.Address{Name: name, Address: strings.ToLower(addr)}, true
}

func lastIndexOutsideQuotes(s string, c byte) int {
	in := false
	idx := -1
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && in:
			i++
		case s[i] == '"':
			in = !in
		case !in && s[i] == c:
			idx = i
		}
	}
	return idx
}

func unquote(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// param is one Content-Type/Content-Disposition parameter.
type param struct{ key, val string }

type params []param

func (p params) get(k string) string {
	for _, x := range p {
		if x.key == k {
			return x.val
		}
	}
	return ""
}

// parseMediaType parses "type/sub; k=v; k2=\"v 2\"" tolerantly, with RFC
// 2231 extended and continued parameters in any charset (mime.ParseMediaType
// knows only UTF-8 and ASCII there and fails the whole value on a duplicate
// or malformed parameter). The media type is lower-cased; a value with no
// slash is returned as given, lower-cased.
func parseMediaType(v string, m *Message) (string, params) {
	semi := strings.IndexByte(v, ';')
	mt := v
	if semi >= 0 {
		mt = v[:semi]
	}
	mt = strings.ToLower(strings.TrimSpace(mt))
	if semi < 0 {
		return mt, nil
	}
	var ps params
	var ext map[string][]extPiece
	rest := v[semi+1:]
	for len(rest) > 0 {
		rest = strings.TrimLeft(rest, " \t;")
		if rest == "" {
			break
		}
		eq := strings.IndexByte(rest, '=')
		if eq < 0 {
			break
		}
		key := strings.ToLower(strings.TrimSpace(rest[:eq]))
		rest = strings.TrimLeft(rest[eq+1:], " \t")
		var val string
		if len(rest) > 0 && rest[0] == '"' {
			end := 1
			for end < len(rest) && rest[end] != '"' {
				if rest[end] == '\\' {
					end++
				}
				end++
			}
			if end > len(rest) {
				end = len(rest)
			}
			val = unquote(rest[1:end])
			if end < len(rest) {
				end++
			}
			rest = rest[end:]
			if i := strings.IndexByte(rest, ';'); i >= 0 {
				rest = rest[i+1:]
			} else {
				rest = ""
			}
		} else {
			end := strings.IndexByte(rest, ';')
			if end < 0 {
				end = len(rest)
			}
			val = strings.TrimSpace(rest[:end])
			rest = rest[end:]
		}
		if star := strings.IndexByte(key, '*'); star >= 0 {
			base := key[:star]
			suffix := key[star+1:]
			encoded := strings.HasSuffix(suffix, "*") || suffix == ""
			idx := 0
			num := strings.TrimSuffix(suffix, "*")
			for i := 0; i < len(num) && i < 4; i++ {
				if num[i] < '0' || num[i] > '9' {
					break
				}
				idx = idx*10 + int(num[i]-'0')
			}
			if ext == nil {
				ext = map[string][]extPiece{}
			}
			ext[base] = append(ext[base], extPiece{idx: idx, val: val, encoded: encoded})
			continue
		}
		ps = append(ps, param{key, val})
	}
	for base, pieces := range ext {
		val := assemble2231(pieces, m)
		replaced := false
		for i := range ps {
			if ps[i].key == base {
				ps[i].val = val
				replaced = true
			}
		}
		if !replaced {
			ps = append(ps, param{base, val})
		}
	}
	return mt, ps
}

type extPiece struct {
	idx     int
	val     string
	encoded bool
}

// assemble2231 joins RFC 2231 continuations in index order, percent-decodes
// the encoded ones and converts from the charset named in the first.
func assemble2231(pieces []extPiece, m *Message) string {
	// Insertion sort: a handful of pieces at most.
	for i := 1; i < len(pieces); i++ {
		for j := i; j > 0 && pieces[j].idx < pieces[j-1].idx; j-- {
			pieces[j], pieces[j-1] = pieces[j-1], pieces[j]
		}
	}
	charset := ""
	var buf []byte
	for i, p := range pieces {
		v := p.val
		if p.encoded && i == 0 {
			if a := strings.IndexByte(v, '\''); a >= 0 {
				charset = v[:a]
				rest := v[a+1:]
				if b := strings.IndexByte(rest, '\''); b >= 0 {
					v = rest[b+1:]
				} else {
					v = rest
				}
			}
		}
		if p.encoded {
			buf = append(buf, percentDecode(v)...)
		} else {
			buf = append(buf, v...)
		}
	}
	if charset == "" {
		return toValidUTF8(buf, m)
	}
	return decodeCharset(charset, buf, m)
}

func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if h, ok := unhex2(s[i+1], s[i+2]); ok {
				out = append(out, h)
				i += 2
				continue
			}
		}
		out = append(out, s[i])
	}
	return out
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func unhex2(a, b byte) (byte, bool) {
	x, ok1 := unhex(a)
	y, ok2 := unhex(b)
	return x<<4 | y, ok1 && ok2
}
