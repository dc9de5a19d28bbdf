package textmodel

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/triage-dev/triage/email"
	"github.com/triage-dev/triage/mailparse"
)

// ParseRaw turns a raw RFC 822 message into a Doc for training and
// evaluation. It is a deliberately small reader (headers by net/mail,
// multipart walk, base64/quoted-printable, HTML to text) so that training
// does not depend on the full mailparse package; it extracts the same
// fields the parse stage fills (subject, From, Reply-To, readable body,
// links), which is what FromEmail reads in production. Charsets other than
// UTF-8 are read as bytes and invalid sequences dropped.
func ParseRaw(raw []byte) (Doc, error) {
	// Drop an mbox "From " separator line; it is an artefact of storage.
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			raw = raw[i+1:]
		}
	}
	msg, err := mail.ReadMessage(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		// No parsable header: treat it all as body.
		return Doc{Body: clean(string(raw))}, nil
	}
	d := Doc{Headers: map[string][]string(msg.Header)}
	dec := new(mime.WordDecoder)
	if s, err := dec.DecodeHeader(msg.Header.Get("Subject")); err == nil {
		d.Subject = clean(s)
	} else {
		d.Subject = clean(msg.Header.Get("Subject"))
	}
	if a, err := mail.ParseAddress(msg.Header.Get("From")); err == nil {
		d.From = email.Address{Name: a.Name, Address: strings.ToLower(a.Address)}
	}
	if l, err := mail.ParseAddressList(msg.Header.Get("Reply-To")); err == nil {
		for _, a := range l {
			d.ReplyTo = append(d.ReplyTo, email.Address{Name: a.Name, Address: strings.ToLower(a.Address)})
		}
	}
	body, _ := io.ReadAll(io.LimitReader(msg.Body, 4<<20))
	var plain, htmlText strings.Builder
	walkPart(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), body, &plain, &htmlText, &d, 0)
	if plain.Len() > 0 {
		d.Body = clean(plain.String())
	} else {
		d.Body = clean(htmlText.String())
	}
	return d, nil
}

func walkPart(ctype, cte string, body []byte, plain, htm *strings.Builder, d *Doc, depth int) {
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil || mt == "" {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") && depth < 8 {
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return
			}
			b, _ := io.ReadAll(io.LimitReader(p, 4<<20))
			walkPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), b, plain, htm, d, depth+1)
		}
	}
	b := decodeCTE(cte, body)
	switch mt {
	case "text/plain":
		plain.Write(b)
		plain.WriteByte('\n')
	case "text/html":
		d.HTML = true
		txt, links := htmlToText(string(b))
		htm.WriteString(txt)
		d.Links = append(d.Links, links...)
	case "text/calendar":
		d.Calendar = true
	default:
		d.Attachments++
	}
}

func decodeCTE(cte string, b []byte) []byte {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		s := strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, string(b))
		out, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			out, _ = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
		}
		return out
	case "quoted-printable":
		out, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b)))
		if err != nil && len(out) == 0 {
			return b
		}
		return out
	}
	return b
}

// htmlToText drops tags, scripts and styles, unescapes entities and
// collects anchors (href and visible text).
func htmlToText(s string) (string, []email.Link) {
	var out strings.Builder
	var links []email.Link
	lower := strings.ToLower(s)
	inAnchor := false
	var href string
	var atext strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '<' {
			j := strings.IndexByte(s[i:], '<')
			if j < 0 {
				j = len(s) - i
			}
			t := html.UnescapeString(s[i : i+j])
			out.WriteString(t)
			if inAnchor {
				atext.WriteString(t)
			}
			i += j
			continue
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			break
		}
		tag := lower[i+1 : i+j]
		switch {
		case strings.HasPrefix(tag, "script"), strings.HasPrefix(tag, "style"):
			name := "</script"
			if strings.HasPrefix(tag, "style") {
				name = "</style"
			}
			k := strings.Index(lower[i:], name)
			if k < 0 {
				i = len(s)
				continue
			}
			i += k
			continue
		case strings.HasPrefix(tag, "a ") || tag == "a":
			inAnchor = true
			href = attr(s[i+1:i+j], "href")
			atext.Reset()
		case tag == "/a":
			if inAnchor {
				links = append(links, email.Link{Href: href, Text: strings.TrimSpace(atext.String())})
			}
			inAnchor = false
		case strings.HasPrefix(tag, "br"), strings.HasPrefix(tag, "p"), strings.HasPrefix(tag, "/p"), strings.HasPrefix(tag, "div"), strings.HasPrefix(tag, "tr"), strings.HasPrefix(tag, "li"):
			out.WriteByte('\n')
		default:
			out.WriteByte(' ')
		}
		i += j + 1
	}
	return out.String(), links
}

func attr(tag, name string) string {
	l := strings.ToLower(tag)
	i := strings.Index(l, name+"=")
	if i < 0 {
		return ""
	}
	v := tag[i+len(name)+1:]
	if v == "" {
		return ""
	}
	if q := v[0]; q == '"' || q == '\'' {
		if k := strings.IndexByte(v[1:], q); k >= 0 {
			return v[1 : k+1]
		}
		return v[1:]
	}
	if k := strings.IndexAny(v, " \t>"); k >= 0 {
		return v[:k]
	}
	return v
}

func clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	return s
}

// ParseMail turns a raw message into a Doc with the production parser
// (mailparse, as the parse stage runs it), so that training sees exactly
// the subject, body (charsets decoded), links and flags the classify stage
// sees at run time. Input mailparse cannot read at all falls back to
// ParseRaw.
func ParseMail(raw []byte) (Doc, error) {
	m, err := mailparse.Parse(raw, mailparse.Options{})
	if err != nil {
		return ParseRaw(raw)
	}
	return Doc{
		Subject:     m.Subject,
		Body:        m.Body,
		Headers:     m.Headers,
		From:        m.From,
		ReplyTo:     m.ReplyTo,
		HTML:        m.Flags.HasHTML,
		Calendar:    m.Flags.HasCalendar,
		Links:       m.Links,
		Attachments: len(m.Attachments),
	}, nil
}
