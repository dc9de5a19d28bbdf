package mailparse_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/triage-dev/triage/corpus"
	"github.com/triage-dev/triage/mailparse"
)

const benchHeaders = "Return-Path: <maria.gomez@example.com>\r\n" +
	"Received: from mail.example.com (mail.example.com [192.0.2.10])\r\n\tby mx.example.org with ESMTPS id 4Fx9; Tue, 3 Mar 2026 09:21:45 -0800\r\n" +
	"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=s1;\r\n\th=from:to:subject:date:message-id; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n\tb=dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZSBqdXN0IGJlbmNoIGRhdGE=\r\n" +
	"From: Maria Gomez <maria.gomez@example.com>\r\n" +
	"To: Tom Becker <tom.becker@example.com>, Aiko Tanaka <aiko.tanaka@example.com>\r\n" +
	"Cc: dev-team@example.com\r\n" +
	"Subject: Re: Release 4.2 scope and the onboarding flag\r\n" +
	"Date: Tue, 3 Mar 2026 09:21:44 -0800\r\n" +
	"Message-ID: <CAB4x9-reply-2@mail.example.com>\r\n" +
	"In-Reply-To: <CAB4x9-orig-1@mail.example.com>\r\n" +
	"References: <CAB4x9-orig-1@mail.example.com>\r\n" +
	"MIME-Version: 1.0\r\n"

// paragraph is ~450 bytes of ordinary prose.
const paragraph = "We reviewed the scope for the next release during the planning call and agreed to keep the onboarding\r\n" +
	"flow behind a feature flag until the metrics look healthy. The export work is still at risk because the\r\n" +
	"storage migration slipped by a week; if it does not land by Friday we will move it to the following\r\n" +
	"release and update the notes accordingly. Please add any concerns to the planning document today.\r\n\r\n"

func simpleText() []byte {
	var b strings.Builder
	b.WriteString(benchHeaders)
	b.WriteString("Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nHi Tom,\r\n\r\n")
	for i := 0; i < 9; i++ {
		b.WriteString(paragraph)
	}
	b.WriteString("Thanks,\r\nMaria\r\n\r\nOn Mon, Mar 2, 2026 at 5:00 PM Tom Becker <tom.becker@example.com> wrote:\r\n")
	b.WriteString("> Here is the proposed scope for 4.2.\r\n> Onboarding, export, audit log.\r\n\r\n-- \r\nMaria Gomez\r\n")
	return []byte(b.String())
}

func alternativeHTML() []byte {
	var b strings.Builder
	b.WriteString(benchHeaders)
	b.WriteString("Content-Type: multipart/alternative; boundary=\"000000000000a1b2c3\"\r\n\r\n--000000000000a1b2c3\r\n")
	b.WriteString("Content-Type: text/plain; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	for i := 0; i < 5; i++ {
		b.WriteString(strings.ReplaceAll(paragraph, "release", "rel=\r\nease"))
	}
	b.WriteString("\r\n--000000000000a1b2c3\r\nContent-Type: text/html; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	b.WriteString("<div dir=3D\"ltr\"><style>p{margin:0}</style>")
	for i := 0; i < 5; i++ {
		fmt.Fprintf(&b, "<p>%s <a href=3D\"https://docs.example.com/plan/%d\">planning doc</a></p>\r\n", strings.ReplaceAll(paragraph, "\r\n", " "), i)
	}
	b.WriteString("</div>\r\n--000000000000a1b2c3--\r\n")
	return []byte(b.String())
}

func base64Attachment() []byte {
	var b strings.Builder
	b.WriteString(benchHeaders)
	b.WriteString("Content-Type: multipart/mixed; boundary=\"mix\"\r\n\r\n--mix\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(paragraph)
	b.WriteString("--mix\r\nContent-Type: application/pdf; name=\"report.pdf\"\r\nContent-Disposition: attachment; filename=\"report.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	data := make([]byte, 96<<10)
	for i := range data {
		data[i] = byte(i * 7)
	}
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc)
	b.WriteString("\r\n--mix--\r\n")
	return []byte(b.String())
}

func benchParse(b *testing.B, raw []byte) {
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := mailparse.Parse(raw, mailparse.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseSimpleText is the fast path the 20 µs target is about: a
// ~5 KB single-part UTF-8 text/plain reply with quotes and a signature.
func BenchmarkParseSimpleText(b *testing.B) { benchParse(b, simpleText()) }

func BenchmarkParseAlternativeHTML(b *testing.B) { benchParse(b, alternativeHTML()) }

func BenchmarkParseBase64Attachment(b *testing.B) { benchParse(b, base64Attachment()) }

// BenchmarkParseCorpus parses every sample once per iteration.
func BenchmarkParseCorpus(b *testing.B) {
	all := corpus.All()
	n := 0
	for _, s := range all {
		n += len(s.Raw)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range all {
			if _, err := mailparse.Parse(s.Raw, mailparse.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func TestBenchInputsParse(t *testing.T) {
	for name, raw := range map[string][]byte{"simple": simpleText(), "alt": alternativeHTML(), "b64": base64Attachment()} {
		m, err := mailparse.Parse(raw, mailparse.Options{})
		if err != nil || m.Body == "" || len(m.Warnings) != 0 {
			t.Errorf("%s: err %v body %d warnings %v", name, err, len(m.Body), m.Warnings)
		}
		if name == "simple" && (len(raw) < 4000 || len(raw) > 6200) {
			t.Errorf("simple message is %d bytes, want 4-6 KB", len(raw))
		}
	}
}
