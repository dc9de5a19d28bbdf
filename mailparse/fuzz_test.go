package mailparse_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/triage-dev/triage/corpus"
	"github.com/triage-dev/triage/mailparse"
)

// knownWarnings is every phrase Parse may emit. The fuzz target checks that
// no warning is ever built from message content.
var knownWarnings = map[string]bool{
	mailparse.WarnNoHeaders: true, mailparse.WarnHeaderNoColon: true, mailparse.WarnMissingFrom: true,
	mailparse.WarnMissingDate: true, mailparse.WarnBadDate: true, mailparse.WarnUnknownCharset: true,
	mailparse.WarnInvalidUTF8: true, mailparse.WarnBadBase64: true, mailparse.WarnBadQP: true,
	mailparse.WarnUnknownCTE: true, mailparse.WarnMissingBoundary: true, mailparse.WarnBoundaryNotFound: true,
	mailparse.WarnUnterminated: true, mailparse.WarnTooDeep: true, mailparse.WarnTooManyParts: true,
	mailparse.WarnTruncated: true, mailparse.WarnMalformedAddress: true, mailparse.WarnBadEncodedWord: true,
	mailparse.WarnBadContentType: true, mailparse.WarnRawHeaderBytes: true, mailparse.WarnBodyTruncatedLimit: true,
}

// FuzzParse feeds arbitrary bytes to Parse. It must never panic, and a
// successful parse must yield valid UTF-8 text, fixed-phrase warnings and a
// NewText no longer than Body. Seeds are the sample corpus plus malformed
// fragments. Run: go test -fuzz FuzzParse -fuzztime 60s ./mailparse
func FuzzParse(f *testing.F) {
	for _, s := range corpus.All() {
		f.Add(s.Raw)
	}
	for _, s := range []string{
		"",
		"From: a@b\r\n\r\n",
		"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\n--x--",
		"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: multipart/alternative; boundary=y\r\n\r\n--y\r\n",
		"Subject: =?UTF-8?B?=?= =?GBK?Q?=C4?=\r\n\r\n",
		"Content-Type: text/html\r\n\r\n<a href=x><a href=y>t</a><script>",
		"Content-Disposition: attachment; filename*0*=x''%; filename*1*=%E",
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n=\r\n=4=\n=",
		"From \r\nX",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := mailparse.Parse(raw, mailparse.Options{MaxBytes: 1 << 20})
		if err != nil {
			return
		}
		for _, s := range []string{m.Body, m.NewText, m.Subject, m.From.Name, m.From.Address} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 in output: %q", s)
			}
		}
		if len(m.NewText) > len(m.Body) {
			t.Fatalf("NewText longer than Body")
		}
		for _, w := range m.Warnings {
			if !knownWarnings[w] {
				t.Fatalf("unknown warning %q", w)
			}
		}
		for _, a := range m.Attachments {
			if a.Size < 0 {
				t.Fatalf("negative attachment size")
			}
		}
		for _, a := range append(append(m.To, m.Cc...), m.From) {
			if a.Address != strings.ToLower(a.Address) {
				t.Fatalf("address not lower-cased")
			}
		}
	})
}
