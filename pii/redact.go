package pii

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Redaction styles.
const (
	// StylePlaceholder replaces a value with its type: [EMAIL_REDACTED].
	StylePlaceholder = "placeholder"
	// StylePseudonym replaces a value with its type and a keyed token,
	// [EMAIL:3f9a1c], equal for equal values under one key, so downstream
	// systems can correlate mentions without seeing them.
	StylePseudonym = "pseudonym"
)

// Redactor replaces findings in text. It is immutable and safe for
// concurrent use.
type Redactor struct {
	style  string
	secret []byte
}

// NewRedactor returns a Redactor for style ("" means placeholder). The
// secret keys pseudonyms; it is required for StylePseudonym.
func NewRedactor(style string, secret []byte) (*Redactor, error) {
	switch style {
	case "", StylePlaceholder:
		style = StylePlaceholder
	case StylePseudonym:
		if len(secret) == 0 {
			return nil, errPseudonymNoSecret
		}
	default:
		return nil, &styleError{style}
	}
	return &Redactor{style: style, secret: append([]byte(nil), secret...)}, nil
}

type styleError struct{ style string }

func (e *styleError) Error() string {
	return "pii: redaction style " + quote(e.style) + " is not placeholder or pseudonym"
}

func quote(s string) string { return "\"" + s + "\"" }

var errPseudonymNoSecret = &styleError{"pseudonym without a secret"}

// Label is the short name used in tokens: EMAIL for EMAIL_ADDRESS, PHONE
// for PHONE_NUMBER, the type itself otherwise.
func Label(typ string) string {
	switch typ {
	case Email:
		return "EMAIL"
	case Phone:
		return "PHONE"
	case IBAN:
		return "IBAN"
	case IPAddress:
		return "IP"
	case Address:
		return "ADDRESS"
	}
	return typ
}

// Token returns the replacement for value of type typ.
func (r *Redactor) Token(typ, value string) string {
	if r.style != StylePseudonym {
		return "[" + Label(typ) + "_REDACTED]"
	}
	m := hmac.New(sha256.New, r.secret)
	m.Write([]byte(typ))
	m.Write([]byte{0})
	m.Write([]byte(Normalize(typ, value)))
	return "[" + Label(typ) + ":" + hex.EncodeToString(m.Sum(nil))[:6] + "]"
}

// Normalize reduces a value to the form that identifies it, so that the
// same card written with spaces or dashes, or the same address in another
// case, gets the same pseudonym.
func Normalize(typ, value string) string {
	switch typ {
	case Email, IPAddress, Person, Address:
		return strings.ToLower(strings.TrimSpace(value))
	case Phone:
		var b strings.Builder
		for i := 0; i < len(value); i++ {
			if isDigit(value[i]) || (value[i] == '+' && b.Len() == 0) {
				b.WriteByte(value[i])
			}
		}
		return b.String()
	}
	var b strings.Builder
	for i := 0; i < len(value); i++ {
		if isAlnum(value[i]) {
			b.WriteByte(upper(value[i]))
		}
	}
	return b.String()
}

// Redact returns text with every finding replaced by its token. Findings
// must be sorted by Start and non-overlapping, as Detect returns them.
func (r *Redactor) Redact(text string, fs []Finding) string {
	if len(fs) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	prev := 0
	for _, f := range fs {
		if f.Start < prev || f.End > len(text) || f.Start >= f.End {
			continue
		}
		b.WriteString(text[prev:f.Start])
		b.WriteString(r.Token(f.Type, text[f.Start:f.End]))
		prev = f.End
	}
	b.WriteString(text[prev:])
	return b.String()
}

// Filter returns the findings that level redacts.
func Filter(fs []Finding, level string) []Finding {
	var out []Finding
	for _, f := range fs {
		if Covered(level, f.Type) {
			out = append(out, f)
		}
	}
	return out
}
