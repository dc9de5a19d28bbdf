package mailparse

import (
	"encoding/base64"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// charsetCache memoizes charset name lookups: the index lookups normalise
// and search on every call, and a stream sees the same few names.
var (
	charsetCache  sync.Map // lower-cased name -> encoding.Encoding (nil = unknown)
	charsetCacheN atomic.Int64
)

// lookupCharset finds a decoder for a MIME charset name. The WHATWG index
// (htmlindex) comes first because it encodes what mail clients actually
// mean (ISO-8859-1 is really Windows-1252, GB2312 is really GBK); the IANA
// index catches names WHATWG lacks. Returns nil for unknown names.
func lookupCharset(name string) encoding.Encoding {
	name = strings.ToLower(strings.Trim(strings.TrimSpace(name), `"'`))
	if v, ok := charsetCache.Load(name); ok {
		e, _ := v.(encoding.Encoding)
		return e
	}
	var e encoding.Encoding
	if x, err := htmlindex.Get(name); err == nil {
		e = x
	} else if x, err := ianaindex.MIME.Encoding(name); err == nil && x != nil {
		e = x
	} else if x, err := ianaindex.IANA.Encoding(name); err == nil && x != nil {
		e = x
	} else {
		// Aliases real senders emit that neither index knows (Python's
		// email package writes eucgb2312_cn for GB2312, Microsoft
		// software the cpNNN names).
		switch strings.ReplaceAll(name, "_", "-") {
		case "cp1252", "x-cp1252", "latin1", "latin-1":
			e = charmap.Windows1252
		case "cp1251", "x-cp1251":
			e = charmap.Windows1251
		case "cp1250", "x-cp1250":
			e = charmap.Windows1250
		case "eucgb2312-cn", "euc-cn", "x-euc-cn", "cp936", "ms936", "x-gbk", "gb-2312":
			e = simplifiedchinese.GBK
		case "cp932", "ms932", "x-sjis", "sjis", "windows-31j", "x-ms-cp932":
			e = japanese.ShiftJIS
		case "eucjp", "x-eucjp", "ujis":
			e = japanese.EUCJP
		case "big5-hkscs", "big5-tw", "cp950", "x-big5":
			e = traditionalchinese.Big5
		case "koi8r", "cp866-koi8":
			e = charmap.KOI8R
		case "utf-7", "unicode-1-1-utf-7":
			e = nil
		}
	}
	// Bound the cache: charset names come from the input.
	if charsetCacheN.Add(1) < 1024 {
		charsetCache.Store(name, e)
	}
	return e
}

// isUTF8Name reports the charsets that need no conversion: UTF-8 and ASCII
// (ASCII mail often carries UTF-8 bytes anyway; validation catches the rest).
func isUTF8Name(cs string) bool {
	switch len(cs) {
	case 0:
		return true
	case 5, 4, 8, 7, 14:
	default:
		return false
	}
	return strings.EqualFold(cs, "utf-8") || strings.EqualFold(cs, "utf8") ||
		strings.EqualFold(cs, "us-ascii") || strings.EqualFold(cs, "ascii") ||
		strings.EqualFold(cs, "unicode-1-1-utf-8")
}

// decodeCharset converts b from charset to a valid UTF-8 string. Unknown
// charsets fall back to UTF-8 when b is valid UTF-8 and to Windows-1252
// otherwise, with a warning: readable text with a few wrong letters beats no
// text.
func decodeCharset(charset string, b []byte, m *Message) string {
	if isUTF8Name(charset) {
		return toValidUTF8(b, m)
	}
	enc := lookupCharset(charset)
	if enc == nil {
		m.warn(WarnUnknownCharset)
		if utf8.Valid(b) {
			return string(b)
		}
		enc = charmap.Windows1252
	}
	if isASCIIBytes(b) && !isStateful(charset) {
		return string(b)
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		m.warn(WarnUnknownCharset)
		return toValidUTF8(b, m)
	}
	return string(out)
}

// isStateful names the charsets whose ASCII bytes are not ASCII text
// (ISO-2022 shifts with ESC, which is ASCII).
func isStateful(cs string) bool {
	return len(cs) > 8 && strings.EqualFold(cs[:8], "iso-2022")
}

func isASCIIBytes(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

func toValidUTF8(b []byte, m *Message) string {
	if utf8.Valid(b) {
		return string(b)
	}
	m.warn(WarnInvalidUTF8)
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// toValidUTF8String is toValidUTF8 for a string, without a copy when valid.
func toValidUTF8String(s string, m *Message) string {
	if utf8.ValidString(s) {
		return s
	}
	m.warn(WarnInvalidUTF8)
	return strings.ToValidUTF8(s, "\uFFFD")
}

// decodeHeaderText decodes RFC 2047 encoded words in an unstructured header
// value. Adjacent encoded words in the same charset are joined before the
// charset conversion, because encoders split multi-byte characters across
// words (common for Japanese and Chinese subjects). Whitespace between
// encoded words is dropped, as the RFC requires. Malformed words are kept
// literally with a warning. Raw 8-bit bytes that are not UTF-8 are read as
// Windows-1252.
func decodeHeaderText(v string, m *Message) string {
	if !strings.Contains(v, "=?") {
		if utf8.ValidString(v) {
			return v
		}
		m.warn(WarnRawHeaderBytes)
		out, _ := charmap.Windows1252.NewDecoder().String(v)
		return out
	}
	var out strings.Builder
	out.Grow(len(v))
	var pend []byte // decoded bytes of adjacent words awaiting conversion
	pendCS := ""
	flush := func() {
		if pend != nil {
			out.WriteString(decodeCharset(pendCS, pend, m))
			pend = nil
		}
	}
	i := 0
	lastWasWord := false
	for i < len(v) {
		j := strings.Index(v[i:], "=?")
		if j < 0 {
			flush()
			out.WriteString(toValidUTF8String(v[i:], m))
			break
		}
		gap := v[i : i+j]
		word, cs, dec, n, ok := encodedWord(v[i+j:])
		if !ok {
			if n == 0 {
				n = 2
			}
			flush()
			if word {
				m.warn(WarnBadEncodedWord)
			}
			out.WriteString(toValidUTF8String(v[i:i+j+n], m))
			i += j + n
			lastWasWord = false
			continue
		}
		if !(lastWasWord && strings.TrimSpace(gap) == "") {
			flush()
			out.WriteString(toValidUTF8String(gap, m))
		}
		if pend != nil && !strings.EqualFold(pendCS, cs) {
			flush()
		}
		if pend == nil {
			pend = []byte{}
		}
		pendCS = cs
		pend = append(pend, dec...)
		i += j + n
		lastWasWord = true
	}
	flush()
	return out.String()
}

// encodedWord decodes one "=?charset?Q|B?text?=" at the start of s. It
// returns the length consumed. looked reports whether s had the shape of an
// encoded word (so a failure is worth a warning).
func encodedWord(s string) (looked bool, charset string, dec []byte, n int, ok bool) {
	// s starts with "=?"
	q1 := strings.IndexByte(s[2:], '?')
	if q1 < 0 || q1 > 64 {
		return false, "", nil, 0, false
	}
	q1 += 2
	if q1+2 >= len(s) || s[q1+2] != '?' {
		return false, "", nil, 0, false
	}
	charset = s[2:q1]
	if star := strings.IndexByte(charset, '*'); star >= 0 {
		charset = charset[:star] // RFC 2231 language suffix
	}
	encChar := s[q1+1] | 0x20
	textStart := q1 + 3
	// Encoded words are at most 75 characters (RFC 2047); allow generous
	// slack but bound the search, or a header full of "=?" without "?="
	// costs quadratic time.
	win := s[textStart:]
	if len(win) > 1024 {
		win = win[:1024]
	}
	end := strings.Index(win, "?=")
	if end < 0 {
		return true, "", nil, 0, false
	}
	text := s[textStart : textStart+end]
	n = textStart + end + 2
	switch encChar {
	case 'b':
		t := strings.TrimRight(strings.TrimSpace(text), "=")
		d, err := base64.RawStdEncoding.DecodeString(t)
		if err != nil {
			return true, "", nil, n, false
		}
		return true, charset, d, n, true
	case 'q':
		d := make([]byte, 0, len(text))
		for k := 0; k < len(text); k++ {
			c := text[k]
			switch {
			case c == '_':
				d = append(d, ' ')
			case c == '=' && k+2 < len(text):
				if h, hok := unhex2(text[k+1], text[k+2]); hok {
					d = append(d, h)
					k += 2
				} else {
					d = append(d, c)
				}
			default:
				d = append(d, c)
			}
		}
		return true, charset, d, n, true
	}
	return true, "", nil, n, false
}
