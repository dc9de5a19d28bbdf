package mailparse

import (
	"bytes"
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"github.com/triage-dev/triage/email"
)

// walker visits the MIME tree once, collecting readable text, links and
// attachment metadata into m. Attachment bytes are measured, never kept.
type walker struct {
	m     *Message
	plain []string
	html  []string
	parts int
}

// part handles one entity: h is its header, body its raw (still
// transfer-encoded) content.
func (w *walker) part(h header, body string, depth int, parent string) {
	w.parts++
	if w.parts > maxParts {
		w.m.warn(WarnTooManyParts)
		return
	}
	ctRaw := h.get("Content-Type")
	mt, ps := parseMediaType(ctRaw, w.m)
	if mt == "" {
		mt = "text/plain"
		if parent == "multipart/digest" {
			mt = "message/rfc822"
		}
	} else if strings.IndexByte(mt, '/') <= 0 {
		w.m.warn(WarnBadContentType)
		mt = "text/plain"
	}
	cte := strings.ToLower(h.get("Content-Transfer-Encoding"))
	disp, dps := parseMediaType(h.get("Content-Disposition"), w.m)

	if strings.HasPrefix(mt, "multipart/") {
		if depth >= maxDepth {
			w.m.warn(WarnTooDeep)
			return
		}
		w.multipart(mt, ps.get("boundary"), body, depth)
		return
	}

	filename := dps.get("filename")
	if filename == "" {
		filename = ps.get("name")
	}
	if filename != "" && (strings.Contains(filename, "=?") || !utf8.ValidString(filename)) {
		filename = decodeHeaderText(filename, w.m)
	}
	isAttachment := disp == "attachment"

	switch {
	case mt == "text/calendar" || mt == "application/ics":
		w.m.Flags.HasCalendar = true
		if isAttachment || filename != "" {
			w.attach(mt, filename, body, cte, false)
		}
	case (mt == "text/plain" || mt == "text/html") && !isAttachment:
		text := w.decodeText(body, cte, ps.get("charset"))
		if mt == "text/html" {
			w.m.Flags.HasHTML = true
			t, links := htmlToText(text)
			w.m.Links = append(w.m.Links, links...)
			w.html = append(w.html, t)
		} else {
			w.plain = append(w.plain, text)
		}
	default:
		inline := disp == "inline" || (disp == "" && h.get("Content-Id") != "")
		w.attach(mt, filename, body, cte, inline)
	}
}

func (w *walker) attach(mt, filename, body, cte string, inline bool) {
	w.m.Attachments = append(w.m.Attachments, email.Attachment{
		Filename:    filename,
		ContentType: mt,
		Size:        w.decodedSize(body, cte),
		Inline:      inline,
	})
}

// multipart splits body at boundary and visits each part. A missing or
// wrong boundary is guessed from the body before giving up and reading the
// whole body as text.
func (w *walker) multipart(mt, boundary, body string, depth int) {
	if boundary == "" {
		w.m.warn(WarnMissingBoundary)
	}
	parts, found, closed := splitMultipart(body, boundary)
	if !found {
		if boundary != "" {
			w.m.warn(WarnBoundaryNotFound)
		}
		if g := guessBoundary(body); g != "" {
			parts, found, closed = splitMultipart(body, g)
		}
	}
	if !found {
		// Nothing to split on: the best reading is the body as text.
		w.plain = append(w.plain, normalizeNewlines(toValidUTF8String(body, w.m)))
		return
	}
	if !closed {
		w.m.warn(WarnUnterminated)
	}
	for _, p := range parts {
		h, b := splitPart(p, w.m)
		w.part(h, b, depth+1, mt)
		if w.parts > maxParts {
			return
		}
	}
}

// splitPart separates a body part's header from its content. A part that
// starts with text rather than a header field has no header.
func splitPart(p string, m *Message) (header, string) {
	line, next := nextLine(p, 0)
	if line == "" {
		return header{}, p[next:]
	}
	if _, _, ok := headerLine(line); !ok {
		return header{}, p
	}
	return scanHeaders(p, m.warn)
}

