package textmodel

import (
	"bytes"
	"math"
	"slices"
	"strings"
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

// BenchmarkScoreDefaultSpec scores a 1.4 KB message with the committed
// recipe's shape (two LR components, one with character n-grams).
func BenchmarkScoreDefaultSpec(b *testing.B) {
	docs := []Doc{{Subject: "win cash", Body: "free money now"}, {Subject: "notes", Body: "meeting notes attached"}}
	m := TrainSpec(docs, []bool{true, false}, DefaultSpec, Options{Epochs: 1})
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
		{"chars", FeatStructure | FeatChars},
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
		bad := bytes.Clone(buf.Bytes())
		bad[len(magic)+3] = 0x80 // first component's feature set
		if _, err := Load(bad); err == nil {
			t.Errorf("%s: unknown feature set accepted", tc.name)
		}
	}
}

// TestSpecScoreMatchesExamples pins the invariant the evaluation relies
// on: Model.Score (the run-time path, which sums character n-gram weights
// without building the feature list) gives the probability that scoring
// the training representation (FeaturesWith) gives, for every kind of
// component, and the model survives a round trip byte-identically.
func TestSpecScoreMatchesExamples(t *testing.T) {
	var docs []Doc
	var ys []bool
	for i := 0; i < 30; i++ {
		docs = append(docs,
			Doc{Subject: "FREE v1agra!!!", Body: "Buy cheap pills now, $$$ limited offer, click http://pills.example.net/buy now"},
			Doc{Subject: "Re: parser tests", Body: "The nightly build fails in the parser tests again; see the log attached to the ticket."})
		ys = append(ys, true, false)
	}
	probe := Doc{Subject: "cheap pills", Body: "limited offer for the parser tests, click now"}
	tests := []struct {
		name string
		spec Spec
	}{
		{"lr", Spec{{KindLR, FeatStructure}}},
		{"lr chars", Spec{{KindLR, FeatStructure | FeatChars}}},
		{"nb", Spec{{KindNB, FeatStructure | FeatHeaders}}},
		{"lr+nb+chars", Spec{{KindLR, FeatStructure}, {KindNB, FeatStructure}, {KindLR, FeatStructure | FeatChars}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := TrainSpec(docs, ys, tc.spec, Options{Epochs: 3})
			want := 0.0
			for _, c := range m.comps {
				idx, val := FeaturesWith(probe, c.set)
				want += c.scoreExample(Example{Idx: idx, Val: val})
			}
			want /= float64(len(m.comps))
			if got := m.Score(probe); math.Abs(got-want) > 1e-5 {
				t.Fatalf("Score %v, example path %v", got, want)
			}
			if p := m.Score(docs[0]); p < 0.5 {
				t.Errorf("spam scored %.2f", p)
			}
			if p := m.Score(docs[1]); p > 0.5 {
				t.Errorf("ham scored %.2f", p)
			}
			var b1, b2 bytes.Buffer
			m.WriteTo(&b1)
			TrainSpec(docs, ys, tc.spec, Options{Epochs: 3}).WriteTo(&b2)
			if !bytes.Equal(b1.Bytes(), b2.Bytes()) {
				t.Fatal("training is not deterministic")
			}
			l, err := Load(b1.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if l.Spec().String() != tc.spec.String() || l.Score(probe) != m.Score(probe) {
				t.Fatalf("round trip: %s %v", l.Spec(), l.Score(probe))
			}
		})
	}
}

func TestCharGramsNormalise(t *testing.T) {
	collect := func(d Doc) []uint32 {
		var h []uint32
		charGrams(d, func(x uint32) { h = append(h, x) })
		return h
	}
	a := collect(Doc{Subject: "WIN", Body: "Call  555-1234\n\nNOW"})
	b := collect(Doc{Subject: "win", Body: "call 999-0000 now"})
	if !slices.Equal(a, b) {
		t.Fatalf("case, digits and whitespace runs should not change the grams: %d vs %d", len(a), len(b))
	}
	long := Doc{Body: strings.Repeat("x", 10*maxCharBytes)}
	if n := len(collect(long)); n > 3*maxCharBytes {
		t.Fatalf("%d grams from a long body; the prefix bound is %d bytes", n, maxCharBytes)
	}
}
