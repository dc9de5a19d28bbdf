package langid

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/triage-dev/triage/langid/internal/ngram"
)

//go:embed profile.bin
var profileData []byte

// Supported lists every language Detect can return, ISO 639-1.
var Supported = []string{"en", "es", "fr", "de", "pt", "it", "nl", "sv", "pl", "ru", "ja", "zh", "ar", "ca", "ro", "da", "tr", "ko"}

// ErrUnsupported is returned by New for a language code Detect cannot return.
var ErrUnsupported = errors.New("langid: unsupported language")

// MaxLetters caps how many letters of the input are scored. Accuracy stops
// improving long before this on real mail, and the cap keeps the cost of a
// long body bounded.
const MaxLetters = 200

// decided is the lead (1/16 nat) after which scoring stops early: about 30
// nats, a likelihood ratio no later text will overturn in practice.
const decided = 480

// missing is the cost (1/16 nat units) of a letter a language's profile has
// never seen, larger than any quantised probability.
const missing = 300

type profile struct {
	langs []string
	grams *table            // n-gram key -> len(langs) bytes of quantised cost; 0 = absent
	words map[uint64]uint32 // function-word key -> bitmask of language indexes
	prior []int             // per-language cost added once
}

var (
	profOnce sync.Once
	prof     *profile
	profErr  error
)

func loadProfile() (*profile, error) {
	profOnce.Do(func() { prof, profErr = parseProfile(profileData) })
	return prof, profErr
}

func parseProfile(b []byte) (*profile, error) {
	if len(b) < 5 || string(b[:4]) != "LID1" {
		return nil, errors.New("langid: bad profile header")
	}
	n := int(b[4])
	p := &profile{}
	off := 5
	for i := 0; i < n; i++ {
		p.langs = append(p.langs, string(b[off:off+2]))
		off += 2
	}
	cnt := int(binary.LittleEndian.Uint32(b[off:]))
	off += 4
	if len(b) != off+cnt*(8+n) {
		return nil, fmt.Errorf("langid: profile size %d does not match %d entries", len(b), cnt)
	}
	entries := b[off:]
	key := func(i int) uint64 { return binary.LittleEndian.Uint64(entries[i*(8+n):]) }
	p.grams = newTable(cnt, n, func(yield func(uint64) bool) {
		for i := 0; i < cnt; i++ {
			if !yield(key(i)) {
				return
			}
		}
	})
	for i := 0; i < cnt; i++ {
		e := entries[i*(8+n):]
		p.grams.put(key(i), e[8:8+n])
	}
	p.words = buildWordIndex(p.langs)
	p.prior = make([]int, n)
	for i, l := range p.langs {
		switch l {
		case "ca", "ro", "da", "tr":
			p.prior[i] = extraPenalty
		case "en":
			p.prior[i] = -englishPrior
		}
	}
	return p, nil
}

// Detector detects languages among a configured set.
type Detector struct {
	p       *profile
	allowed map[string]bool
	latin   []int // profile indexes of allowed Latin-script languages
}

// New returns a detector restricted to langs (nil or empty: all of
// Supported).
func New(langs []string) (*Detector, error) {
	p, err := loadProfile()
	if err != nil {
		return nil, err
	}
	if len(langs) == 0 {
		langs = Supported
	}
	d := &Detector{p: p, allowed: map[string]bool{}}
	for _, l := range langs {
		ok := false
		for _, s := range Supported {
			if s == l {
				ok = true
			}
		}
		if !ok {
			return nil, fmt.Errorf("%w: %q", ErrUnsupported, l)
		}
		d.allowed[l] = true
	}
	for i, l := range p.langs {
		if d.allowed[l] {
			d.latin = append(d.latin, i)
		}
	}
	return d, nil
}

// Result is a detected language and a confidence in [0,1]. Lang is "" when
// the text has no letters of a supported script.
type Result struct {
	Lang       string
	Confidence float64
}

