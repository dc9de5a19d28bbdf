package textmodel

import (
	"bytes"
	"testing"

	"github.com/triage-dev/triage/email"
)

func TestLinkTextMismatch(t *testing.T) {
	tests := []struct {
		name string
		l    email.Link
		want bool
	}{
		{"same domain", email.Link{Href: "https://www.paypal.com/login", Text: "www.paypal.com"}, false},
		{"disguised", email.Link{Href: "http://198.51.100.7/paypal/", Text: "https://www.paypal.com"}, true},
		{"other domain text", email.Link{Href: "https://evil.example.net/x", Text: "mybank.com"}, true},
		{"plain words", email.Link{Href: "https://evil.example.net/x", Text: "click here"}, false},
		{"subdomain ok", email.Link{Href: "https://mail.google.com/", Text: "accounts.google.com"}, false},
		{"no href host", email.Link{Href: "mailto:x", Text: "a.com"}, false},
	}
	for _, tc := range tests {
		if got := LinkTextMismatch(tc.l); got != tc.want {
			t.Errorf("%s: got %v want %v", tc.name, got, tc.want)
		}
	}
}

func TestReplyToMismatch(t *testing.T) {
	from := email.Address{Address: "billing@shop.example.com"}
	tests := []struct {
		name string
		rt   []email.Address
		want bool
	}{
		{"none", nil, false},
		{"same org", []email.Address{{Address: "help@example.com"}}, false},
		{"elsewhere", []email.Address{{Address: "x@freemail.example.org"}}, true},
	}
	for _, tc := range tests {
		if got := ReplyToMismatch(from, tc.rt); got != tc.want {
			t.Errorf("%s: got %v want %v", tc.name, got, tc.want)
		}
	}
}

func TestParseRaw(t *testing.T) {
	raw := "From spammer@example.com Sat Jan  1 00:00:00 2002\n" +
		"From: \"Deals\" <deals@example.net>\nSubject: =?utf-8?q?Gro=C3=9Fe_Deals?=\nContent-Type: multipart/alternative; boundary=XX\n\n" +
		"--XX\nContent-Type: text/html\nContent-Transfer-Encoding: quoted-printable\n\n<p>Click <a href=3D\"http://198.51.100.7/\">www.bank.com</a></p>\n--XX--\n"
	d, err := ParseRaw([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if d.Subject != "Große Deals" || d.From.Address != "deals@example.net" || !d.HTML {
		t.Fatalf("parsed %+v", d)
	}
	if len(d.Links) != 1 || !LinkTextMismatch(d.Links[0]) {
		t.Fatalf("links %+v", d.Links)
	}
	if !bytes.Contains([]byte(d.Body), []byte("Click")) {
		t.Fatalf("body %q", d.Body)
	}
}

func TestTrainSeparatesAndRoundTrips(t *testing.T) {
	var docs []Doc
	var ys []bool
	for i := 0; i < 40; i++ {
		docs = append(docs, Doc{Subject: "cheap pills discount", Body: "buy cheap viagra now limited offer click here free money"}, Doc{Subject: "meeting notes", Body: "attached are the notes from our project meeting, see you on monday"})
		ys = append(ys, true, false)
	}
	ex := Featurise(docs, ys)
	m := Train(ex, Options{})
	if p := m.Score(Doc{Body: "free money, buy cheap pills now"}); p < 0.8 {
		t.Fatalf("spam score %.2f", p)
	}
	if p := m.Score(Doc{Body: "notes from the project meeting on monday"}); p > 0.2 {
		t.Fatalf("ham score %.2f", p)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	m2, err := Load(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	d := Doc{Body: "free money"}
	if m.Score(d) != m2.Score(d) {
		t.Fatal("round trip changed the model")
	}
	m3 := Train(ex, Options{})
	var b3 bytes.Buffer
	m3.WriteTo(&b3)
	if !bytes.Equal(buf.Bytes(), b3.Bytes()) {
		t.Fatal("training is not deterministic")
	}
	if _, err := Load([]byte("nope")); err == nil {
		t.Fatal("bad model accepted")
	}
}

func BenchmarkScore(b *testing.B) {
	m := Train(Featurise([]Doc{{Body: "a b"}, {Body: "c d"}}, []bool{true, false}), Options{Epochs: 1})
	d := Doc{Subject: "Quarterly report", Body: string(bytes.Repeat([]byte("Please find the quarterly report attached for review before Friday. "), 20))}
	b.ReportAllocs()
	for b.Loop() {
		m.Score(d)
	}
}

func TestModelRecordsFeatureSet(t *testing.T) {
	docs := []Doc{
		{Subject: "WIN CASH NOW!!!", Body: "Click http://win.example.net/ now to claim $1000 FREE", HTML: true},
		{Subject: "Re: build failure", Body: "The nightly build fails in the parser tests again, see the log."},
	}
	tests := []struct {
		name string
		set  FeatureSet
	}{
		{"base", 0},
		{"structure+headers", FeatStructure | FeatHeaders},
		{"all", FeatStructure | FeatHeaders | FeatList},
	}
	for _, tc := range tests {
		m := Train(FeaturiseWith(docs, []bool{true, false}, tc.set), Options{Epochs: 3})
		var buf bytes.Buffer
		if _, err := m.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		got, err := Load(buf.Bytes())
		if err != nil {
			t.Fatalf("%s: load: %v", tc.name, err)
		}
		if got.Set() != tc.set {
			t.Errorf("%s: set %d after load, want %d", tc.name, got.Set(), tc.set)
		}
		if a, b := m.Score(docs[0]), got.Score(docs[0]); a != b {
			t.Errorf("%s: score %v after load, want %v", tc.name, b, a)
		}
		bad := buf.Bytes()
		bad[len(magic)+1] = 0x80
		if _, err := Load(bad); err == nil {
			t.Errorf("%s: unknown feature set accepted", tc.name)
		}
	}
}
