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
	// words maps a whole word to the concepts it is a cue for and the
	// multi-word phrases that start with it: one map lookup per word of
	// the text (two separate maps cost a measurable share of the pipeline).
	words            map[string]*wordCues
	stems            map[string][]string // prefix (>= 3 runes) -> concepts
	subs             []cuePhrase         // CJK substrings, matched on the raw lower-cased text
	minStem, maxStem int
}

type cuePhrase struct{ s, concept string }

type wordCues struct {
	concepts []string
	phrases  []cueSeq
}

func (c *CueSet) word(w string) *wordCues {
	e := c.words[w]
	if e == nil {
		e = &wordCues{}
		c.words[w] = e
	}
	return e
}

// cueSeq is a multi-word phrase; a stem last word matches as a prefix.
type cueSeq struct {
	words   []string
	stem    bool
	concept string
}

// NewCueSet builds a matcher from concept -> phrases.
func NewCueSet(concepts map[string][]string) *CueSet {
	c := &CueSet{words: map[string]*wordCues{}, stems: map[string][]string{}, minStem: 1 << 30}
	for concept, phrases := range concepts {
		for _, p := range phrases {
			p = strings.ToLower(p)
			if !hasNoSpaceScript(p) {
				// Punctuation inside a phrase ("aujourd'hui", "no-reply")
				// becomes a space, exactly as in the normalized text.
				star := strings.HasSuffix(p, "*")
				p = strings.TrimSpace(Normalize(strings.TrimSuffix(p, "*")).norm)
				if star {
					p += "*"
				}
			}
			switch {
			case hasNoSpaceScript(p):
				c.subs = append(c.subs, cuePhrase{p, concept})
			case strings.Contains(p, " "):
				ws := strings.Fields(strings.TrimSuffix(p, "*"))
				e := c.word(ws[0])
				e.phrases = append(e.phrases, cueSeq{words: ws, stem: strings.HasSuffix(p, "*"), concept: concept})
			case strings.HasSuffix(p, "*"):
				s := strings.TrimSuffix(p, "*")
				c.stems[s] = append(c.stems[s], concept)
				n := len([]rune(s))
				c.minStem = min(c.minStem, n)
				c.maxStem = max(c.maxStem, n)
			default:
				e := c.word(p)
				e.concepts = append(e.concepts, concept)
			}
		}
	}
	return c
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
	for i, w := range t.words {
		if e := c.words[w]; e != nil {
			hit(e.concepts)
			for _, p := range e.phrases {
				if !seen[p.concept] && p.matchAt(t.words[i:]) {
					hit([]string{p.concept})
				}
			}
		}
		if len(c.stems) > 0 && len(w) >= c.minStem {
			// Prefixes at rune boundaries, by byte slicing: no allocation.
			n := 0
			for b := range w {
				if n > c.maxStem {
					break
				}
				if n >= c.minStem {
					if cs, ok := c.stems[w[:b]]; ok {
						hit(cs)
					}
				}
				n++
			}
			if n >= c.minStem && n <= c.maxStem {
				if cs, ok := c.stems[w]; ok {
					hit(cs)
				}
			}
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

func (p cueSeq) matchAt(ws []string) bool {
	if len(ws) < len(p.words) {
		return false
	}
	last := len(p.words) - 1
	for k, w := range p.words {
		if k == last && p.stem {
			return strings.HasPrefix(ws[k], w)
		}
		if ws[k] != w {
			return false
		}
	}
	return true
}