// splitMultipart returns the parts between "--boundary" delimiter lines.
// found reports whether any delimiter was seen, closed whether the final
// "--boundary--" was. A delimiter must start a line and be followed only by
// whitespace (or "--"), so a boundary that prefixes a nested one does not
// match.
func splitMultipart(body, boundary string) (parts []string, found, closed bool) {
	if boundary == "" {
		return nil, false, false
	}
	delim := "--" + boundary
	partStart := -1
	pos := 0
	for pos < len(body) {
		i := strings.Index(body[pos:], delim)
		if i < 0 {
			break
		}
		at := pos + i
		if at > 0 && body[at-1] != '\n' {
			pos = at + len(delim)
			continue
		}
		after := at + len(delim)
		isClose := strings.HasPrefix(body[after:], "--")
		lineEnd := strings.IndexByte(body[after:], '\n')
		var next int
		if lineEnd < 0 {
			next = len(body)
			lineEnd = len(body) - after
		} else {
			next = after + lineEnd + 1
		}
		rest := body[after : after+lineEnd]
		if isClose {
			rest = rest[2:]
		}
		if strings.TrimSpace(rest) != "" {
			pos = after
			continue
		}
		found = true
		if partStart >= 0 {
			parts = append(parts, trimPartEnd(body[partStart:at]))
		}
		if isClose {
			return parts, true, true
		}
		partStart = next
		pos = next
	}
	if partStart >= 0 && partStart < len(body) {
		parts = append(parts, body[partStart:])
	}
	return parts, found, false
}

// trimPartEnd drops the line break that belongs to the next delimiter.
func trimPartEnd(p string) string {
	p = strings.TrimSuffix(p, "\n")
	return strings.TrimSuffix(p, "\r")
}

// guessBoundary looks for a delimiter-shaped line ("--" then at least ten
// non-space characters) that occurs at least twice: senders that get the
// boundary parameter wrong usually still write consistent delimiters.
func guessBoundary(body string) string {
	pos := 0
	for n := 0; pos < len(body) && n < 200; n++ {
		line, next := nextLine(body, pos)
		pos = next
		if len(line) < 12 || len(line) > 100 || !strings.HasPrefix(line, "--") || strings.ContainsAny(line, " \t") {
			continue
		}
		cand := strings.TrimSuffix(line[2:], "--")
		if strings.Contains(body[next:], "\n--"+cand) {
			return cand
		}
	}
	return ""
}

// decodeText undoes the transfer encoding and the charset of a text part
// and normalizes line breaks to "\n". The common case (7bit/8bit UTF-8 or
// ASCII without CR) returns a substring of the message: no copy.
func (w *walker) decodeText(body, cte, charset string) string {
	switch cte {
	case "", "7bit", "8bit", "binary":
		if isUTF8Name(charset) {
			return normalizeNewlines(toValidUTF8String(body, w.m))
		}
		return normalizeNewlines(decodeCharset(charset, []byte(body), w.m))
	case "quoted-printable":
		return normalizeNewlines(decodeCharset(charset, qpDecode(body, w.m), w.m))
	case "base64":
		return normalizeNewlines(decodeCharset(charset, b64Decode(body, w.m), w.m))
	default:
		w.m.warn(WarnUnknownCTE)
		return normalizeNewlines(decodeCharset(charset, []byte(body), w.m))
	}
}

// decodedSize measures an attachment without materialising it when the
// encoding allows.
func (w *walker) decodedSize(body, cte string) int64 {
	switch cte {
	case "base64":
		return b64Size(body, w.m)
	case "quoted-printable":
		return int64(len(qpDecode(body, w.m)))
	case "", "7bit", "8bit", "binary":
		return int64(len(body))
	default:
		w.m.warn(WarnUnknownCTE)
		return int64(len(body))
	}
}

// finish picks the readable body: the plain parts, or the HTML parts
// converted to text when there is no plain text.
func (w *walker) finish() {
	src := w.plain
	if blankAll(src) {
		src = w.html
	}
	var body string
	switch len(src) {
	case 0:
	case 1:
		body = src[0]
	default:
		nonBlank := src[:0:0]
		for _, s := range src {
			if strings.TrimSpace(s) != "" {
				nonBlank = append(nonBlank, strings.TrimSpace(s))
			}
		}
		body = strings.Join(nonBlank, "\n\n")
	}
	body = strings.TrimSpace(body)
	if len(body) > maxBodyChars {
		cut := maxBodyChars
		for cut > 0 && !utf8.RuneStart(body[cut]) {
			cut--
		}
		body = body[:cut]
		w.m.warn(WarnBodyTruncatedLimit)
	}
	w.m.Body = body
}

