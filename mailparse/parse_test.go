package mailparse

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/email"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		max  int
		want error
	}{
		{"empty", "", 0, ErrEmpty},
		{"blank", "\r\n \n", 0, ErrEmpty},
		{"binary", strings.Repeat("\x00\x01\x02\x03garbage\x04\x05", 50), 0, ErrUnreadable},
		{"binary after one header", "X: y\r\n\r\n" + strings.Repeat("\x00\x01\x02\x03\x04", 100), 0, ErrUnreadable},
		{"too large", "Subject: x\r\n\r\nbody", 5, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.raw), Options{MaxBytes: tt.max})
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestAddressList(t *testing.T) {
	tests := []struct {
		in   string
		want []email.Address
		warn bool
	}{
		{"a@b.com", []email.Address{{Address: "a@b.com"}}, false},
		{`"Doe, John" <John.Doe@Example.COM>, x@y.org`, []email.Address{{Name: "Doe, John", Address: "john.doe@example.com"}, {Name: "", Address: "x@y.org"}}, false},
		{"j@x.de (Jürgen K)", []email.Address{{Name: "Jürgen K", Address: "j@x.de"}}, false},
		{"=?UTF-8?Q?J=C3=BCrgen?= <j@x.de>", []email.Address{{Name: "Jürgen", Address: "j@x.de"}}, false},
		{"undisclosed-recipients:;", nil, false},
		{"team: a@x.com, b@x.com;, c@x.com", []email.Address{{Name: "", Address: "a@x.com"}, {Name: "", Address: "b@x.com"}, {Name: "", Address: "c@x.com"}}, false},
		{"not an address, ok@x.com", []email.Address{{Name: "", Address: "ok@x.com"}}, true},
		{`"quoted \" name" <q@x.com>`, []email.Address{{Name: `quoted " name`, Address: "q@x.com"}}, false},
		{"<mailto:m@x.com>", []email.Address{{Name: "", Address: "m@x.com"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			m := &Message{}
			got := parseAddressList(tt.in, m)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if (len(m.Warnings) > 0) != tt.warn {
				t.Errorf("warnings %v, want warning=%v", m.Warnings, tt.warn)
			}
		})
	}
}

func TestDecodeHeaderText(t *testing.T) {
	tests := []struct {
		in, want string
		warn     string
	}{
		{"plain", "plain", ""},
		{"=?UTF-8?Q?caf=C3=A9_au_lait?=", "café au lait", ""},
		{"=?utf-8?b?Y2Fmw6k=?= =?utf-8?b?IG5vaXI=?=", "café noir", ""},
		{"a =?ISO-8859-1?Q?caf=E9?= b", "a café b", ""},
		// A character split across two words (GBK bytes C4 E3 | BA C3).
		{"=?GBK?B?xOM=?= =?GBK?B?usM=?=", "你好", ""},
		{"=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=", "テスト", ""},
		{"=?KOI8-R?B?8NLJ18XU?=", "Привет", ""},
		{"=?UTF-8*en?Q?lang?=", "lang", ""},
		{"=?UTF-8?B?!!!?=", "=?UTF-8?B?!!!?=", WarnBadEncodedWord},
		{"=?x-nope?Q?abc?=", "abc", WarnUnknownCharset},
		{"=?UTF-8?Q?unterminated", "=?UTF-8?Q?unterminated", WarnBadEncodedWord},
		{"Gr\xfc\xdfe", "Grüße", WarnRawHeaderBytes},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			m := &Message{}
			if got := decodeHeaderText(tt.in, m); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if tt.warn != "" && !contains(m.Warnings, tt.warn) {
				t.Errorf("warnings %v, want %s", m.Warnings, tt.warn)
			}
		})
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestParseMediaType(t *testing.T) {
	tests := []struct {
		in, mt string
		key    string
		val    string
	}{
		{"text/plain; charset=UTF-8", "text/plain", "charset", "UTF-8"},
		{`Text/HTML; charset="iso-8859-1"; format=flowed`, "text/html", "charset", "iso-8859-1"},
		{`multipart/mixed; boundary="----=_Part_1;x"`, "multipart/mixed", "boundary", "----=_Part_1;x"},
		{"attachment; filename*=UTF-8''na%C3%AFve.txt", "attachment", "filename", "naïve.txt"},
		{"attachment; filename*=iso-8859-1'fr'caf%E9.pdf", "attachment", "filename", "café.pdf"},
		{"attachment; filename*0=\"long \"; filename*1=\"name.pdf\"", "attachment", "filename", "long name.pdf"},
		{"attachment; filename*1*=%E9.txt; filename*0*=iso-8859-1''r%E9sum", "attachment", "filename", "résumé.txt"},
		{"attachment; filename=plain.txt; filename*=UTF-8''better.txt", "attachment", "filename", "better.txt"},
		{"text/plain;; charset=us-ascii;", "text/plain", "charset", "us-ascii"},
		{"text/plain; broken", "text/plain", "charset", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			mt, ps := parseMediaType(tt.in, &Message{})
			if mt != tt.mt || ps.get(tt.key) != tt.val {
				t.Errorf("got %q %q=%q, want %q %q", mt, tt.key, ps.get(tt.key), tt.mt, tt.val)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want string // RFC 3339, "" = fail
	}{
		{"Mon, 2 Jan 2006 15:04:05 -0700", "2006-01-02T15:04:05-07:00"},
		{"2 Jan 2006 15:04 +0000", "2006-01-02T15:04:00Z"},
		{"Tue, 03 Mar 2026 09:21:44 -0800 (PST)", "2026-03-03T09:21:44-08:00"},
		{"Tue, 3 Mar 2026 09:21:44 GMT", "2026-03-03T09:21:44Z"},
		{"Tue, 3 Mar 26 09:21:44 EST", "2026-03-03T09:21:44-05:00"},
		{"Tue,  3 Mar 2026 09:21:44", "2026-03-03T09:21:44Z"},
		{"2026-03-03T09:21:44+01:00", "2026-03-03T09:21:44+01:00"},
		{"31 Feb 2026 10:00:00 +0000", ""},
		{"yesterday", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseDate(tt.in)
			if tt.want == "" {
				if ok {
					t.Errorf("parsed %v, want failure", got)
				}
				return
			}
			want, _ := time.Parse(time.RFC3339, tt.want)
			if !ok || !got.Equal(want) {
				t.Errorf("got %v %v, want %v", got, ok, want)
			}
		})
	}
}

func TestSubjectPrefixes(t *testing.T) {
	tests := []struct {
		subject    string
		reply, fwd bool
	}{
		{"Re: hello", true, false},
		{"AW: WG: Angebot", true, true},
		{"RE[2]: x", true, false},
		{"Sv: Hej", true, false},
		{"Réf : dossier", true, false},
		{"回复：会议", true, false},
		{"答复: 会议", true, false},
		{"Fwd: photos", false, true},
		{"TR: document", false, true},
		{"RV: factura", false, true},
		{"Enc: proposta", false, true},
		{"[list] Re: topic", true, false},
		{"Regarding: the plan", false, false},
		{"Meeting at 10:00", false, false},
		{"Urgent: server down", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.subject, func(t *testing.T) {
			r, f := subjectPrefixes(tt.subject)
			if r != tt.reply || f != tt.fwd {
				t.Errorf("got reply=%v fwd=%v, want %v %v", r, f, tt.reply, tt.fwd)
			}
		})
	}
}

func TestFlags(t *testing.T) {
	base := "From: a@example.com\r\nTo: b@example.com\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n"
	tests := []struct {
		name    string
		headers string
		want    email.Flags
		depth   int
	}{
		{"plain", "Subject: hi\r\n", email.Flags{}, 0},
		{"in-reply-to only", "Subject: hi\r\nIn-Reply-To: <x@y>\r\n", email.Flags{IsReply: true}, 1},
		{"references depth", "Subject: Re: hi\r\nReferences: <a@y> <b@y>\r\n <c@y>\r\n", email.Flags{IsReply: true}, 3},
		{"auto-submitted replied", "Subject: hi\r\nAuto-Submitted: auto-replied\r\n", email.Flags{IsAutoReply: true}, 0},
		{"auto-submitted no", "Subject: hi\r\nAuto-Submitted: no\r\n", email.Flags{}, 0},
		{"auto-generated is a notification", "Subject: hi\r\nAuto-Submitted: auto-generated\r\n", email.Flags{}, 0},
		{"x-autoreply", "Subject: hi\r\nX-Autoreply: yes\r\n", email.Flags{IsAutoReply: true}, 0},
		{"precedence auto_reply", "Subject: hi\r\nPrecedence: auto_reply\r\n", email.Flags{IsAutoReply: true}, 0},
		{"ooo subject", "Subject: Out of Office: back Monday\r\n", email.Flags{IsAutoReply: true}, 0},
		{"respuesta automática", "Subject: =?UTF-8?Q?Respuesta_autom=C3=A1tica?=\r\n", email.Flags{IsAutoReply: true}, 0},
		{"precedence list", "Subject: hi\r\nPrecedence: list\r\n", email.Flags{IsBulk: true}, 0},
		{"junk", "Subject: hi\r\nPrecedence: junk\r\n", email.Flags{IsBulk: true}, 0},
		{"list-unsubscribe", "Subject: hi\r\nList-Unsubscribe: <mailto:u@x>\r\n", email.Flags{IsBulk: true}, 0},
		{"forward keeps references", "Subject: Fwd: hi\r\nReferences: <a@y>\r\n", email.Flags{IsForward: true}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte(base+tt.headers+"\r\nbody\r\n"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if m.Flags != tt.want || m.ThreadDepth != tt.depth {
				t.Errorf("flags %+v depth %d, want %+v %d", m.Flags, m.ThreadDepth, tt.want, tt.depth)
			}
		})
	}
}

func TestNewText(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"nothing to cut", "Hello\n\nSee you.", "Hello\n\nSee you."},
		{"gmail attribution", "Yes.\n\nOn Mon, 2 Mar 2026 at 10:00, A <a@x> wrote:\n> q", "Yes."},
		{"wrapped attribution", "Yes.\n\nOn Mon, 2 Mar 2026 at 10:00, Somebody Long <a@x>\nwrote:\n> q", "Yes."},
		{"german", "Ja.\n\nAm 02.03.2026 um 10:00 schrieb A <a@x>:\n> q", "Ja."},
		{"french", "Oui.\n\nLe lun. 2 mars 2026 à 10:00, A <a@x> a écrit :\n> q", "Oui."},
		{"spanish", "Sí.\n\nEl lun, 2 mar 2026 a las 10:00, A (<a@x>) escribió:\n> q", "Sí."},
		{"outlook separator", "Done.\n\n-----Original Message-----\nFrom: A\nSent: Monday\n\nold", "Done."},
		{"outlook header block", "Done.\n\nFrom: A <a@x>\nSent: Monday, March 2, 2026\nTo: B\nSubject: x\n\nold", "Done."},
		{"german outlook block", "Erledigt.\n\nVon: A <a@x>\nGesendet: Montag\nAn: B\n\nalt", "Erledigt."},
		{"from in prose is kept", "From: the team, with thanks.\nMore text.", "From: the team, with thanks.\nMore text."},
		{"signature delimiter", "Text.\n\n-- \nName\nPhone", "Text."},
		{"interleaved quotes", "> q1\nA1\n> q2\nA2", "A1\nA2"},
		{"sign-off", "Please send the file.\n\nBest regards,\nJane Doe\nACME Corp", "Please send the file."},
		{"german sign-off", "Bitte prüfen.\n\nMit freundlichen Grüßen\nMax Muster", "Bitte prüfen."},
		{"sign-off not at end kept", "Thanks,\nfor the file. Here is a long paragraph that goes on.\nline\nline\nline\nline\nline\nline", "Thanks,\nfor the file. Here is a long paragraph that goes on.\nline\nline\nline\nline\nline\nline"},
		{"device signature", "On my way.\n\nSent from my iPhone", "On my way."},
		{"forwarded", "FYI\n\n---------- Forwarded message ---------\nFrom: x", "FYI"},
		{"all quoted", "> only quotes\n> here", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NewText(tt.body); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHTMLToText(t *testing.T) {
	tests := []struct {
		name, in, want string
		links          []email.Link
	}{
		{"blocks and entities", "<p>a &amp; b</p><p>c&nbsp;d</p>", "a & b\n\nc d", nil},
		{"script and style dropped", "<style>x{}</style><script>alert(1)</script>text", "text", nil},
		{"br and div", "one<br>two<div>three</div>four", "one\ntwo\nthree\nfour", nil},
		{"list", "<ul><li>x</li><li>y</li></ul>", "- x\n- y", nil},
		{"link", `see <a href=" https://x.test/a ">the <b>site</b></a>.`, "see the site.",
			[]email.Link{{Href: "https://x.test/a", Text: "the site"}}},
		{"image link alt", `<a href="https://x.test"><img alt="Log in"></a>`, "",
			[]email.Link{{Href: "https://x.test", Text: "Log in"}}},
		{"fragment and js skipped", `<a href="#x">a</a><a href="javascript:x()">b</a>`, "ab", nil},
		{"unclosed tags", "<p>open <b>bold", "open bold", nil},
		{"blockquote marks quotes", "<p>new</p><blockquote>old<br>older<blockquote>oldest</blockquote></blockquote><p>after</p>",
			"new\n\n> old\n> older\n> > oldest\n\nafter", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, links := htmlToText(tt.in)
			if got != tt.want || !reflect.DeepEqual(links, tt.links) {
				t.Errorf("got %q %+v, want %q %+v", got, links, tt.want, tt.links)
			}
		})
	}
}

func TestMultipartShapes(t *testing.T) {
	hdr := "From: a@example.com\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n"
	tests := []struct {
		name     string
		raw      string
		body     string
		atts     int
		warnings []string
	}{
		{"alternative prefers plain",
			"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nplain\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--b--\r\n",
			"plain", 0, nil},
		{"empty plain falls back to html",
			"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n \r\n--b\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--b--\r\n",
			"html", 0, nil},
		{"boundary prefix of nested boundary",
			"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: multipart/alternative; boundary=bb\r\n\r\n--bb\r\nContent-Type: text/plain\r\n\r\ninner\r\n--bb--\r\n--b\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--b--\r\n",
			"inner", 1, nil},
		{"text attachment is not body",
			"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nbody text\r\n--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\nattached\r\n--b--\r\n",
			"body text", 1, nil},
		{"unterminated", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\npart one\r\n",
			"part one", 0, []string{WarnUnterminated}},
		{"deep nesting stops", deepNest(40), "", 0, []string{WarnTooDeep}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte(hdr+tt.raw), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if m.Body != tt.body || len(m.Attachments) != tt.atts {
				t.Errorf("body %q atts %d, want %q %d", m.Body, len(m.Attachments), tt.body, tt.atts)
			}
			for _, w := range tt.warnings {
				if !contains(m.Warnings, w) {
					t.Errorf("warnings %v lack %s", m.Warnings, w)
				}
			}
		})
	}
}

func TestAttachmentSizes(t *testing.T) {
	tests := []struct {
		name, cte, content string
		size               int64
	}{
		{"base64 padded", "base64", "aGVsbG8=", 5},
		{"base64 wrapped", "base64", "aGVs\r\nbG8h", 6},
		{"base64 unpadded", "base64", "aGVsbG8", 5},
		{"quoted-printable", "quoted-printable", "a=3Db=\r\nc", 4},
		{"7bit", "7bit", "abcd", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := "From: a@x.com\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: " + tt.cte + "\r\n\r\n" + tt.content
			m, err := Parse([]byte(raw), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Attachments) != 1 || m.Attachments[0].Size != tt.size {
				t.Fatalf("attachments %+v, want one of size %d", m.Attachments, tt.size)
			}
			if !m.Flags.HasAttachments {
				t.Error("HasAttachments not set")
			}
		})
	}
}

// deepNest builds n levels of multipart/mixed, each with its own boundary.
func deepNest(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n", i, i)
	}
	b.WriteString("\r\ndeepest\r\n")
	return b.String()
}
