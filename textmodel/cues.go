package textmodel

import (
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"
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
	stems            map[string][]int // prefix (>= 3 runes) -> concept ids
	subs             []cuePhrase      // CJK substrings, matched on the raw lower-cased text
	minStem, maxStem int
	names            []string // concept id -> name
	// wordBits has the bit wordSig(w) set for every key w of words, and
	// stemBits the bit wordSig(s[:stemKey]) for every stem s (stemKey is
	// the shortest stem's byte length, at most 3). Most words of a text
	// are no cue: a clear bit proves that without the map lookup, which
	// was most of the matching time. A set bit proves nothing (the map
	// decides), so the filters never change a result.
	wordBits, stemBits bitset4k
	stemKey            int
}

type cuePhrase struct {
	s       string
	concept int
}

type wordCues struct {
	concepts []int
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
	concept int
}

// bitset4k is a 4096-bit set (512 bytes, stays in L1).
type bitset4k [64]uint64

func (b *bitset4k) set(i uint32)      { b[i>>6&63] |= 1 << (i & 63) }
func (b *bitset4k) has(i uint32) bool { return b[i>>6&63]&(1<<(i&63)) != 0 }

// wordSig is a cheap signature of a non-empty word for the filters: its
// length and three of its bytes, mixed to 12 bits, without reading the
// whole word.
func wordSig(w string) uint32 {
	n := len(w)
	h := uint32(n)*0x9e3779b1 ^ uint32(w[0])<<8 ^ uint32(w[n-1])<<16 ^ uint32(w[n/2])<<24
	h *= 0x85ebca6b
	return h >> 20
}

// NewCueSet builds a matcher from concept -> phrases.
func NewCueSet(concepts map[string][]string) *CueSet {
	c := &CueSet{words: map[string]*wordCues{}, stems: map[string][]int{}, minStem: 1 << 30}
	for concept, phrases := range concepts {
		id := len(c.names)
		c.names = append(c.names, concept)
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
				c.subs = append(c.subs, cuePhrase{p, id})
			case strings.Contains(p, " "):
				ws := strings.Fields(strings.TrimSuffix(p, "*"))
				e := c.word(ws[0])
				e.phrases = append(e.phrases, cueSeq{words: ws, stem: strings.HasSuffix(p, "*"), concept: id})
			case strings.HasSuffix(p, "*"):
				s := strings.TrimSuffix(p, "*")
				c.stems[s] = append(c.stems[s], id)
				n := len([]rune(s))
				c.minStem = min(c.minStem, n)
				c.maxStem = max(c.maxStem, n)
			default:
				e := c.word(p)
				e.concepts = append(e.concepts, id)
			}
		}
	}
	for w := range c.words {
		if w != "" {
			c.wordBits.set(wordSig(w))
		}
	}
	c.stemKey = 3
	for s := range c.stems {
		c.stemKey = min(c.stemKey, len(s))
	}
	for s := range c.stems {
		if c.stemKey > 0 {
			c.stemBits.set(wordSig(s[:c.stemKey]))
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
	raw   string // lower-cased original; only set when cjk (only CJK substring cues read it)
	norm  string
	words []string
	cjk   bool
}

// Normalize prepares s for matching.
//
// It lower-cases rune by rune while it normalizes (strings.ToLower is
// unicode.ToLower per rune too, and its replacement of invalid bytes by
// U+FFFD turns into a space either way), and cuts the words out of the
// normalized string it built: one pass and three allocations, where
// lower-casing, normalizing and strings.Fields were three passes and a
// tenth of the pipeline's time.
func Normalize(s string) Text {
	buf := make([]byte, 0, len(s)+2)
	buf = append(buf, ' ')
	space := true
	cjk := false
	nw := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			i++
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			default:
				if !space {
					buf = append(buf, ' ')
					space = true
				}
				continue
			}
			if space {
				nw++
			}
			buf = append(buf, c)
			space = false
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		r = unicode.ToLower(r)
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			if space {
				nw++
			}
			buf = utf8.AppendRune(buf, r)
			space = false
			if r > 0x2E80 && !cjk && isNoSpaceRune(r) {
				cjk = true
			}
			continue
		}
		if !space {
			buf = append(buf, ' ')
			space = true
		}
	}
	if !space {
		buf = append(buf, ' ')
	}
	// buf is never written again, so the string may share its memory.
	n := unsafe.String(unsafe.SliceData(buf), len(buf))
	// Words are the runs between single spaces (the normalized text has no
	// other white space, so this is strings.Fields).
	words := make([]string, 0, nw)
	start := -1
	for i := 0; i < len(n); i++ {
		if n[i] == ' ' {
			if start >= 0 {
				words = append(words, n[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	t := Text{norm: n, words: words, cjk: cjk}
	if cjk {
		t.raw = strings.ToLower(s)
	}
	return t
}

func isNoSpaceRune(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r)
}

// Match calls fn once per concept found in t (in no particular order).
func (c *CueSet) Match(t Text, fn func(concept string)) {
	var arr [64]bool
	seen := arr[:0]
	if len(c.names) <= len(arr) {
		seen = arr[:len(c.names)]
	} else {
		seen = make([]bool, len(c.names))
	}
	hit := func(id int) {
		if !seen[id] {
			seen[id] = true
			fn(c.names[id])
		}
	}
	for i, w := range t.words {
		if c.wordBits.has(wordSig(w)) {
			if e := c.words[w]; e != nil {
				for _, id := range e.concepts {
					hit(id)
				}
				for _, p := range e.phrases {
					if !seen[p.concept] && p.matchAt(t.words[i:]) {
						hit(p.concept)
					}
				}
			}
		}
		if len(c.stems) > 0 && len(w) >= c.minStem && (c.stemKey == 0 || len(w) >= c.stemKey && c.stemBits.has(wordSig(w[:c.stemKey]))) {
			// Prefixes at rune boundaries, by byte slicing: no allocation.
			n := 0
			for b := range w {
				if n > c.maxStem {
					break
				}
				if n >= c.minStem {
					if cs, ok := c.stems[w[:b]]; ok {
						for _, id := range cs {
							hit(id)
						}
					}
				}
				n++
			}
			if n >= c.minStem && n <= c.maxStem {
				if cs, ok := c.stems[w]; ok {
					for _, id := range cs {
						hit(id)
					}
				}
			}
		}
	}
	if t.cjk {
		for _, p := range c.subs {
			if !seen[p.concept] && strings.Contains(t.raw, p.s) {
				hit(p.concept)
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
