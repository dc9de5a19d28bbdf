package textmodel

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/triage-dev/triage/email"
	"github.com/triage-dev/triage/models"
)

// The committed model's weights are indexed by feature hashes, so a change
// in how a feature is hashed silently changes every score. These tests pin
// the hashes to their definition (FNV-1a of prefix + token, bigrams of the
// joined "prev token" string) and the committed model's scores to their
// exact bits.

func TestWordHashesMatchJoinedStrings(t *testing.T) {
	d := Doc{
		Subject: "URGENT: Re: Your INVOICE #4411 is ready!!",
		Body:    "Dear customer, your invoice of $1,200 is OVERDUE. Please pay now!\nMerci beaucoup, l'équipe — 会議 ありがとう. v1agra m0ney-back\n" + strings.Repeat("word ", 30),
	}
	var subj, body []string
	tokens(d.Subject, 200, func(tok string, _ bool) { subj = append(subj, strings.Clone(tok)) })
	tokens(d.Body, maxBodyTokens, func(tok string, _ bool) { body = append(body, strings.Clone(tok)) })
	var want []uint32
	for i, tok := range subj {
		want = append(want, hash("s:", tok))
		if i > 0 {
			want = append(want, hash("sb:", subj[i-1]+" "+tok))
		}
	}
	for i, tok := range body {
		want = append(want, hash("b:", tok))
		if i > 0 {
			want = append(want, hash("bb:", body[i-1]+" "+tok))
		}
	}
	got := wordFeatures(d, FeatStructure)
	for _, h := range want {
		if !slices.Contains(got, h) {
			t.Fatalf("feature %d (from the joined-string definition) missing from wordFeatures", h)
		}
	}
}

func TestTokensKeepPreviousToken(t *testing.T) {
	// The lifetime contract: the previous token is intact while fn runs
	// for the next one, also across dropped one-letter words, digit
	// shapes and tokens longer than the stack buffers.
	s := "alpha b " + strings.Repeat("x", 100) + " 12345 gamma c delta $ épsilon 会 zeta"
	prev := ""
	var pairs []string
	tokens(s, 100, func(tok string, _ bool) {
		pairs = append(pairs, prev+"|"+tok)
		prev = tok
	})
	wantPairs := []string{"|alpha", "alpha|<long>", "<long>|#d2", "#d2|gamma", "gamma|delta", "delta|$", "$|épsilon", "épsilon|会", "会|zeta"}
	if !slices.Equal(pairs, wantPairs) {
		t.Fatalf("token pairs = %q, want %q", pairs, wantPairs)
	}
}

func TestCommittedModelScoresPinned(t *testing.T) {
	m, err := Load(models.Spam)
	if err != nil {
		t.Fatal(err)
	}
	docs := []Doc{
		{Subject: "Quarterly report", Body: "Please find the quarterly report attached for review before Friday.", Headers: map[string][]string{"Date": {"Tue, 3 Mar 2026 09:21:00 +0100"}, "X-Mailer": {"Outlook 16"}}, From: email.Address{Name: "Mary Smith", Address: "mary@example.com"}},
		{Subject: "WIN $$$ NOW!!!", Body: "CLICK HERE to claim your FREE prize of $1,000,000!!! Limited offer, act now: http://win.example.biz/claim?id=42", HTML: true, Links: []email.Link{{Href: "http://win.example.biz/claim", Text: "www.paypal.com"}}},
		{Subject: "会議の件", Body: "来週の会議は水曜日に変更になりました。よろしくお願いします。"},
	}
	// Bits of the scores the committed models/spam.bin gives these docs;
	// update only together with a deliberate retraining or feature change.
	want := []uint64{0x3fd17a328f7e4dcc, 0x3fef890bc0f5f8af, 0x3fe29ee8f62dcb55}
	for i, d := range docs {
		if got := math.Float64bits(m.Score(d)); got != want[i] {
			t.Errorf("doc %d: score bits %#x (%v), want %#x", i, got, m.Score(d), want[i])
		}
	}
}
