package textmodel

import (
	"strings"
	"unicode"
)

// CueSet is the multilingual cue matcher shared by the classify,
// priority, summary and respond stages. A cue is a concept ("invoice")
// with phrases in each supported language; matches are reported by concept
// name only, so reasons never carry text from the email.
//
// Phrase syntax: a plain word or multi-word phrase matches whole words; a
// trailing '*' makes the last word a prefix ("factur*" matches "facturas");
// phrases in scripts without spaces (Japanese, Chinese) match as
// substrings.

type CueSet struct {
	words            map[string][]string // whole word -> concepts
	stems            map[string][]string // prefix (>= 3 runes) -> concepts
	phrase           []cuePhrase         // multi-word phrases, matched on the normalized text
	subs             []cuePhrase         // CJK substrings, matched on the raw lower-cased text
	minStem, maxStem int
}

type cuePhrase struct{ s, concept string }

// NewCueSet builds a matcher from concept -> phrases.
func NewCueSet(concepts map[string][]string) *CueSet {
	c := &CueSet{words: map[string][]string{}, stems: map[string][]string{}, minStem: 1 << 30}
	for concept, phrases := range concepts {
		for _, p := range phrases {
			p = strings.ToLower(p)
			switch {
			case hasNoSpaceScript(p):
				c.subs = append(c.subs, cuePhrase{p, concept})
			case strings.Contains(p, " "):
				c.phrase = append(c.phrase, cuePhrase{" " + strings.TrimSuffix(p, "*") + suffixSpace(p), concept})
			case strings.HasSuffix(p, "*"):
				s := strings.TrimSuffix(p, "*")
				c.stems[s] = append(c.stems[s], concept)
				n := len([]rune(s))
				c.minStem = min(c.minStem, n)
				c.maxStem = max(c.maxStem, n)
			default:
				c.words[p] = append(c.words[p], concept)
			}
		}
	}
	return c
}

func suffixSpace(p string) string {
	if strings.HasSuffix(p, "*") {
		return ""
	}
	return " "
}

func hasNoSpaceScript(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) {
			return true
		}
	}
	return false
}

// Text is lower-cased text with every run of non-letters/digits turned
// into one space and a space at both ends, so " word " finds whole words.
type Text struct {
	raw   string // lower-cased original
	norm  string
	words []string
	cjk   bool
}

// Normalize prepares s for matching.
func Normalize(s string) Text {
	lower := strings.ToLower(s)
	var b strings.Builder
	b.Grow(len(lower) + 2)
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

// Match calls fn once per concept found in t (in no particular order).
func (c *CueSet) Match(t Text, fn func(concept string)) {
	seen := map[string]bool{}
	hit := func(cs []string) {
		for _, x := range cs {
			if !seen[x] {
				seen[x] = true
				fn(x)
			}
		}
	}
	for _, w := range t.words {
		if cs, ok := c.words[w]; ok {
			hit(cs)
		}
		if len(c.stems) > 0 && len(w) >= c.minStem {
			rs := []rune(w)
			for n := c.minStem; n <= c.maxStem && n <= len(rs); n++ {
				if cs, ok := c.stems[string(rs[:n])]; ok {
					hit(cs)
				}
			}
		}
	}
	for _, p := range c.phrase {
		if !seen[p.concept] && strings.Contains(t.norm, p.s) {
			hit([]string{p.concept})
		}
	}
	if t.cjk {
		for _, p := range c.subs {
			if !seen[p.concept] && strings.Contains(t.raw, p.s) {
				hit([]string{p.concept})
			}
		}
	}
}

// Concepts returns the set of concepts found in t.
func (c *CueSet) Concepts(t Text) map[string]bool {
	out := map[string]bool{}
	c.Match(t, func(x string) { out[x] = true })
	return out
}

// Words returns the whole words of t, lower-cased.
func (t Text) Words() []string { return t.words }
