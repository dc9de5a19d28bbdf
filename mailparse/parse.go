package mailparse

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/triage-dev/triage/email"
)

// Errors returned by Parse. Everything else that is wrong with a message is
// reported as a warning and parsing carries on.
var (
	// ErrEmpty is returned for a message with no bytes, or only whitespace.
	ErrEmpty = errors.New("mailparse: empty message")
	// ErrTooLarge is returned when the message exceeds Options.MaxBytes.
	ErrTooLarge = errors.New("mailparse: message exceeds size limit")
	// ErrUnreadable is returned for input with neither a header block nor
	// readable text: binary data, or control characters throughout.
	ErrUnreadable = errors.New("mailparse: no header or text structure")
)

// Warnings are fixed phrases: they are exported with the email, so they must
// never carry content from the message.
const (
	WarnNoHeaders          = "missing_headers"
	WarnHeaderNoColon      = "header_without_colon"
	WarnMissingFrom        = "missing_from"
	WarnMissingDate        = "missing_date"
	WarnBadDate            = "bad_date"
	WarnUnknownCharset     = "unknown_charset"
	WarnInvalidUTF8        = "invalid_utf8"
	WarnBadBase64          = "bad_base64"
	WarnBadQP              = "bad_quoted_printable"
	WarnUnknownCTE         = "unknown_transfer_encoding"
	WarnMissingBoundary    = "missing_boundary"
	WarnBoundaryNotFound   = "boundary_not_found"
	WarnUnterminated       = "unterminated_multipart"
	WarnTooDeep            = "mime_too_deep"
	WarnTooManyParts       = "too_many_parts"
	WarnTruncated          = "truncated"
	WarnMalformedAddress   = "malformed_address"
	WarnBadEncodedWord     = "bad_encoded_word"
	WarnBadContentType     = "bad_content_type"
	WarnRawHeaderBytes     = "unencoded_header_bytes"
	WarnBodyTruncatedLimit = "body_text_limit"
)

// Options tunes Parse. The zero value is usable.
type Options struct {
	// MaxBytes rejects larger messages with ErrTooLarge. Zero means no
	// limit (the caller enforces one).
	MaxBytes int
}

// Limits that keep hostile input from costing unbounded work. They are far
// above anything real mail needs.
const (
	maxDepth     = 16
	maxParts     = 512
	maxBodyChars = 2 << 20 // readable text kept per message
)

// Message is a parsed email. The fields mirror those of email.Email the
// parse stage fills; MessageID is the raw header value, not normalized.
type Message struct {
	Headers     map[string][]string
	MessageID   string
	From        email.Address
	Sender      email.Address
	ReplyTo     []email.Address
	To          []email.Address
	Cc          []email.Address
	Subject     string
	Date        time.Time
	Body        string
	NewText     string
	Attachments []email.Attachment
	Links       []email.Link
	Flags       email.Flags
	ThreadDepth int
	Warnings    []string
}

func (m *Message) warn(w string) {
	for _, x := range m.Warnings {
		if x == w {
			return
		}
	}
	m.Warnings = append(m.Warnings, w)
}

// Parse parses one raw RFC 5322 message. It never panics on any input; it
// returns an error only when the input is empty, over the size limit, or has
// no recognisable structure at all. Everything else parses as far as it can
// and is noted in Message.Warnings.
func Parse(raw []byte, opts Options) (*Message, error) {
	if opts.MaxBytes > 0 && len(raw) > opts.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(raw), opts.MaxBytes)
	}
	if isBlank(raw) {
		return nil, ErrEmpty
	}
	// One conversion of the whole message: header values and, on the fast
	// path, the body text are substrings of s, so they cost no copies.
	s := string(raw)
	m := &Message{}
	var body string
	if hdr, ok := headerStart(s); ok {
		m.Headers, body = scanHeaders(hdr, m.warn)
	} else {
		// No header block: accept readable text as a bare body, reject
		// binary data.
		if looksBinary(s) {
			return nil, ErrUnreadable
		}
		m.warn(WarnNoHeaders)
		m.Headers = map[string][]string{}
		body = s
	}
	if len(m.Headers) < 2 && looksBinary(body) {
		return nil, ErrUnreadable
	}
	m.fillHeaders()

	w := walker{m: m}
	w.part(header(m.Headers), body, 0, "")
	w.finish()

	for _, a := range m.Attachments {
		if !a.Inline {
			m.Flags.HasAttachments = true
			break
		}
	}
	m.NewText = NewText(m.Body)
	return m, nil
}

func isBlank(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
		default:
			return false
		}
	}
	return true
}

// looksBinary reports whether the first KiB of s is mostly control bytes.
// 8-bit bytes are not counted: legacy charsets use them. ESC is allowed for
// ISO-2022-JP.
func looksBinary(s string) bool {
	n := len(s)
	if n > 1024 {
		n = 1024
	}
	if n == 0 {
		return false
	}
	bad := 0
	for i := 0; i < n; i++ {
		c := s[i]
		if c < 0x20 && c != '\t' && c != '\r' && c != '\n' && c != 0x1b && c != '\f' {
			bad++
		}
	}
	return bad*10 > n
}

// fillHeaders decodes the addressing and threading headers.
func (m *Message) fillHeaders() {
	h := header(m.Headers)
	if v := h.get("From"); v != "" {
		as := parseAddressList(v, m)
		if len(as) > 0 {
			m.From = as[0]
		}
	}
	if m.From.Address == "" {
		m.warn(WarnMissingFrom)
	}
	if v := h.get("Sender"); v != "" {
		if as := parseAddressList(v, m); len(as) > 0 {
			m.Sender = as[0]
		}
	}
	m.ReplyTo = h.addresses("Reply-To", m)
	m.To = h.addresses("To", m)
	m.Cc = h.addresses("Cc", m)
	m.Subject = decodeHeaderText(h.get("Subject"), m)
	m.MessageID = strings.TrimSpace(h.get("Message-Id"))
	if v := h.get("Date"); v != "" {
		t, ok := parseDate(v)
		if ok {
			m.Date = t
		} else {
			m.warn(WarnBadDate)
		}
	} else if len(m.Headers) > 0 {
		m.warn(WarnMissingDate)
	}
	detectFlags(m, h)
}