func blankAll(ss []string) bool {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

// normalizeNewlines turns CRLF and lone CR into LF, copying only when
// there is a CR.
func normalizeNewlines(s string) string {
	i := strings.IndexByte(s, '\r')
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i >= 0 {
		b = append(b, s[:i]...)
		b = append(b, '\n')
		s = s[i+1:]
		if len(s) > 0 && s[0] == '\n' {
			s = s[1:]
		}
		i = strings.IndexByte(s, '\r')
	}
	b = append(b, s...)
	return unsafeString(b)
}

// qpDecode decodes quoted-printable leniently: invalid escapes are kept
// literally (with a warning), soft breaks may have trailing whitespace.
func qpDecode(s string, m *Message) []byte {
	out := make([]byte, 0, len(s))
	bad := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '=' {
			out = append(out, c)
			continue
		}
		if i+2 < len(s) {
			if h, ok := unhex2(s[i+1], s[i+2]); ok {
				out = append(out, h)
				i += 2
				continue
			}
		}
		// Soft line break: "=" then optional whitespace then a newline, or
		// "=" at the very end.
		j := i + 1
		for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
			j++
		}
		if j == len(s) {
			i = j
			continue
		}
		if s[j] == '\n' {
			i = j
			continue
		}
		if s[j] == '\r' {
			if j+1 < len(s) && s[j+1] == '\n' {
				j++
			}
			i = j
			continue
		}
		bad = true
		out = append(out, c)
	}
	if bad {
		m.warn(WarnBadQP)
	}
	return out
}

// b64Clean copies the base64 alphabet characters of s, dropping
// whitespace; other bytes are dropped with a warning. Padding '=' is kept
// as a segment end: some encoders concatenate separately padded chunks.
func b64Clean(s string, m *Message) []byte {
	buf := make([]byte, 0, len(s))
	bad := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '+', c == '/':
			buf = append(buf, c)
		case c == '=':
			if len(buf) > 0 && buf[len(buf)-1] != '=' {
				buf = append(buf, c)
			}
		case c == ' ', c == '\t', c == '\r', c == '\n':
		default:
			bad = true
		}
	}
	if bad {
		m.warn(WarnBadBase64)
	}
	return buf
}

// b64Segments calls f for each run between padding characters, with a
// length that is never 1 mod 4 (a dangling character carries no byte).
func b64Segments(clean []byte, m *Message, f func(seg []byte)) {
	for len(clean) > 0 {
		end := bytes.IndexByte(clean, '=')
		seg := clean
		if end >= 0 {
			seg, clean = clean[:end], clean[end+1:]
		} else {
			clean = nil
		}
		if len(seg)%4 == 1 {
			seg = seg[:len(seg)-1]
			m.warn(WarnBadBase64)
		}
		if len(seg) > 0 {
			f(seg)
		}
	}
}

func b64Decode(s string, m *Message) []byte {
	clean := b64Clean(s, m)
	out := make([]byte, 0, base64.RawStdEncoding.DecodedLen(len(clean)))
	b64Segments(clean, m, func(seg []byte) {
		n0 := len(out)
		out = out[:n0+base64.RawStdEncoding.DecodedLen(len(seg))]
		n, err := base64.RawStdEncoding.Decode(out[n0:], seg)
		if err != nil {
			m.warn(WarnBadBase64)
		}
		out = out[:n0+n]
	})
	return out
}

// b64Size is the decoded size of base64 content without decoding it.
func b64Size(s string, m *Message) int64 {
	var n int64
	seg := 0
	bad := false
	end := func() {
		if seg%4 == 1 {
			seg--
			bad = true
		}
		n += int64(seg) * 6 / 8
		seg = 0
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '+', c == '/':
			seg++
		case c == '=':
			end()
		case c == ' ', c == '\t', c == '\r', c == '\n':
		default:
			bad = true
		}
	}
	end()
	if bad {
		m.warn(WarnBadBase64)
	}
	return n
}
