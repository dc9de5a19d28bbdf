package textmodel

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// normalizeReference is Normalize as first written (lower-case the whole
// string, normalize rune by rune, strings.Fields). The fast Normalize must
// give exactly its words, normalized text and CJK decision: cue matches,
// and so categories and priorities, depend on them.
func normalizeReference(s string) Text {
	lower := strings.ToLower(s)
	var b strings.Builder
	b.WriteByte(' ')
	space := true
	cjk := false
	for _, r := range lower {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
			space = false
			if r > 0x2E80 && !cjk && hasNoSpaceScript(string(r)) {
				cjk = true
			}
			continue
		}
		if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	if !space {
		b.WriteByte(' ')
	}
	n := b.String()
	return Text{raw: lower, norm: n, words: strings.Fields(n), cjk: cjk}
}

func checkNormalize(t *testing.T, s string) {
	t.Helper()
	got, want := Normalize(s), normalizeReference(s)
	if got.norm != want.norm || !slices.Equal(got.words, want.words) || got.cjk != want.cjk {
		t.Fatalf("Normalize(%q) = %q %q cjk=%v, want %q %q cjk=%v", s, got.norm, got.words, got.cjk, want.norm, want.words, want.cjk)
	}
	if got.cjk && got.raw != want.raw {
		t.Fatalf("Normalize(%q).raw = %q, want %q", s, got.raw, want.raw)
	}
}

func TestNormalizeMatchesReference(t *testing.T) {
	for _, s := range []string{
		"",
		" ",
		"Hello, World!",
		"URGENT: server DOWN since 09:12 -- call +1 555 0100",
		"Réunion demain à 10h, l'équipe FRANÇAISE",
		"ÄÖÜ straße İstanbul ΣΊΣΥΦΟΣ",
		"Заказ №123: ОПЛАТА просрочена",
		"会議の件について、明日お願いします。",
		"請求書 INV-2026 のお支払い",
		"e\u0301te\u0301 cafe\u0301",         // combining marks
		"bad \xff\xfe bytes \xc3 in\x80side", // invalid UTF-8
		"tab\tnew\nline\r\nnbsp\u00a0em\u2003space",
		"Ⱥ ȿ ᏸ ǅ Ǆ", // case mappings that change byte length
		"مرحبا، الفاتورة رقم ٣٤",
		"under_score and-dash and 'quotes'",
	} {
		checkNormalize(t, s)
	}
}

func FuzzNormalize(f *testing.F) {
	f.Add("Hello, World! 会議 \xff Ⱥ")
	f.Fuzz(func(t *testing.T, s string) { checkNormalize(t, s) })
}

// refConcepts is Match without the signature filters: every word is
// looked up in the maps, as before the filters existed.
func refConcepts(c *CueSet, t Text) map[string]bool {
	out := map[string]bool{}
	for i, w := range t.words {
		if e := c.words[w]; e != nil {
			for _, id := range e.concepts {
				out[c.names[id]] = true
			}
			for _, p := range e.phrases {
				if p.matchAt(t.words[i:]) {
					out[c.names[p.concept]] = true
				}
			}
		}
		n := 0
		for b := range w {
			if n > c.maxStem {
				break
			}
			if n >= c.minStem {
				for _, id := range c.stems[w[:b]] {
					out[c.names[id]] = true
				}
			}
			n++
		}
		if n >= c.minStem && n <= c.maxStem {
			for _, id := range c.stems[w] {
				out[c.names[id]] = true
			}
		}
	}
	if t.cjk {
		for _, p := range c.subs {
			if strings.Contains(t.raw, p.s) {
				out[c.names[p.concept]] = true
			}
		}
	}
	return out
}

func TestMatchFiltersLoseNothing(t *testing.T) {
	sets := []*CueSet{
		NewCueSet(map[string][]string{
			"invoice": {"invoice", "factura", "faktur*", "счёт", "請求書"},
			"short":   {"a*", "x", "go"},
			"phrase":  {"past due", "wire transfer", "no-reply", "gift card*"},
			"stem":    {"просрочен*", "zaległ*", "quartal*", "ab*"},
		}),
		NewCueSet(map[string][]string{"one": {"é*"}, "two": {"ü"}}),
	}
	texts := []string{
		"Invoice INV-1: the FACTURA and Fakturierung are past due, send a wire transfer",
		"x go a abc ab abcdef quartalsbericht Quartal zaległość",
		"Платёж просрочено, счёт оплачен",
		"請求書を送付します gift cards no reply no-reply",
		"été über ü é",
		"",
	}
	for _, c := range sets {
		for _, s := range texts {
			tx := Normalize(s)
			got, want := c.Concepts(tx), refConcepts(c, tx)
			if !maps.Equal(got, want) {
				t.Fatalf("Concepts(%q) = %v, want %v", s, got, want)
			}
		}
	}
}