// Detect returns the most likely language of text.
func (d *Detector) Detect(text string) Result {
	var latin, cyr, arab, han, kana, hangul int
	for _, r := range text {
		switch {
		case r < 0x80:
			if r|0x20 >= 'a' && r|0x20 <= 'z' {
				latin++
			}
		case unicode.Is(unicode.Latin, r):
			latin++
		case unicode.Is(unicode.Cyrillic, r):
			cyr++
		case unicode.Is(unicode.Arabic, r):
			arab++
		case unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r):
			kana++
		case unicode.Is(unicode.Han, r):
			han++
		case unicode.Is(unicode.Hangul, r):
			hangul++
		}
	}
	// One CJK character carries about as much as a short word, so it
	// weighs three Latin letters when scripts are mixed ("Re: 会議の件").
	cjk := 3 * (han + kana + hangul)
	total := latin + cyr + arab + cjk
	if total == 0 {
		return Result{}
	}
	type cand struct {
		lang string
		n    int
	}
	var cands []cand
	if kana > 0 && kana*10 >= han {
		cands = append(cands, cand{"ja", cjk})
	} else if hangul > 0 && hangul >= han {
		cands = append(cands, cand{"ko", cjk})
	} else if han > 0 {
		// Han alone is Chinese; Japanese without any kana is rare in mail.
		cands = append(cands, cand{"zh", cjk}, cand{"ja", cjk - 1})
	}
	cands = append(cands, cand{"ru", cyr}, cand{"ar", arab})
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].n > cands[j].n })
	for _, c := range cands {
		if c.n == 0 || c.n < latin {
			break
		}
		if d.allowed[c.lang] {
			return Result{Lang: c.lang, Confidence: scriptConfidence(c.n, total)}
		}
	}
	if latin == 0 || len(d.latin) == 0 {
		return Result{}
	}
	return d.scoreLatin(text)
}

func scriptConfidence(n, total int) float64 {
	c := float64(n) / float64(total)
	if c > 0.99 {
		c = 0.99
	}
	return math.Round(c*100) / 100
}

// scoreLatin runs the n-gram model over the lower-cased words of text.
// Each letter position contributes the log-probability of the longest
// n-gram (up to 4) starting there that the language's profile knows,
// backing off to shorter prefixes, as lingua does.
func (d *Detector) scoreLatin(text string) Result {
	const maxN = 4
	var scores [32]int
	for _, li := range d.latin {
		scores[li] = d.p.prior[li]
	}
	var word [64]rune
	letters := 0
	wl := 0
	flush := func() {
		if wl == 0 {
			return
		}
		if m, ok := d.p.words[wordKey(word[:wl])]; ok {
			for _, li := range d.latin {
				if m&(1<<li) != 0 {
					scores[li] -= wordBonus
				}
			}
		}
		for i := 0; i < wl; i++ {
			n := wl - i
			if n > maxN {
				n = maxN
			}
			// The values of word[i:i+1], ..., word[i:i+n]; keys are
			// extended a rune at a time (ngram.Extend).
			var vals [maxN][]byte
			h := ngram.Seed
			for k := 0; k < n; k++ {
				h = ngram.Extend(h, word[i+k])
				vals[k] = d.p.grams.get(h)
			}
			for _, li := range d.latin {
				cost := missing
				for k := n - 1; k >= 0; k-- {
					if q := vals[k][li]; q != 0 {
						cost = int(q)
						break
					}
				}
				scores[li] += cost
			}
		}
		wl = 0
	}
	for _, r := range text {
		if letters >= MaxLetters {
			break
		}
		if unicode.IsLetter(r) && r != utf8.RuneError {
			if wl == 0 && letters >= 80 && d.lead(&scores) > decided {
				break
			}
			if wl < len(word) {
				word[wl] = unicode.ToLower(r)
				wl++
				letters++
			}
			continue
		}
		// Anything else, elision apostrophes included ("l'équipe"),
		// ends a word: lingua's training never crossed word boundaries.
		flush()
	}
	flush()
	if letters == 0 {
		return Result{}
	}
	best := d.best(&scores)
	// Posterior over the allowed languages, from the log-likelihoods
	// (scores are in 1/16 nat), tempered because n-gram features are far
	// from independent.
	sum := 0.0
	for _, li := range d.latin {
		sum += math.Exp(-float64(scores[li]-scores[best]) / 16 / 4)
	}
	conf := 1 / sum
	return Result{Lang: d.p.langs[best], Confidence: math.Round(conf*100) / 100}
}

func (d *Detector) best(scores *[32]int) int {
	best := d.latin[0]
	for _, li := range d.latin {
		if scores[li] < scores[best] {
			best = li
		}
	}
	return best
}

// lead is how far the best language is ahead of the runner-up.
func (d *Detector) lead(scores *[32]int) int {
	b := d.best(scores)
	second := -1
	for _, li := range d.latin {
		if li != b && (second < 0 || scores[li] < second) {
			second = scores[li]
		}
	}
	if second < 0 {
		return 1 << 30
	}
	return second - scores[b]
}
